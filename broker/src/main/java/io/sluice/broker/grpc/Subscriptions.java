package io.sluice.broker.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.broker.stream.ReadPath;
import io.sluice.common.GrpcCalls;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.SubscribeToShardEvent;
import io.sluice.proto.v1.SubscribeToShardRequest;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SubscribeToShard: pushes records as the shard log applies them. Each subscription is a small pump: an append to
 * the shard (or the client becoming ready for more) schedules one {@link Subscription#pump()} on a shared executor,
 * which sends what is available while gRPC flow control allows; a heartbeat goes out after each idle second.
 */
public final class Subscriptions {
    private static final int MAX_RECORDS_PER_EVENT = 1000;
    private static final long MAX_BYTES_PER_EVENT = 4 << 20;
    private static final long HEARTBEAT_MS = 1000;

    private final ReadPath reads;
    private final ScheduledExecutorService executor;

    public Subscriptions(ReadPath reads, ScheduledExecutorService executor) {
        this.reads = reads;
        this.executor = executor;
    }

    /** The shared executor that runs pumps, heartbeats and long-poll answers. */
    ScheduledExecutorService executor() {
        return executor;
    }

    /** Starts pushing once the shard is found; a failure to find or position it ends the call with the error. */
    public void subscribe(SubscribeToShardRequest request, ServerCallStreamObserver<SubscribeToShardEvent> out) {
        // gRPC takes the call's handlers only while this method runs; the shard may be found later (read barrier).
        Subscription subscription = new Subscription(out);
        reads.localShard(request.getStreamName(), request.getShardId()).thenAccept(shard -> {
            long start = reads.startPosition(shard, request.getStartingPosition(), "starting_position.");
            subscription.begin(shard, start);
        }).whenComplete((v, error) -> {
            if (error != null) {
                out.onError(GrpcCalls.toStatus(error));
            }
        });
    }

    private final class Subscription {
        private volatile ReadPath.LocalShard shard; // set once, by begin
        private final ServerCallStreamObserver<SubscribeToShardEvent> out;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final Runnable onAppend = this::schedule;
        // Owned by the pump (one pump runs at a time, guarded by `scheduled`).
        private long position;
        private long lastSentMs;
        private volatile boolean done;
        private volatile ScheduledFuture<?> heartbeat;

        Subscription(ServerCallStreamObserver<SubscribeToShardEvent> out) {
            this.out = out;
            out.setOnCancelHandler(this::stop);
            out.setOnReadyHandler(this::schedule);
        }

        /** Starts pushing from {@code start}; a call cancelled meanwhile stays stopped. */
        void begin(ReadPath.LocalShard found, long start) {
            if (done) {
                return;
            }
            this.position = start;
            this.shard = found;
            found.log().addAppendListener(onAppend);
            heartbeat = executor.scheduleAtFixedRate(this::schedule, HEARTBEAT_MS, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
            if (done) {
                stop(); // cancelled while starting
                return;
            }
            schedule();
        }

        void schedule() {
            if (!done && shard != null && scheduled.compareAndSet(false, true)) {
                executor.execute(this::pump);
            }
        }

        void pump() {
            try {
                while (!done && out.isReady()) {
                    List<StoredRecord> records = shard.log().read(position, MAX_RECORDS_PER_EVENT, MAX_BYTES_PER_EVENT);
                    long now = System.currentTimeMillis();
                    if (records.isEmpty()) {
                        if (now - lastSentMs >= HEARTBEAT_MS) {
                            send(SubscribeToShardEvent.newBuilder().setHeartbeat(true), List.of(), now);
                        }
                        break;
                    }
                    SubscribeToShardEvent.Builder event = SubscribeToShardEvent.newBuilder();
                    for (StoredRecord r : records) {
                        event.addRecords(ReadPath.toProto(shard.stream().getStreamId(), r));
                    }
                    position = records.get(records.size() - 1).position() + 1;
                    send(event, records, now);
                }
            } catch (RuntimeException e) {
                fail(e);
            } finally {
                scheduled.set(false);
            }
            if (!done && out.isReady() && position < shard.log().nextPosition()) {
                schedule();
            }
        }

        private void send(SubscribeToShardEvent.Builder event, List<StoredRecord> records, long now) {
            if (position > 0) {
                event.setContinuationSequenceNumber(
                        new SequenceNumber(shard.stream().getStreamId(), position - 1).toString());
            }
            event.setMillisBehindLatest(ReadPath.millisBehind(shard.log(), records, position));
            out.onNext(event.build());
            lastSentMs = now;
        }

        private void fail(RuntimeException e) {
            stop();
            SluiceException se = e instanceof SluiceException x ? x
                    : GrpcErrors.fromThrowable(e);
            try {
                out.onError(GrpcErrors.toStatus(se));
            } catch (RuntimeException ignored) {
                // the call is already closed
            }
        }

        void stop() {
            done = true;
            ReadPath.LocalShard s = shard;
            if (s != null) {
                s.log().removeAppendListener(onAppend);
            }
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
        }
    }
}
