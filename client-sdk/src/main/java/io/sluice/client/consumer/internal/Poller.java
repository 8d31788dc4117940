package io.sluice.client.consumer.internal;

import io.grpc.stub.StreamObserver;
import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.GrpcErrors;
import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GetShardIteratorResponse;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * GetRecords in a loop with one call outstanding: the next call goes out at once after records (while the prefetch
 * buffer has room), or after the poll interval when a call returned nothing. The iterator comes from
 * GetShardIterator at the fetcher's position; an expired or foreign iterator, or a NOT_LEADER answer, ends this
 * poller and the fetcher starts a new one at the position reached, at the leader.
 */
final class Poller implements ShardFetcher.Source {
    private static final long CALL_TIMEOUT_MS = 30_000;

    private final ShardFetcher fetcher;
    private final String address;
    // Owned by the poller's one outstanding step (calls are chained, never concurrent).
    private String iterator;
    private volatile boolean cancelled;

    Poller(ShardFetcher fetcher) {
        this.fetcher = fetcher;
        this.address = fetcher.reads.channels().readAddress(fetcher.shardId);
    }

    @Override
    public Delivery delivery() {
        return Delivery.POLLING;
    }

    @Override
    public void start() {
        StartPosition from = fetcher.position();
        GetShardIteratorRequest.Builder req = GetShardIteratorRequest.newBuilder()
                .setStreamName(fetcher.reads.stream()).setShardId(fetcher.shardId)
                .setShardIteratorType(ProtoAdapter.iteratorType(from));
        if (from.sequenceNumber() != null) {
            req.setStartingSequenceNumber(from.sequenceNumber());
        }
        if (from.timestamp() != null) {
            req.setTimestamp(from.timestamp().toEpochMilli());
        }
        call(() -> stub().getShardIterator(req.build(), new Reply<>() {
            @Override
            void ok(GetShardIteratorResponse r) {
                iterator = r.getShardIterator();
                poll();
            }
        }));
    }

    private void poll() {
        if (cancelled || !fetcher.isCurrent(this)) {
            return;
        }
        if (fetcher.pushDue()) {
            fetcher.handBack(this);
            return;
        }
        long maxWaitMs = fetcher.reads.pollMaxWait().toMillis();
        long sentNanos = System.nanoTime();
        call(() -> stub().getRecords(GetRecordsRequest.newBuilder().setShardIterator(iterator)
                .setLimit(fetcher.reads.pollLimit()).setMaxWaitMs((int) maxWaitMs).build(), new Reply<>() {
            @Override
            void ok(GetRecordsResponse r) {
                handleRecords(r, maxWaitMs > 0 && !Limits.answeredEarly(maxWaitMs, System.nanoTime() - sentNanos));
            }
        }));
    }

    /**
     * @param waited whether an empty answer came after the broker held the call (long polling): then the next call
     *               goes at once; otherwise (no long polling, or a broker that answered early) after the poll interval
     */
    private void handleRecords(GetRecordsResponse r, boolean waited) {
        fetcher.reads.channels().readSucceeded(fetcher.shardId, address);
        boolean shardEnd = r.getNextShardIterator().isEmpty();
        if (r.getRecordsCount() == 0 && !shardEnd) {
            fetcher.idle(this, "", r.getMillisBehindLatest());
            iterator = r.getNextShardIterator();
            later(waited ? 0 : fetcher.reads.pollInterval().toMillis());
            return;
        }
        if (!fetcher.delivered(this, new FetchedBatch(ProtoAdapter.records(fetcher.shardId, r.getRecordsList()),
                r.getMillisBehindLatest(), shardEnd)) || shardEnd) {
            return;
        }
        iterator = r.getNextShardIterator();
        if (fetcher.buffer.awaitRoom(() -> later(0))) {
            later(0);
        }
    }

    private void later(long delayMs) {
        try {
            fetcher.reads.scheduler().schedule(this::poll, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            cancelled = true; // the consumer is shutting down
        }
    }

    private void call(Runnable rpc) {
        try {
            rpc.run();
        } catch (SluiceException e) { // no channel: the consumer is shutting down
            fetcher.failed(this, e);
        }
    }

    private StreamsGrpc.StreamsStub stub() {
        return StreamsGrpc.newStub(fetcher.reads.channels().channel(address))
                .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    /** A unary reply: success goes to {@link #ok}; any failure ends the poller through the fetcher. */
    private abstract class Reply<T> implements StreamObserver<T> {
        abstract void ok(T response);

        @Override
        public void onNext(T value) {
            if (!cancelled) {
                try {
                    ok(value);
                } catch (SluiceException e) {
                    fail(e);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            fail(GrpcErrors.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
        }

        private void fail(SluiceException e) {
            if (cancelled) {
                return;
            }
            fetcher.reads.channels().readFailed(fetcher.shardId, address, e);
            fetcher.failed(Poller.this, e);
        }
    }
}
