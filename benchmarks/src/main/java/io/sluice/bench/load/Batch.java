package io.sluice.bench.load;

import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;

/**
 * The records of one shard that leave in one PutRecords call, with each record's intended send time. Filled by its
 * producer's thread; once handed to a sender it is no longer changed (the sender's callback only reads it).
 */
final class Batch {
    private final int shard;
    private PutRecordsRequestEntry[] entries;
    private long[] intendedNanos;
    private int count;
    private long bytes;
    private long sentNanos;

    Batch(int shard) {
        this.shard = shard;
        this.entries = new PutRecordsRequestEntry[16];
        this.intendedNanos = new long[16];
    }

    void add(PutRecordsRequestEntry entry, int entryBytes, long intended) {
        if (count == entries.length) {
            entries = java.util.Arrays.copyOf(entries, count * 2);
            intendedNanos = java.util.Arrays.copyOf(intendedNanos, count * 2);
        }
        entries[count] = entry;
        intendedNanos[count] = intended;
        count++;
        bytes += entryBytes;
    }

    int shard() {
        return shard;
    }

    int count() {
        return count;
    }

    /** Data + partition keys. */
    long bytes() {
        return bytes;
    }

    long intendedNanos(int i) {
        return intendedNanos[i];
    }

    long firstIntendedNanos() {
        return intendedNanos[0];
    }

    long sentNanos() {
        return sentNanos;
    }

    void markSent(long nanos) {
        sentNanos = nanos;
    }

    PutRecordsRequest toRequest(String stream) {
        PutRecordsRequest.Builder b = PutRecordsRequest.newBuilder().setStreamName(stream);
        for (int i = 0; i < count; i++) {
            b.addRecords(entries[i]);
        }
        return b.build();
    }
}
