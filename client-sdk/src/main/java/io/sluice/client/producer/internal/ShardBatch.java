package io.sluice.client.producer.internal;

import io.sluice.common.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Records for one shard that travel together as one entry group of a PutRecords call (and become one Raft entry on
 * the broker).
 *
 * <p>Threads: while open, records are appended by put threads under the lock of the batch's deque in
 * {@link RecordAccumulator}; once the sender drains it, it is closed and everything else is owned by the sender thread.
 * {@link #done} may be read by any thread.
 */
public final class ShardBatch {
    private final ShardKey shard;
    private final String group;
    private final long createdMs;
    private final long deadlineMs;
    private final List<PendingRecord> records = new ArrayList<>();
    private int bytes;
    private boolean closed;
    private int attempts;
    private long retryAtMs;
    private long producerId;
    private long sequence = -1;
    private SluiceException lastError;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    ShardBatch(ShardKey shard, String group, long createdMs, long deliveryTimeoutMs) {
        this.shard = shard;
        this.group = group;
        this.createdMs = createdMs;
        this.deadlineMs = createdMs + deliveryTimeoutMs;
    }

    /** Appends unless closed or over a limit (a first record always fits, however large). */
    boolean tryAppend(PendingRecord r, int maxRecords, int maxBytes) {
        if (closed || (!records.isEmpty() && (records.size() >= maxRecords || bytes + r.sizeBytes() > maxBytes))) {
            return false;
        }
        records.add(r);
        bytes += r.sizeBytes();
        return true;
    }

    boolean isFull(int maxRecords, int maxBytes) {
        return closed || records.size() >= maxRecords || bytes >= maxBytes;
    }

    void close() {
        closed = true;
    }

    public ShardKey shard() {
        return shard;
    }

    /** The replication group that stores the shard (a shard stays in its group for life). */
    public String group() {
        return group;
    }

    public long createdMs() {
        return createdMs;
    }

    /** When the batch's records must have an outcome: creation + delivery.timeout.ms. */
    public long deadlineMs() {
        return deadlineMs;
    }

    /** The records still waiting for an outcome, in put order. */
    public List<PendingRecord> records() {
        return records;
    }

    public int size() {
        return records.size();
    }

    public int bytes() {
        return bytes;
    }

    /** Keeps only the records that still need sending (non-idempotent partial retries). */
    void retain(List<PendingRecord> keep) {
        records.clear();
        records.addAll(keep);
        bytes = keep.stream().mapToInt(PendingRecord::sizeBytes).sum();
    }

    public int attempts() {
        return attempts;
    }

    void attempted() {
        attempts++;
    }

    long retryAtMs() {
        return retryAtMs;
    }

    void retryAt(long ms, SluiceException error) {
        retryAtMs = ms;
        lastError = error;
    }

    public SluiceException lastError() {
        return lastError;
    }

    void lastError(SluiceException e) {
        lastError = e;
    }

    /** Idempotent producers: the producer id and first-record sequence, fixed at the first send; -1 before. */
    public long sequence() {
        return sequence;
    }

    public long producerId() {
        return producerId;
    }

    void assignSequence(long producerId, long sequence) {
        this.producerId = producerId;
        this.sequence = sequence;
    }

    /** Completes once every record of the batch has its outcome. */
    public CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public String toString() {
        return "ShardBatch{" + shard + ", " + records.size() + " records, " + bytes + " bytes, attempts " + attempts
                + (sequence >= 0 ? ", producer " + producerId + " seq " + sequence : "") + "}";
    }
}
