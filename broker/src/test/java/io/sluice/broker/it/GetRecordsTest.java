package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.assertInvalidArgument;
import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static io.sluice.broker.it.StreamsTestSupport.leaderStub;
import static io.sluice.broker.it.StreamsTestSupport.putAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GetRecords over gRPC on one and on three brokers: the record cap (default and explicit), the byte cap (the 10 MiB
 * default and a configured one), paging that returns every record exactly once in order, continuing iterators and
 * MillisBehindLatest (driven by a {@link MutableClock}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GetRecordsTest {
    private static final String SHARD = "shardId-000000000000";
    private static final long TEN_MIB = 10L << 20;

    @TempDir
    static Path dir;

    private static final int SMALL_CAP_BYTES = 100_000;

    private final MutableClock clock = new MutableClock(Instant.now());
    private SharedClusters clusters;
    private SharedClusters smallCapClusters;

    @AfterAll
    void stopClusters() {
        for (SharedClusters c : Arrays.asList(clusters, smallCapClusters)) {
            if (c != null) {
                c.close();
            }
        }
    }

    private MiniCluster cluster(int brokers) throws InterruptedException {
        if (clusters == null) {
            clusters = new SharedClusters(dir.resolve("default"), clock, Map.of());
        }
        return clusters.get(brokers);
    }

    /** Brokers configured with a GetRecords byte cap of {@value #SMALL_CAP_BYTES} bytes. */
    private MiniCluster smallCapCluster(int brokers) throws InterruptedException {
        if (smallCapClusters == null) {
            smallCapClusters = new SharedClusters(dir.resolve("small-cap"), clock,
                    Map.of("limits.get.records.max.bytes", Integer.toString(SMALL_CAP_BYTES)));
        }
        return smallCapClusters.get(brokers);
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_withLimitZero_returnsAtMost10000Records_thenTheRest(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "default-limit", 1);
        List<ByteString> data = IntStream.range(0, 10_001).mapToObj(i -> ByteString.copyFromUtf8("r-" + i)).toList();
        List<String> seqs = new ArrayList<>(putAll(c.stub(0), "default-limit", "k", data.subList(0, 10_000), 500));
        long lastArrival = clock.advance(Duration.ofSeconds(1));
        seqs.addAll(putAll(c.stub(0), "default-limit", "k", data.subList(10_000, 10_001), 500));
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "default-limit", SHARD);

        GetRecordsResponse first = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(trimHorizon(leader, "default-limit")).build());
        assertThat(first.getRecordsCount()).isEqualTo(10_000);
        assertThat(first.getRecordsList()).extracting(Record::getSequenceNumber)
                .containsExactlyElementsOf(seqs.subList(0, 10_000));
        assertThat(first.getRecords(9_999).getApproximateArrivalTimestamp()).isEqualTo(lastArrival - 1000);
        assertThat(first.getMillisBehindLatest()).isEqualTo(1000);

        GetRecordsResponse second = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(first.getNextShardIterator()).build());
        assertThat(second.getRecordsList()).extracting(Record::getSequenceNumber).containsExactly(seqs.get(10_000));
        assertThat(second.getRecords(0).getData().toStringUtf8()).isEqualTo("r-10000");
        assertThat(second.getMillisBehindLatest()).isZero();

        GetRecordsResponse tip = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(second.getNextShardIterator()).build());
        assertThat(tip.getRecordsList()).isEmpty();
        assertThat(tip.getMillisBehindLatest()).isZero();
        assertThat(tip.getNextShardIterator()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_withExplicitLimit_pagesThroughEveryRecordOnceInOrder(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "explicit-limit", 1);
        List<ByteString> data = IntStream.range(0, 25).mapToObj(i -> ByteString.copyFromUtf8("v" + i)).toList();
        List<String> seqs = putAll(c.stub(0), "explicit-limit", "k", data, 4);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "explicit-limit", SHARD);

        List<Integer> pageSizes = new ArrayList<>();
        List<Record> got = new ArrayList<>();
        String it = trimHorizon(leader, "explicit-limit");
        while (true) {
            GetRecordsResponse page = leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setLimit(7).build());
            // An iterator names a position, not a cursor: reading it again gives the same page.
            assertThat(leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).setLimit(7).build())
                    .getRecordsList()).isEqualTo(page.getRecordsList());
            if (page.getRecordsCount() == 0) {
                break;
            }
            pageSizes.add(page.getRecordsCount());
            got.addAll(page.getRecordsList());
            it = page.getNextShardIterator();
        }
        assertThat(pageSizes).containsExactly(7, 7, 7, 4);
        assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data);
        assertThat(got).extracting(Record::getSequenceNumber).containsExactlyElementsOf(seqs);
        assertStrictlyIncreasing(got);

        // The bounds of the range are accepted.
        String start = trimHorizon(leader, "explicit-limit");
        assertThat(leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(start).setLimit(1).build())
                .getRecordsList()).extracting(Record::getData).containsExactly(data.get(0));
        assertThat(leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(start).setLimit(10_000).build())
                .getRecordsCount()).isEqualTo(25);
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_rejectsLimitOutsideTheRange_namingFieldAndLimit(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "bad-limit", 1);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "bad-limit", SHARD);
        String it = trimHorizon(leader, "bad-limit");

        var over = assertInvalidArgument("limit", "10000", () -> leader.getRecords(
                GetRecordsRequest.newBuilder().setShardIterator(it).setLimit(10_001).build()));
        assertThat(over.detail().getActual()).contains("10001");
        var negative = assertInvalidArgument("limit", "10000", () -> leader.getRecords(
                GetRecordsRequest.newBuilder().setShardIterator(it).setLimit(-1).build()));
        assertThat(negative.detail().getActual()).contains("-1");
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_neverReturnsMoreThan10MiB_andPagingLosesNothing(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "big-records", 1);
        // 12 records of ~1 MB: the first page can hold 10 of them (10,000,010 bytes) but not 11.
        List<ByteString> data = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] b = new byte[1_000_000];
            Arrays.fill(b, (byte) i);
            data.add(ByteString.copyFrom(b));
        }
        List<String> seqs = putAll(c.stub(0), "big-records", "k", data, 4);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "big-records", SHARD);

        List<Record> got = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String it = trimHorizon(leader, "big-records");
        while (true) {
            GetRecordsResponse page = leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).build());
            if (page.getRecordsCount() == 0) {
                break;
            }
            long bytes = page.getRecordsList().stream()
                    .mapToLong(r -> r.getData().size() + r.getPartitionKey().length()).sum();
            assertThat(bytes).as("bytes in page %s", pageSizes.size()).isLessThanOrEqualTo(TEN_MIB);
            pageSizes.add(page.getRecordsCount());
            got.addAll(page.getRecordsList());
            it = page.getNextShardIterator();
        }
        assertThat(pageSizes).hasSizeGreaterThan(1).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(got).extracting(Record::getSequenceNumber).containsExactlyElementsOf(seqs);
        assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data);
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_withAConfiguredByteCap_staysUnderIt_butReturnsALargerRecordAlone(int brokers) throws Exception {
        MiniCluster c = smallCapCluster(brokers);
        createStream(c, "capped", 1);
        Random random = new Random(42);
        List<ByteString> data = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[1 + random.nextInt(150_000)]; // about a third are larger than the cap
            random.nextBytes(b);
            data.add(ByteString.copyFrom(b));
        }
        List<String> seqs = putAll(c.stub(0), "capped", "k", data, 10);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "capped", SHARD);

        List<Record> got = new ArrayList<>();
        int pagesOfOneLargeRecord = 0;
        String it = trimHorizon(leader, "capped");
        while (true) {
            GetRecordsResponse page = leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).build());
            if (page.getRecordsCount() == 0) {
                break;
            }
            long bytes = page.getRecordsList().stream()
                    .mapToLong(r -> r.getData().size() + r.getPartitionKey().length()).sum();
            if (bytes > SMALL_CAP_BYTES) {
                assertThat(page.getRecordsCount()).as("a page over the cap holds one record").isEqualTo(1);
                pagesOfOneLargeRecord++;
            }
            got.addAll(page.getRecordsList());
            it = page.getNextShardIterator();
        }
        assertThat(pagesOfOneLargeRecord).isPositive();
        assertThat(got).extracting(Record::getSequenceNumber).containsExactlyElementsOf(seqs);
        assertThat(got).extracting(Record::getData).containsExactlyElementsOf(data);
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void millisBehindLatest_isTheLagOfTheLastRecordReturned_andZeroAtTheTip(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "lag", 1);
        StreamsGrpc.StreamsBlockingStub any = c.stub(0);
        long t0 = clock.millis();
        put(any, "lag", "v0");
        long t1 = clock.advance(Duration.ofSeconds(1));
        put(any, "lag", "v1");
        long t2 = clock.advance(Duration.ofSeconds(2));
        put(any, "lag", "v2");
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "lag", SHARD);

        GetRecordsResponse r0 = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(trimHorizon(leader, "lag")).setLimit(1).build());
        assertThat(r0.getRecords(0).getApproximateArrivalTimestamp()).isEqualTo(t0);
        assertThat(r0.getMillisBehindLatest()).isEqualTo(t2 - t0);

        GetRecordsResponse r1 = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(r0.getNextShardIterator()).setLimit(1).build());
        assertThat(r1.getRecords(0).getApproximateArrivalTimestamp()).isEqualTo(t1);
        assertThat(r1.getMillisBehindLatest()).isEqualTo(t2 - t1);

        GetRecordsResponse r2 = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(r1.getNextShardIterator()).setLimit(1).build());
        assertThat(r2.getRecords(0).getApproximateArrivalTimestamp()).isEqualTo(t2);
        assertThat(r2.getMillisBehindLatest()).isZero();

        GetRecordsResponse tip = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(r2.getNextShardIterator()).build());
        assertThat(tip.getRecordsList()).isEmpty();
        assertThat(tip.getMillisBehindLatest()).isZero();

        // Two records read while a newer one is still unread: behind by the lag of the second, never 0.
        GetRecordsResponse firstTwo = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(trimHorizon(leader, "lag")).setLimit(2).build());
        assertThat(firstTwo.getRecordsList()).extracting(r -> r.getData().toStringUtf8()).containsExactly("v0", "v1");
        assertThat(firstTwo.getMillisBehindLatest()).isEqualTo(t2 - t1);
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void nextShardIterator_fromTheTip_returnsExactlyTheRecordsPutAfterwards(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "continue", 1);
        List<String> before = putAll(c.stub(0), "continue", "k",
                List.of(ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("b")), 2);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "continue", SHARD);

        GetRecordsResponse all = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(trimHorizon(leader, "continue")).build());
        assertThat(all.getRecordsList()).extracting(Record::getSequenceNumber).containsExactlyElementsOf(before);
        GetRecordsResponse empty = leader.getRecords(GetRecordsRequest.newBuilder()
                .setShardIterator(all.getNextShardIterator()).build());
        assertThat(empty.getRecordsList()).isEmpty();

        List<String> after = putAll(c.stub(c.size() - 1), "continue", "k",
                List.of(ByteString.copyFromUtf8("c"), ByteString.copyFromUtf8("d"), ByteString.copyFromUtf8("e")), 3);
        for (String next : List.of(all.getNextShardIterator(), empty.getNextShardIterator())) {
            GetRecordsResponse more = leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(next).build());
            assertThat(more.getRecordsList()).extracting(Record::getSequenceNumber).containsExactlyElementsOf(after);
            assertThat(more.getRecordsList()).extracting(r -> r.getData().toStringUtf8())
                    .containsExactly("c", "d", "e");
        }
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void longPoll_waitsForTheNextRecord_andAnswersAsSoonAsItIsCommitted(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "long-poll", 1);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "long-poll", SHARD);
        String tip = trimHorizon(leader, "long-poll");

        long start = System.nanoTime();
        GetRecordsResponse empty = leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(tip)
                .setMaxWaitMs(400).build());
        assertThat(empty.getRecordsList()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(390));

        ListenableFuture<GetRecordsResponse> waiting = StreamsGrpc.newFutureStub(leader.getChannel())
                .getRecords(GetRecordsRequest.newBuilder().setShardIterator(empty.getNextShardIterator())
                        .setMaxWaitMs(20_000).build());
        assertThatThrownBy(() -> waiting.get(300, TimeUnit.MILLISECONDS))
                .as("a long poll on an empty shard answers only when a record comes")
                .isInstanceOf(TimeoutException.class);
        long put = System.nanoTime();
        put(c.stub(c.size() - 1), "long-poll", "late");
        GetRecordsResponse answer = waiting.get(10, TimeUnit.SECONDS);
        assertThat(answer.getRecordsList()).extracting(r -> r.getData().toStringUtf8()).containsExactly("late");
        assertThat(Duration.ofNanos(System.nanoTime() - put)).isLessThan(Duration.ofSeconds(10));
        assertThat(leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(answer.getNextShardIterator())
                .build()).getRecordsList()).isEmpty();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void getRecords_rejectsAWaitOutsideTheRange_namingFieldAndLimit(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "bad-wait", 1);
        StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "bad-wait", SHARD);
        String it = trimHorizon(leader, "bad-wait");
        for (int wait : new int[] {20_001, -1}) {
            var e = assertInvalidArgument("max_wait_ms", "20000", () -> leader.getRecords(
                    GetRecordsRequest.newBuilder().setShardIterator(it).setMaxWaitMs(wait).build()));
            assertThat(e.detail().getActual()).isEqualTo(Integer.toString(wait));
        }
    }

    private static void put(StreamsGrpc.StreamsBlockingStub stub, String stream, String data) {
        stub.putRecord(PutRecordRequest.newBuilder().setStreamName(stream).setPartitionKey("k")
                .setData(ByteString.copyFromUtf8(data)).build());
    }

    static String trimHorizon(StreamsGrpc.StreamsBlockingStub leader, String stream) {
        return leader.getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream).setShardId(SHARD)
                .setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build()).getShardIterator();
    }

    static void assertStrictlyIncreasing(List<Record> records) {
        for (int i = 1; i < records.size(); i++) {
            assertThat(new BigInteger(records.get(i).getSequenceNumber()))
                    .isGreaterThan(new BigInteger(records.get(i - 1).getSequenceNumber()));
        }
    }
}
