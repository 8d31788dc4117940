package io.sluice.bench.load;

import io.sluice.proto.v1.PutRecordsRequestEntry;
import java.util.ArrayDeque;

/**
 * One producer's open batches, one per shard, as Kafka's RecordAccumulator keeps one per partition. A batch closes
 * when it holds {@code maxRecords} records, when the next record would take it over {@code maxBytes}, or
 * {@code lingerNanos} after its first record's intended send time; closed batches wait in a FIFO until sent.
 *
 * <p>Not thread-safe: owned by its producer's thread.
 */
final class ShardBatcher {
    private final Batch[] open;
    private final int maxRecords;
    private final long maxBytes;
    private final long lingerNanos;
    private final ArrayDeque<Batch> ready = new ArrayDeque<>();

    ShardBatcher(int shards, int maxRecords, long maxBytes, long lingerNanos) {
        this.open = new Batch[shards];
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.lingerNanos = lingerNanos;
    }

    /** Adds a record to its shard's batch, closing batches as the limits say. */
    void add(int shard, PutRecordsRequestEntry entry, int entryBytes, long intendedNanos) {
        Batch b = open[shard];
        if (b != null && b.bytes() + entryBytes > maxBytes) {
            close(shard);
            b = null;
        }
        if (b == null) {
            b = new Batch(shard);
            open[shard] = b;
        }
        b.add(entry, entryBytes, intendedNanos);
        if (b.count() >= maxRecords || b.bytes() >= maxBytes) {
            close(shard);
        }
    }

    /** Closes every open batch whose linger time has passed at {@code nowNanos}. */
    void closeExpired(long nowNanos) {
        for (int s = 0; s < open.length; s++) {
            if (open[s] != null && nowNanos - open[s].firstIntendedNanos() >= lingerNanos) {
                close(s);
            }
        }
    }

    /** Closes every open batch (at the end of a run). */
    void closeAll() {
        for (int s = 0; s < open.length; s++) {
            if (open[s] != null) {
                close(s);
            }
        }
    }

    /** When the earliest open batch's linger ends, or {@link Long#MAX_VALUE} when none is open. */
    long nextLingerDeadlineNanos() {
        long min = Long.MAX_VALUE;
        for (Batch b : open) {
            if (b != null) {
                min = Math.min(min, b.firstIntendedNanos() + lingerNanos);
            }
        }
        return min;
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    int readyCount() {
        return ready.size();
    }

    /** The oldest closed batch, or null. */
    Batch pollReady() {
        return ready.poll();
    }

    boolean hasOpen() {
        for (Batch b : open) {
            if (b != null) {
                return true;
            }
        }
        return false;
    }

    private void close(int shard) {
        ready.add(open[shard]);
        open[shard] = null;
    }
}
