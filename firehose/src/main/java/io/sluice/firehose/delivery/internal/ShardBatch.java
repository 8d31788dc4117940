package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.SourceRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of one shard buffered since its last delivery, one open object per key prefix (a buffer per
 * (shard, partition prefix)) plus one per error prefix. The batch is delivered as a whole: all its objects, then
 * one checkpoint at {@link #last()}. Confined to the shard's delivery thread.
 */
public final class ShardBatch {
    /** Creates the encoder of a new object. */
    @FunctionalInterface
    public interface EncoderFactory {
        ObjectEncoder create() throws IOException;
    }

    /** A completed object, ready to store under {@code key}. */
    public record FinishedObject(String key, ByteSink bytes, long records, boolean error) {
        public byte[] array() {
            return bytes.array();
        }

        public int length() {
            return bytes.length();
        }
    }

    private static final class Buffer {
        final ObjectEncoder encoder;
        final String first;
        String last;

        Buffer(ObjectEncoder encoder, String first) {
            this.encoder = encoder;
            this.first = first;
        }
    }

    private final String first;
    private final String forcedLast;
    private final long openedAtMs;
    private final Map<String, Buffer> partitions = new LinkedHashMap<>();
    private final Map<String, Buffer> errors = new LinkedHashMap<>();
    private String last;
    private long records;
    private long bytes;
    private long[] arrivals = new long[64];

    /**
     * @param first      sequence number of the batch's first record
     * @param forcedLast where an earlier attempt cut this batch (from its intent), or null for a new batch
     * @param openedAtMs clock time the first record was buffered
     */
    public ShardBatch(String first, String forcedLast, long openedAtMs) {
        this.first = first;
        this.forcedLast = forcedLast;
        this.openedAtMs = openedAtMs;
    }

    public void add(SourceRecord r, Object row, String prefix, EncoderFactory encoders) throws IOException {
        Buffer b = partitions.get(prefix);
        if (b == null) {
            b = new Buffer(encoders.create(), r.sequenceNumber());
            partitions.put(prefix, b);
        }
        b.encoder.write(row);
        b.last = r.sequenceNumber();
        count(r);
    }

    public void addFailed(SourceRecord r, byte[] errorLine, String errorPrefix, EncoderFactory encoders)
            throws IOException {
        Buffer b = errors.get(errorPrefix);
        if (b == null) {
            b = new Buffer(encoders.create(), r.sequenceNumber());
            errors.put(errorPrefix, b);
        }
        b.encoder.write(errorLine);
        b.last = r.sequenceNumber();
        count(r);
    }

    private void count(SourceRecord r) {
        if (records == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, arrivals.length * 2);
        }
        arrivals[(int) records] = r.arrivalTimeMs();
        last = r.sequenceNumber();
        records++;
        bytes += r.data().length;
    }

    public boolean hasPartition(String prefix) {
        return partitions.containsKey(prefix);
    }

    public int partitionCount() {
        return partitions.size();
    }

    /** Completes every object; names come from {@code naming} (prefix, first, last, error). */
    public List<FinishedObject> finish(Naming naming) throws IOException {
        List<FinishedObject> out = new ArrayList<>(partitions.size() + errors.size());
        for (Map.Entry<String, Buffer> e : partitions.entrySet()) {
            Buffer b = e.getValue();
            out.add(new FinishedObject(naming.key(e.getKey(), b.first, b.last, false), b.encoder.finish(),
                    b.encoder.rows(), false));
        }
        for (Map.Entry<String, Buffer> e : errors.entrySet()) {
            Buffer b = e.getValue();
            out.add(new FinishedObject(naming.key(e.getKey(), b.first, b.last, true), b.encoder.finish(),
                    b.encoder.rows(), true));
        }
        return out;
    }

    /** Names an object from its prefix and the first and last sequence numbers of its records. */
    @FunctionalInterface
    public interface Naming {
        String key(String prefix, String first, String last, boolean error);
    }

    public void abort() {
        partitions.values().forEach(b -> b.encoder.abort());
        errors.values().forEach(b -> b.encoder.abort());
    }

    public String first() {
        return first;
    }

    public String last() {
        return last;
    }

    /** Where an earlier attempt cut this batch, or null. */
    public String forcedLast() {
        return forcedLast;
    }

    public long records() {
        return records;
    }

    /** Record data bytes buffered (as put). */
    public long bytes() {
        return bytes;
    }

    public long openedAtMs() {
        return openedAtMs;
    }

    /** Arrival time of the oldest buffered record. */
    public long oldestArrivalMs() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < records; i++) {
            min = Math.min(min, arrivals[i]);
        }
        return min;
    }

    /** Arrival times of the buffered records, in buffer order. */
    public long[] arrivals() {
        return Arrays.copyOf(arrivals, (int) records);
    }
}
