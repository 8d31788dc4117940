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
 * One SubscribeToShard call at the shard's (presumed) leader. Flow control is manual: events are requested only while
 * the prefetch buffer has room, so a slow processor holds the broker back instead of filling memory. How many are
 * requested ahead depends on the size of the last event: after a small one (at most {@value #SMALL_EVENT_BYTES}
 * bytes, which is what a consumer at the tip of the shard gets, one broker append at a time) up to {@value #WINDOW},
 * else one. Requesting one event at a time costs a round of thread hand-offs inside gRPC per event (to the transport
 * thread, then to the callback executor) before the next one it already holds is delivered, so on a busy machine small
 * events queued up behind those hand-offs; with a few requested ahead, the events gRPC holds are delivered in one go.
 * The prefetch buffer may thus exceed its limits by up to {@value #WINDOW} events (by more than one only when they were
 * requested after a small event, so typically by a few small ones). A call that
 * stays silent for {@value #SILENCE_MS} ms while events are requested (the broker sends heartbeats every second) is
 * cancelled and counts as failed.
 */
final class Subscription implements ShardFetcher.Source, ClientResponseObserver<SubscribeToShardRequest,
        SubscribeToShardEvent> {
    static final long SILENCE_MS = 10_000;
    static final int WINDOW = 4;
    static final int SMALL_EVENT_BYTES = 64 << 10;

    private final ShardFetcher fetcher;
    private final String address;
    private volatile ClientCallStreamObserver<SubscribeToShardRequest> call;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean cancelled;
    // Guarded by this.
    private ScheduledFuture<?> watchdog;
    private boolean ended;
    private int requested; // events requested and not yet received

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
        synchronized (this) {
            requested = 1;
        }
        requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(SubscribeToShardEvent event) {
        synchronized (this) {
            requested--;
        }
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
        } else {
            int window = event.getSerializedSize() <= SMALL_EVENT_BYTES ? WINDOW : 1;
            if (fetcher.buffer.awaitRoom(() -> requestMore(1))) {
                requestMore(window);
            }
        }
    }

    /**
     * Tops the events requested and not yet received up to {@code window}, once at most half of it is outstanding
     * (each request is a hand-off to the transport thread, so they go out in groups). Runs on gRPC threads and, after
     * a full buffer, on a processor's.
     */
    private void requestMore(int window) {
        if (cancelled || !fetcher.isCurrent(this)) {
            return;
        }
        int more;
        synchronized (this) {
            if (requested > window / 2) {
                return;
            }
            more = window - requested;
            if (requested == 0) {
                lastActivityNanos = System.nanoTime(); // silence counts from when events are wanted again
            }
            requested = window;
        }
        call.request(more);
    }

    /** Whether events are requested and not yet received. */
    private synchronized boolean waiting() {
        return requested > 0;
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
        if (waiting() && System.nanoTime() - lastActivityNanos > TimeUnit.MILLISECONDS.toNanos(SILENCE_MS)) {
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
