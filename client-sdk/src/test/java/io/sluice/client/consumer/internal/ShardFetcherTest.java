package io.sluice.client.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GetShardIteratorResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.proto.v1.SubscribeToShardEvent;
import io.sluice.proto.v1.SubscribeToShardRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A shard fetcher against fake Streams services on loopback: redirects, push falling back to polling, gaps. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShardFetcherTest {
    private static final String SHARD = "shardId-000000000000";
    private static final int RECORDS = 50;

    private final TestClock clock = new TestClock();
    private final List<Server> servers = new ArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private BrokerChannels channels;

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        if (channels != null) {
            channels.close();
        }
        servers.forEach(Server::shutdownNow);
    }

    /**
     * A shard of {@value #RECORDS} records. Iterators are "position"; subscriptions fail with {@code subscribeError}
     * while it is set, else push every record from the start in events of 7 and then stay open.
     */
    private static final class FakeShard extends StreamsGrpc.StreamsImplBase {
        volatile SluiceException readError;
        /** GetRecords calls that fail with UNAVAILABLE before the shard reads normally again. */
        final AtomicInteger getRecordsFailures = new AtomicInteger();
        final List<GetShardIteratorRequest> iteratorRequests = new CopyOnWriteArrayList<>();
        volatile SluiceException subscribeError;
        /** The first subscription fails with UNAVAILABLE after this many events (a leader stepping down). */
        volatile int firstSubscriptionEvents = Integer.MAX_VALUE;
        final AtomicInteger subscribeCalls = new AtomicInteger();
        /** Bytes added to each pushed record's data (to make large events). */
        volatile int pushPadding;
        final AtomicInteger getRecordsCalls = new AtomicInteger();

        static Record record(long position) {
            return record(position, 0);
        }

        static Record record(long position, int padding) {
            return Record.newBuilder().setSequenceNumber(new SequenceNumber(1, position).toString())
                    .setPartitionKey("k").setData(ByteString.copyFromUtf8("r" + position)
                            .concat(ByteString.copyFrom(new byte[padding]))).build();
        }

        static long after(String sequenceNumber) {
            return SequenceNumber.parse(sequenceNumber, "s").position() + 1;
        }

        @Override
        public void getShardIterator(GetShardIteratorRequest r, StreamObserver<GetShardIteratorResponse> out) {
            if (readError != null) {
                out.onError(GrpcErrors.toStatus(readError));
                return;
            }
            iteratorRequests.add(r);
            long from = switch (r.getShardIteratorType()) {
                case TRIM_HORIZON, AT_TIMESTAMP -> 0; // every record "arrived" at time 0
                case LATEST -> RECORDS;
                case AFTER_SEQUENCE_NUMBER -> after(r.getStartingSequenceNumber());
                default -> throw new IllegalArgumentException(r.getShardIteratorType().name());
            };
            out.onNext(GetShardIteratorResponse.newBuilder().setShardIterator(Long.toString(from)).build());
            out.onCompleted();
        }

        @Override
        public void getRecords(GetRecordsRequest r, StreamObserver<GetRecordsResponse> out) {
            getRecordsCalls.incrementAndGet();
            if (getRecordsFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                out.onError(GrpcErrors.toStatus(SluiceException.of(ErrorCode.UNAVAILABLE, "leader stepped down")));
                return;
            }
            long from = Long.parseLong(r.getShardIterator());
            GetRecordsResponse.Builder b = GetRecordsResponse.newBuilder();
            long to = Math.min(RECORDS, from + Math.min(r.getLimit(), 10));
            for (long p = from; p < to; p++) {
                b.addRecords(record(p));
            }
            out.onNext(b.setNextShardIterator(Long.toString(to)).build());
            out.onCompleted();
        }

        @Override
        public void subscribeToShard(SubscribeToShardRequest r, StreamObserver<SubscribeToShardEvent> out) {
            int call = subscribeCalls.incrementAndGet();
            SluiceException error = subscribeError != null ? subscribeError : readError;
            if (error != null) {
                out.onError(GrpcErrors.toStatus(error));
                return;
            }
            long from = r.getStartingPosition().getSequenceNumber().isEmpty() ? 0
                    : after(r.getStartingPosition().getSequenceNumber());
            int events = 0;
            for (long p = from; p < RECORDS; p += 7) {
                if (call == 1 && events++ == firstSubscriptionEvents) {
                    out.onError(GrpcErrors.toStatus(SluiceException.of(ErrorCode.UNAVAILABLE, "stepped down")));
                    return;
                }
                SubscribeToShardEvent.Builder e = SubscribeToShardEvent.newBuilder();
                for (long q = p; q < Math.min(RECORDS, p + 7); q++) {
                    e.addRecords(record(q, pushPadding));
                }
                out.onNext(e.setContinuationSequenceNumber(e.getRecords(e.getRecordsCount() - 1)
                        .getSequenceNumber()).build());
            }
        }
    }

    private String serve(FakeShard shard) throws IOException {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(shard).build()
                .start();
        servers.add(s);
        return "127.0.0.1:" + s.getPort();
    }

    private ShardFetcher fetcher(List<String> endpoints, Delivery delivery, PrefetchBuffer buffer,
                                 ClientInterceptor... interceptors) {
        channels = new BrokerChannels(endpoints, 0, interceptors);
        return new ShardFetcher(new ShardFetcher.Reads(channels, "s", scheduler, 10, Duration.ofMillis(20), Duration.ZERO, clock),
                SHARD, buffer, delivery);
    }

    /** Waits of up to 30 s, checking every 5 ms on the test's thread (which plays the shard's processor). */
    private static ConditionFactory within30s() {
        return await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .pollInSameThread();
    }

    /** Polls the buffer, as the shard's processor does, until {@code count} records came; returns them in order. */
    private static List<ConsumerRecord> poll(PrefetchBuffer buffer, int count) {
        List<ConsumerRecord> got = new ArrayList<>();
        within30s().untilAsserted(() -> {
            for (FetchedBatch b; (b = buffer.poll()) != null; ) {
                got.addAll(b.records());
            }
            assertThat(got.size()).as("records arrived").isGreaterThanOrEqualTo(count);
        });
        return got;
    }

    /** Polls the buffer until {@code count} records came, checking they are positions 0.. in order. */
    private static List<ConsumerRecord> drain(PrefetchBuffer buffer, int count) {
        List<ConsumerRecord> got = poll(buffer, count);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).sequenceNumber()).isEqualTo(new SequenceNumber(1, i).toString());
        }
        return got;
    }

    @Test
    void notLeader_isFollowedToTheBrokerItNames_andRemembered() throws Exception {
        FakeShard leader = new FakeShard();
        String leaderAddress = serve(leader);
        FakeShard follower = new FakeShard();
        follower.readError = SluiceException.notLeader("group-1", "n2", leaderAddress);
        String followerAddress = serve(follower);
        for (Delivery d : Delivery.values()) {
            PrefetchBuffer buffer = new PrefetchBuffer(1_000, 1 << 20, () -> { });
            ShardFetcher f = fetcher(List.of(followerAddress), d, buffer);
            f.start(StartPosition.trimHorizon());
            drain(buffer, RECORDS);
            assertThat(channels.readAddress(SHARD)).as("%s", d).isEqualTo(leaderAddress);
            assertThat(f.currentDelivery()).isEqualTo(d);
            f.stop();
            channels.close();
        }
    }

    @Test
    void pushThatKeepsFailing_fallsBackToPolling_withoutGapsOrRepeats() throws Exception {
        FakeShard shard = new FakeShard();
        shard.subscribeError = SluiceException.of(ErrorCode.UNAVAILABLE, "subscriptions are broken here");
        PrefetchBuffer buffer = new PrefetchBuffer(1_000, 1 << 20, () -> { });
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.PUSH, buffer);
        f.start(StartPosition.trimHorizon());
        drain(buffer, RECORDS);
        assertThat(shard.subscribeCalls.get()).isEqualTo(ShardFetcher.PUSH_FAILURES_BEFORE_POLLING);
        assertThat(shard.getRecordsCalls.get()).isPositive();
        assertThat(f.currentDelivery()).isEqualTo(Delivery.POLLING);
    }

    @Test
    void aSubscriptionThatEnds_isResumedAfterTheLastRecordBuffered() throws Exception {
        FakeShard shard = new FakeShard();
        shard.firstSubscriptionEvents = 2;
        PrefetchBuffer buffer = new PrefetchBuffer(1_000, 1 << 20, () -> { });
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.PUSH, buffer);
        f.start(StartPosition.afterSequenceNumber(new SequenceNumber(1, 19).toString()));
        List<ConsumerRecord> got = poll(buffer, RECORDS - 20);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).sequenceNumber()).as("record %d", i)
                    .isEqualTo(new SequenceNumber(1, 20 + i).toString());
        }
        assertThat(shard.subscribeCalls.get()).as("resubscribed once").isEqualTo(2);
        assertThat(f.currentDelivery()).isEqualTo(Delivery.PUSH);
    }

    @Test
    void aReadThatFailsBeforeAnythingArrived_atLatest_resumesAtTheTimeReadingBegan() throws Exception {
        FakeShard shard = new FakeShard();
        shard.getRecordsFailures.set(1);
        PrefetchBuffer buffer = new PrefetchBuffer(1_000, 1 << 20, () -> { });
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.POLLING, buffer);
        long startedMs = clock.millis();
        f.start(StartPosition.latest());
        clock.advance(Duration.ofSeconds(5));
        // In the fake, every record arrived at time 0 <= startedMs: resuming AT_TIMESTAMP reads them all, where a
        // new LATEST would have read none.
        drain(buffer, RECORDS);
        assertThat(shard.iteratorRequests).hasSize(2);
        assertThat(shard.iteratorRequests.get(0).getShardIteratorType()).isEqualTo(ShardIteratorType.LATEST);
        assertThat(shard.iteratorRequests.get(1).getShardIteratorType()).isEqualTo(ShardIteratorType.AT_TIMESTAMP);
        assertThat(shard.iteratorRequests.get(1).getTimestamp()).isEqualTo(startedMs);
    }

    @Test
    void aFullBuffer_stopsPolling_untilTheConsumerMakesRoom() throws Exception {
        FakeShard shard = new FakeShard();
        PrefetchBuffer buffer = new PrefetchBuffer(25, 1 << 20, () -> { });
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.POLLING, buffer);
        f.start(StartPosition.trimHorizon());
        within30s().alias("the poller parks on a full buffer").until(buffer::fetcherWaiting);
        // Parked: the limit (25) was reached, with at most one call's worth (10) over it.
        assertThat(buffer.records()).isBetween(25, 25 + 10);
        assertThat(shard.getRecordsCalls.get()).isEqualTo((buffer.records() + 9) / 10);
        drain(buffer, RECORDS);
    }

    /**
     * Watches SubscribeToShard calls from the client's side: how many events the subscription asked for, and how many
     * it has handled (its onNext returned). When the two are equal nothing asked for is on its way or being handled,
     * and it stays so until something asks for more: the moment after which no more events can land.
     */
    private static final class DemandWatch implements ClientInterceptor {
        final AtomicInteger requested = new AtomicInteger();
        final AtomicInteger handled = new AtomicInteger();

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            ClientCall<Q, A> call = next.newCall(method, options);
            if (!method.getFullMethodName().equals(StreamsGrpc.getSubscribeToShardMethod().getFullMethodName())) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void request(int n) {
                    requested.addAndGet(n); // counted before an event it asks for can be handled
                    super.request(n);
                }

                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(A message) {
                            super.onMessage(message);
                            handled.incrementAndGet();
                        }
                    }, headers);
                }
            };
        }

        /** Every event asked for was handled (read in this order, equality means it was so when handled was read). */
        boolean settled() {
            int h = handled.get();
            return h == requested.get();
        }
    }

    /**
     * Waits until the fetcher is parked on the full buffer and the subscription has handled every event it asked for:
     * the events requested ahead keep landing after the buffer is full, and once the last of them has been handled
     * without asking for more, nothing else can arrive until the consumer makes room.
     */
    private static void awaitParkedAndSettled(PrefetchBuffer buffer, DemandWatch watch) {
        within30s().alias("the fetcher parks on a full buffer with every event it asked for handled")
                .until(() -> buffer.fetcherWaiting() && watch.settled());
    }

    @Test
    void push_smallEvents_areRequestedAFewAhead_andAFullBufferStopsTheRequests() throws Exception {
        FakeShard shard = new FakeShard(); // events of 7 small records
        PrefetchBuffer buffer = new PrefetchBuffer(8, 1 << 20, () -> { });
        DemandWatch watch = new DemandWatch();
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.PUSH, buffer, watch);
        f.start(StartPosition.trimHorizon());
        awaitParkedAndSettled(buffer, watch);
        // The first event (7 < 8: room) asked for WINDOW more, which all came although the second filled the buffer;
        // then nothing more was requested, so not all 50 records are here. One at a time would have stopped at 14.
        assertThat(watch.requested).as("events asked for").hasValue(1 + Subscription.WINDOW);
        assertThat(buffer.records()).isEqualTo(7 + Subscription.WINDOW * 7).isLessThan(RECORDS);
        drain(buffer, RECORDS);
        assertThat(shard.subscribeCalls.get()).isEqualTo(1);
    }

    @Test
    void push_largeEvents_areRequestedOneAtATime() throws Exception {
        FakeShard shard = new FakeShard();
        shard.pushPadding = Subscription.SMALL_EVENT_BYTES / 7 + 1; // every event over the small size
        PrefetchBuffer buffer = new PrefetchBuffer(8, 1 << 30, () -> { });
        DemandWatch watch = new DemandWatch();
        ShardFetcher f = fetcher(List.of(serve(shard)), Delivery.PUSH, buffer, watch);
        f.start(StartPosition.trimHorizon());
        awaitParkedAndSettled(buffer, watch);
        // The first event left room, so one more was asked for; it filled the buffer and nothing else was requested.
        assertThat(watch.requested).as("events asked for").hasValue(2);
        assertThat(buffer.records()).isEqualTo(14);
        drain(buffer, RECORDS);
        assertThat(shard.subscribeCalls.get()).isEqualTo(1);
    }
}
