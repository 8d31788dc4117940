package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static io.sluice.broker.it.StreamsTestSupport.leaderIndex;
import static io.sluice.broker.it.StreamsTestSupport.putAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.sluice.common.GrpcErrors;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StartingPosition;
import io.sluice.proto.v1.SubscribeToShardEvent;
import io.sluice.proto.v1.SubscribeToShardRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SubscribeToShard over gRPC at the shard's leader, on one and on three brokers: every new record is pushed once, in
 * order, with continuation sequence numbers that resume without gaps or repeats, and idle subscriptions get
 * heartbeats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscribeToShardTest {
    private static final String SHARD = "shardId-000000000000";
    private static final long WAIT_SECONDS = 30;

    @TempDir
    static Path dir;

    private SharedClusters clusters;

    @AfterAll
    void stopClusters() {
        if (clusters != null) {
            clusters.close();
        }
    }

    private MiniCluster cluster(int brokers) throws InterruptedException {
        if (clusters == null) {
            clusters = new SharedClusters(dir, Clock.systemUTC(), Map.of());
        }
        return clusters.get(brokers);
    }

    /** A client-side subscription: collects events until cancelled or ended. */
    private static final class Subscription implements StreamObserver<SubscribeToShardEvent>, AutoCloseable {
        final BlockingQueue<SubscribeToShardEvent> events = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        final Context.CancellableContext context = Context.current().withCancellation();

        static Subscription start(MiniCluster c, int broker, String stream, StartingPosition from) {
            Subscription s = new Subscription();
            s.context.run(() -> c.asyncStub(broker).subscribeToShard(SubscribeToShardRequest.newBuilder()
                    .setStreamName(stream).setShardId(SHARD).setStartingPosition(from).build(), s));
            return s;
        }

        @Override
        public void onNext(SubscribeToShardEvent e) {
            events.add(e);
        }

        @Override
        public void onError(Throwable t) {
            ended.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            ended.complete(null);
        }

        SubscribeToShardEvent next() throws InterruptedException {
            SubscribeToShardEvent e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(e).as("an event within %s s (ended: %s)", WAIT_SECONDS, ended).isNotNull();
            assertThat(e.getHeartbeat()).as("heartbeat flag of %s", e).isEqualTo(e.getRecordsCount() == 0);
            return e;
        }

        /** Reads events until {@code n} records have come, checking each event's continuation number. */
        List<Record> records(int n) throws InterruptedException {
            List<Record> out = new ArrayList<>();
            while (out.size() < n) {
                SubscribeToShardEvent e = next();
                if (e.getRecordsCount() > 0) {
                    out.addAll(e.getRecordsList());
                    assertThat(e.getContinuationSequenceNumber())
                            .isEqualTo(e.getRecords(e.getRecordsCount() - 1).getSequenceNumber());
                }
            }
            assertThat(out).as("no more records than were put").hasSize(n);
            return out;
        }

        @Override
        public void close() {
            context.cancel(null);
        }
    }

    private static StartingPosition at(ShardIteratorType type, String seq) {
        return StartingPosition.newBuilder().setType(type).setSequenceNumber(seq).build();
    }

    private static List<ByteString> payloads(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> ByteString.copyFromUtf8(prefix + i)).toList();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void subscribeAtLatest_pushesEveryNewRecordInOrder_thenHeartbeatsWhenIdle(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "live", 1);
        int leader = leaderIndex(c, "live", SHARD);
        try (Subscription sub = Subscription.start(c, leader, "live", at(ShardIteratorType.LATEST, ""))) {
            // An idle subscription on an empty shard says it is alive at once, with nothing to continue from yet.
            SubscribeToShardEvent hello = sub.next();
            assertThat(hello.getHeartbeat()).isTrue();
            assertThat(hello.getContinuationSequenceNumber()).isEmpty();

            List<ByteString> data = payloads("live-", 60);
            List<String> seqs = new ArrayList<>();
            for (int i = 0; i < 10; i++) { // single puts, through every broker
                seqs.add(c.stub(i % brokers).putRecord(PutRecordRequest.newBuilder().setStreamName("live")
                        .setPartitionKey("k").setData(data.get(i)).build()).getSequenceNumber());
            }
            seqs.addAll(putAll(c.stub(0), "live", "k", data.subList(10, 60), 7));

            List<Record> got = sub.records(60);
            assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data);
            assertThat(got).extracting(Record::getSequenceNumber).containsExactlyElementsOf(seqs);
            GetRecordsTest.assertStrictlyIncreasing(got);

            // Idle now: heartbeats keep coming, each with no records, caught up, continuing after the last record.
            for (int i = 0; i < 2; i++) {
                SubscribeToShardEvent beat = sub.next();
                assertThat(beat.getHeartbeat()).isTrue();
                assertThat(beat.getRecordsList()).isEmpty();
                assertThat(beat.getMillisBehindLatest()).isZero();
                assertThat(beat.getContinuationSequenceNumber()).isEqualTo(seqs.get(59));
            }
            assertThat(sub.ended).isNotDone();
        }
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void subscribeFromTrimHorizon_deliversTheBacklogThenNewRecords(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "backlog", 1);
        List<ByteString> old = payloads("old-", 30);
        List<String> seqs = new ArrayList<>(putAll(c.stub(0), "backlog", "k", old, 10));
        int leader = leaderIndex(c, "backlog", SHARD);
        try (Subscription sub = Subscription.start(c, leader, "backlog", at(ShardIteratorType.TRIM_HORIZON, ""))) {
            List<Record> first = sub.records(30);
            assertThat(first).extracting(Record::getData).containsExactlyElementsOf(old);

            List<ByteString> fresh = payloads("new-", 5);
            seqs.addAll(putAll(c.stub(brokers - 1), "backlog", "k", fresh, 5));
            List<Record> second = sub.records(5);
            assertThat(second).extracting(Record::getData).containsExactlyElementsOf(fresh);

            List<Record> all = new ArrayList<>(first);
            all.addAll(second);
            assertThat(all).extracting(Record::getSequenceNumber).containsExactlyElementsOf(seqs);
        }
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void resumingAfterTheContinuationNumber_losesAndRepeatsNothing(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "resume", 1);
        List<ByteString> data = payloads("r-", 20);
        List<String> seqs = putAll(c.stub(0), "resume", "k", data.subList(0, 12), 4);
        int leader = leaderIndex(c, "resume", SHARD);

        String continuation;
        try (Subscription sub = Subscription.start(c, leader, "resume",
                at(ShardIteratorType.AT_SEQUENCE_NUMBER, seqs.get(5)))) {
            List<Record> got = sub.records(7);
            assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data.subList(5, 12));
            continuation = seqs.get(11);
        }
        // Records put while no one is subscribed are delivered on resumption, after exactly the last one seen.
        List<String> more = putAll(c.stub(0), "resume", "k", data.subList(12, 20), 8);
        try (Subscription sub = Subscription.start(c, leader, "resume",
                at(ShardIteratorType.AFTER_SEQUENCE_NUMBER, continuation))) {
            List<Record> got = sub.records(8);
            assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data.subList(12, 20));
            assertThat(got).extracting(Record::getSequenceNumber).containsExactlyElementsOf(more);
        }
    }

    @Test
    void subscribeAtABrokerThatDoesNotLeadTheShard_endsWithNotLeaderNamingTheLeader() throws Exception {
        MiniCluster c = cluster(3);
        createStream(c, "follower", 1);
        int leader = leaderIndex(c, "follower", SHARD);
        try (Subscription sub = Subscription.start(c, (leader + 1) % 3, "follower",
                at(ShardIteratorType.LATEST, ""))) {
            Throwable t = sub.ended.handle((v, e) -> e).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(t).isNotNull();
            assertThat(GrpcErrors.fromThrowable(t).code()).isEqualTo(ErrorCode.NOT_LEADER);
            assertThat(GrpcErrors.fromThrowable(t).detail().getLeaderAddress()).isEqualTo(c.address(leader));
            assertThat(sub.events).isEmpty();
        }
    }
}
