package io.sluice.client.producer.internal;

import io.sluice.client.producer.PutResult;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ErrorDetail;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Decides what becomes of a sent batch from the broker's answer: acknowledge records, retry (the whole batch, or the
 * failed records of a non-idempotent one) after a backoff, or fail them; and notices stale metadata on the way.
 *
 * <p>Every record's outcome is decided here exactly once: its buffer bytes are released, then its future completed.
 *
 * <p>Threads: owned by the sender thread (and by the closing thread once the sender stopped).
 */
public final class BatchOutcomes {
    private final RecordAccumulator accumulator;
    private final BufferMemory buffer;
    private final MetadataCache metadata;
    private final ProducerSequences sequences; // null unless idempotent
    private final MetricsRecorder metrics;
    private final Backoff backoff;
    private final long deliveryTimeoutMs;
    private final Time time;
    private volatile SluiceException lastSendError;

    public BatchOutcomes(RecordAccumulator accumulator, BufferMemory buffer, MetadataCache metadata,
                         ProducerSequences sequences, MetricsRecorder metrics, Backoff backoff, long deliveryTimeoutMs,
                         Time time) {
        this.accumulator = accumulator;
        this.buffer = buffer;
        this.metadata = metadata;
        this.sequences = sequences;
        this.metrics = metrics;
        this.backoff = backoff;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.time = time;
    }

    public SluiceException lastSendError() {
        return lastSendError;
    }

    /** The broker answered the call; {@code entries} are this batch's results, in record order. */
    void answered(ShardBatch b, List<PutRecordsResultEntry> entries, long now) {
        if (sequences != null) {
            answeredIdempotent(b, entries, now);
            return;
        }
        List<PendingRecord> retry = new ArrayList<>();
        SluiceException retryError = null;
        boolean checked = false;
        for (int i = 0; i < entries.size(); i++) {
            PendingRecord r = b.records().get(i);
            PutRecordsResultEntry e = entries.get(i);
            if (e.getErrorCode() == ErrorCode.ERROR_CODE_UNSPECIFIED) {
                SequenceNumber seq = SequenceNumber.parse(e.getSequenceNumber(), "sequence_number");
                if (!checked) {
                    checkMap(b, e.getShardId(), seq);
                    checked = true;
                }
                succeed(r, new PutResult(e.getShardId(), seq));
                continue;
            }
            SluiceException err = entryError(e);
            noticeError(b.shard().stream(), err);
            if (e.getRetriable()) {
                retry.add(r);
                retryError = err;
            } else {
                fail(r, err);
            }
        }
        if (retry.isEmpty()) {
            accumulator.completed(b);
        } else {
            b.retain(retry);
            retry(b, retryError, now);
        }
    }

    /**
     * An idempotent batch is one entry on the broker, so its records share one outcome; it is retried whole, with the
     * same sequence, or not at all.
     */
    private void answeredIdempotent(ShardBatch b, List<PutRecordsResultEntry> entries, long now) {
        SluiceException firstError = null;
        boolean anyStored = false;
        for (PutRecordsResultEntry e : entries) {
            if (e.getErrorCode() == ErrorCode.ERROR_CODE_UNSPECIFIED) {
                anyStored = true;
            } else if (firstError == null) {
                firstError = entryError(e);
            }
        }
        if (firstError == null) {
            checkMap(b, entries.get(0).getShardId(), SequenceNumber.parse(entries.get(0).getSequenceNumber(),
                    "sequence_number"));
            for (int i = 0; i < entries.size(); i++) {
                PutRecordsResultEntry e = entries.get(i);
                succeed(b.records().get(i), new PutResult(e.getShardId(),
                        SequenceNumber.parse(e.getSequenceNumber(), "sequence_number")));
            }
            accumulator.completed(b);
            return;
        }
        noticeError(b.shard().stream(), firstError);
        if (!anyStored && firstError.code() == ErrorCode.DUPLICATE_SEQUENCE) {
            // Stored once before, too long ago for the broker to say where: a success without sequence numbers.
            for (PendingRecord r : b.records()) {
                succeed(r, new PutResult(b.shard().shardId(), null));
            }
            accumulator.completed(b);
            return;
        }
        if (!anyStored && firstError.retriable()) {
            retry(b, firstError, now);
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            PutRecordsResultEntry e = entries.get(i);
            if (e.getErrorCode() == ErrorCode.ERROR_CODE_UNSPECIFIED) {
                succeed(b.records().get(i), new PutResult(e.getShardId(),
                        SequenceNumber.parse(e.getSequenceNumber(), "sequence_number")));
            } else {
                fail(b.records().get(i), entryError(e));
            }
        }
        sequences.abandoned(b);
        accumulator.completed(b);
    }

    /** The whole call failed (transport, deadline, or a request-level error): every batch shares the outcome. */
    void callFailed(String stream, List<ShardBatch> batches, SluiceException e, long now) {
        noticeError(stream, e);
        if (e.code() == ErrorCode.INVALID_ARGUMENT && e.detail().getField().startsWith("producer_sequences")) {
            metadata.refreshStream(stream); // the broker routed a record to a shard this producer did not expect
        }
        for (ShardBatch b : batches) {
            if (e.retriable()) {
                retry(b, e, now);
            } else {
                failBatch(b, e);
            }
        }
    }

    /** The batch's delivery deadline passed while it waited in the accumulator. */
    void expired(ShardBatch b) {
        failBatch(b, timedOut(b, b.lastError()));
    }

    /** The producer is closing (or its I/O thread failed) before the batch had an outcome. */
    void aborted(ShardBatch b, RuntimeException reason) {
        for (PendingRecord r : b.records()) {
            fail(r, reason);
        }
        if (sequences != null) {
            sequences.abandoned(b);
        }
        accumulator.completed(b);
    }

    private void retry(ShardBatch b, SluiceException error, long now) {
        long delay = backoff.delayMs(b.attempts());
        if (now + delay >= b.deadlineMs()) {
            failBatch(b, timedOut(b, error));
            return;
        }
        b.retryAt(now + delay, error);
        accumulator.reenqueue(b);
    }

    private void failBatch(ShardBatch b, SluiceException e) {
        for (PendingRecord r : b.records()) {
            fail(r, e);
        }
        if (sequences != null) {
            sequences.abandoned(b);
        }
        accumulator.completed(b);
    }

    private SluiceException timedOut(ShardBatch b, SluiceException last) {
        String what = "delivery.timeout.ms (" + deliveryTimeoutMs + " ms) ran out for " + b.size() + " record(s) to "
                + b.shard() + " after " + b.attempts() + " attempt(s)";
        if (last == null) {
            return SluiceException.of(ErrorCode.UNAVAILABLE, what + " before they could be sent (every call slot "
                    + "to the brokers was busy: max.in.flight.requests.per.broker)");
        }
        ErrorDetail d = last.detail().toBuilder().setMessage(what + "; last error: " + last.getMessage()).build();
        return new SluiceException(d, last);
    }

    private void checkMap(ShardBatch b, String answeredShard, SequenceNumber seq) {
        ShardMap m = metadata.cachedShardMap(b.shard().stream());
        if (!answeredShard.equals(b.shard().shardId()) || (m != null && m.streamId() >= 0
                && m.streamId() != seq.streamId())) {
            metadata.refreshStream(b.shard().stream()); // resharded or recreated under the same name
        }
    }

    private void noticeError(String stream, SluiceException e) {
        lastSendError = e;
        if (e.code() == ErrorCode.RESOURCE_NOT_FOUND) {
            metadata.forgetStream(stream);
        } else if (e.code() == ErrorCode.NOT_LEADER || e.code() == ErrorCode.UNAVAILABLE) {
            metadata.maybeRefreshCluster();
        }
    }

    private void succeed(PendingRecord r, PutResult result) {
        buffer.release(r.sizeBytes());
        metrics.recordSent(time.nanoTime() - r.putNanos());
        r.future().complete(result);
    }

    private void fail(PendingRecord r, RuntimeException e) {
        buffer.release(r.sizeBytes());
        metrics.recordFailed();
        r.future().completeExceptionally(e);
    }

    private static SluiceException entryError(PutRecordsResultEntry e) {
        return new SluiceException(ErrorDetail.newBuilder().setCode(e.getErrorCode())
                .setMessage(e.getErrorMessage()).setRetriable(e.getRetriable()).build());
    }

    static SluiceException asSluice(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return GrpcErrors.fromThrowable(c);
    }
}
