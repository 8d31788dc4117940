package io.sluice.client.consumer.internal;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.sluice.client.consumer.Delivery;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.proto.v1.SubscribeToShardEvent;
import io.sluice.proto.v1.SubscribeToShardRequest;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One SubscribeToShard call at the shard's (presumed) leader. Flow control is manual: one event is requested at a
 * time, and the next only while the prefetch buffer has room, so a slow processor holds the broker back instead of
 * filling memory. A call that stays silent for {@value #SILENCE_MS} ms while an event is requested (the broker sends
 * heartbeats every second) is cancelled and counts as failed.
 */
final class Subscription implements ShardFetcher.Source, ClientResponseObserver<SubscribeToShardRequest,
        SubscribeToShardEvent> {
    static final long SILENCE_MS = 10_000;

    private final ShardFetcher fetcher;
    private final String address;
    private volatile ClientCallStreamObserver<SubscribeToShardRequest> call;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean waiting;
    private volatile boolean cancelled;
    // Guarded by this.
    private ScheduledFuture<?> watchdog;
    private boolean ended;

    Subscription(ShardFetcher fetcher) {
        this.fetcher = fetcher;
        this.address = fetcher.reads.channels().readAddress(fetcher.shardId);
    }

    @Override
    public Delivery delivery() {
        return Delivery.PUSH;
    }

    @Override
    public void start() {
        SubscribeToShardRequest request = SubscribeToShardRequest.newBuilder()
                .setStreamName(fetcher.reads.stream()).setShardId(fetcher.shardId)
                .setStartingPosition(ProtoAdapter.startingPosition(fetcher.position())).build();
        try {
            StreamsGrpc.newStub(fetcher.reads.channels().channel(address)).subscribeToShard(request, this);
        } catch (SluiceException e) {
            fetcher.failed(this, e);
            return;
        }
        synchronized (this) {
            if (!ended) {
                watchdog = fetcher.reads.scheduler().scheduleWithFixedDelay(this::checkSilence, SILENCE_MS / 2,
                        SILENCE_MS / 2, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeToShardRequest> requestStream) {
        call = requestStream;
        waiting = true;
        requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(SubscribeToShardEvent event) {
        waiting = false;
        lastActivityNanos = System.nanoTime();
        fetcher.reads.channels().readSucceeded(fetcher.shardId, address);
        boolean shardEnd = event.getChildShardsCount() > 0;
        if (event.getRecordsCount() == 0 && !shardEnd) {
            fetcher.idle(this, event.getContinuationSequenceNumber(), event.getMillisBehindLatest());
        } else if (!fetcher.delivered(this, new FetchedBatch(
                ProtoAdapter.records(fetcher.shardId, event.getRecordsList()), event.getMillisBehindLatest(),
                shardEnd))) {
            cancel();
            return;
        }
        if (shardEnd) {
            cancel();
        } else if (fetcher.buffer.awaitRoom(this::requestNext)) {
            requestNext();
        }
    }

    private void requestNext() {
        if (!cancelled && fetcher.isCurrent(this)) {
            lastActivityNanos = System.nanoTime();
            waiting = true;
            call.request(1);
        }
    }

    @Override
    public void onError(Throwable t) {
        stopWatchdog();
        SluiceException e = GrpcErrors.fromThrowable(t);
        fetcher.reads.channels().readFailed(fetcher.shardId, address, e);
        fetcher.failed(this, e);
    }

    @Override
    public void onCompleted() {
        stopWatchdog();
        fetcher.failed(this, SluiceException.of(ErrorCode.UNAVAILABLE, "the broker ended the subscription"));
    }

    private void checkSilence() {
        if (waiting && System.nanoTime() - lastActivityNanos > TimeUnit.MILLISECONDS.toNanos(SILENCE_MS)) {
            ClientCallStreamObserver<SubscribeToShardRequest> c = call;
            if (c != null) {
                c.cancel("no event for " + SILENCE_MS + " ms", null); // ends with onError(CANCELLED): resubscribe
            }
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        stopWatchdog();
        ClientCallStreamObserver<SubscribeToShardRequest> c = call;
        if (c != null) {
            c.cancel("consumer stopped reading the shard", null);
        }
    }

    private synchronized void stopWatchdog() {
        ended = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
    }
}
