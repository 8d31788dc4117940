package io.sluice.bench.load;

import io.grpc.stub.StreamObserver;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends a batch as one asynchronous PutRecords call to the broker the {@link ShardRouter} names, and accounts for its
 * outcome in {@link LoadStats}: every entry of the response is an acknowledged record or a failed one (per-record
 * errors are counted by code, never hidden), and a failed call fails all its records. Nothing is retried.
 *
 * <p>Latency of an acknowledged record runs to the moment the response arrives, from the record's intended send time
 * at a fixed rate (coordinated-omission free) or from the moment the call was started at max rate.
 *
 * <p>Thread-safe; callbacks run on gRPC's network threads and do no blocking work.
 */
final class PutRecordsSender implements Producer.BatchSender {
    private final String stream;
    private final ShardRouter router;
    private final Channels channels;
    private final LoadStats stats;
    private final long timeoutNanos;
    private final boolean fromIntended;
    private final int dataBytesPerRecord;
    private final Runnable refreshLeaders;

    /**
     * @param fromIntended    measure latency from each record's intended send time (fixed rate)
     * @param refreshLeaders  asks the metadata refresher to read the leaders again soon (after UNAVAILABLE etc.)
     */
    PutRecordsSender(String stream, ShardRouter router, Channels channels, LoadStats stats, Duration timeout,
                     boolean fromIntended, int dataBytesPerRecord, Runnable refreshLeaders) {
        this.stream = stream;
        this.router = router;
        this.channels = channels;
        this.stats = stats;
        this.timeoutNanos = timeout.toNanos();
        this.fromIntended = fromIntended;
        this.dataBytesPerRecord = dataBytesPerRecord;
        this.refreshLeaders = refreshLeaders;
    }

    @Override
    public void send(Batch batch, Runnable done) {
        String address = router.addressFor(batch.shard());
        AtomicBoolean finished = new AtomicBoolean();
        stats.recordSent(batch.count());
        batch.markSent(System.nanoTime());
        channels.stub(address).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
                .putRecords(batch.toRequest(stream), new StreamObserver<>() {
                    @Override
                    public void onNext(PutRecordsResponse response) {
                        long ackNanos = System.nanoTime();
                        onResponse(batch, response, ackNanos);
                    }

                    @Override
                    public void onError(Throwable t) {
                        onCallFailed(batch, address, t);
                        if (finished.compareAndSet(false, true)) {
                            done.run();
                        }
                    }

                    @Override
                    public void onCompleted() {
                        if (finished.compareAndSet(false, true)) {
                            done.run();
                        }
                    }
                });
    }

    void onResponse(Batch batch, PutRecordsResponse response, long ackNanos) {
        int n = batch.count();
        int acked = 0;
        boolean sawRetriable = false;
        for (int i = 0; i < n; i++) {
            if (i >= response.getRecordsCount()) {
                stats.recordFailed("MISSING_RESULT", n - i, "the response has " + response.getRecordsCount()
                        + " results for " + n + " records");
                break;
            }
            PutRecordsResultEntry r = response.getRecords(i);
            if (r.getErrorCode() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                stats.recordFailed(r.getErrorCode().name(), 1, r.getErrorMessage());
                sawRetriable |= r.getRetriable();
                continue;
            }
            acked++;
            if (fromIntended) {
                stats.recordLatency(ackNanos - batch.intendedNanos(i), 1);
            }
        }
        if (!fromIntended && acked > 0) {
            stats.recordLatency(ackNanos - batch.sentNanos(), acked);
        }
        stats.recordAcked(acked, (long) acked * dataBytesPerRecord);
        if (sawRetriable) {
            refreshLeaders.run();
        }
    }

    void onCallFailed(Batch batch, String address, Throwable t) {
        SluiceException e = GrpcErrors.fromThrowable(t);
        stats.recordFailedRequest();
        Throwable cause = io.grpc.Status.fromThrowable(t).getCause(); // e.g. the IOException of a transport failure
        stats.recordFailed(e.code().name(), batch.count(), e.reason() + (cause == null ? "" : " (" + cause + ")")
                + " from " + address);
        if (e.code() == ErrorCode.NOT_LEADER) {
            router.onNotLeader(batch.shard(), e.detail().getLeaderAddress());
        }
        if (e.retriable()) {
            refreshLeaders.run();
        }
    }
}
