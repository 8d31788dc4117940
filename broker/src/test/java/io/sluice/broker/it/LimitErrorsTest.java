package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.assertFailsWith;
import static io.sluice.broker.it.StreamsTestSupport.assertInvalidArgument;
import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static io.sluice.broker.it.StreamsTestSupport.leaderStub;
import static io.sluice.broker.it.StreamsTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.DescribeStreamRequest;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request limits over gRPC on one and on three brokers: each violation fails with the catalogue code, names the field
 * and the limit, and loses nothing that was accepted before or alongside it. PutRecords fails per entry for record
 * problems and as a whole for request problems (count, total size, stream name), as streams.proto documents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitErrorsTest {
    private static final int MIB = 1 << 20;
    private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);

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

    private static PutRecordRequest record(String stream, String key, ByteString data) {
        return PutRecordRequest.newBuilder().setStreamName(stream).setPartitionKey(key).setData(data).build();
    }

    private static PutRecordsRequestEntry entry(String key, ByteString data) {
        return PutRecordsRequestEntry.newBuilder().setPartitionKey(key).setData(data).build();
    }

    private static ByteString bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return ByteString.copyFrom(b);
    }

    /** Every record of the stream, shard 0's first. */
    private static List<Record> readStream(MiniCluster c, String stream, int shards) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            out.addAll(readAll(leaderStub(c, stream, ShardId.format(i)), stream, ShardId.format(i), 1000));
        }
        return out;
    }

    private static void assertEntryFailed(PutRecordsResultEntry e, String field, String limit) {
        assertThat(e.getErrorCode()).as("%s", e).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.getErrorMessage()).startsWith(field + ":").contains(limit);
        assertThat(e.getRetriable()).isFalse();
        assertThat(e.getShardId()).isEmpty();
        assertThat(e.getSequenceNumber()).isEmpty();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void recordOverOneMiB_isRejectedNamingDataAndTheLimit_andOthersAreKept(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "size", 1);
        StreamsGrpc.StreamsBlockingStub any = c.stub(brokers - 1);
        any.putRecord(record("size", "k", ByteString.copyFromUtf8("before")));

        SluiceException e = assertInvalidArgument("data", "1048576 bytes",
                () -> any.putRecord(record("size", "k", bytes(MIB, 1))));
        assertThat(e.detail().getActual()).isEqualTo((MIB + 1) + " bytes");
        // The key counts in UTF-8 bytes: "é" is two.
        assertInvalidArgument("data", "1048576 bytes", () -> any.putRecord(record("size", "é", bytes(MIB - 1, 2))));
        ByteString atLimit = bytes(MIB - 1, 3);
        any.putRecord(record("size", "k", atLimit));

        PutRecordsResponse mixed = any.putRecords(PutRecordsRequest.newBuilder().setStreamName("size")
                .addRecords(entry("k", ByteString.copyFromUtf8("a")))
                .addRecords(entry("k", bytes(MIB, 4)))
                .addRecords(entry("k", ByteString.copyFromUtf8("b"))).build());
        assertThat(mixed.getFailedRecordCount()).isEqualTo(1);
        assertThat(mixed.getRecords(0).getSequenceNumber()).isNotEmpty();
        assertEntryFailed(mixed.getRecords(1), "records[1].data", "1048576 bytes");
        assertThat(mixed.getRecords(2).getSequenceNumber()).isNotEmpty();

        assertThat(readStream(c, "size", 1)).extracting(Record::getData)
                .containsExactly(ByteString.copyFromUtf8("before"), atLimit, ByteString.copyFromUtf8("a"),
                        ByteString.copyFromUtf8("b"));
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void partitionKey_mustBeOneTo256Characters(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "keys", 1);
        StreamsGrpc.StreamsBlockingStub any = c.stub(0);
        ByteString v = ByteString.copyFromUtf8("v");

        assertInvalidArgument("partition_key", "256", () -> any.putRecord(record("keys", "", v)));
        SluiceException tooLong = assertInvalidArgument("partition_key", "256 characters",
                () -> any.putRecord(record("keys", "a".repeat(257), v)));
        assertThat(tooLong.detail().getActual()).isEqualTo("257 characters");

        String ascii = "a".repeat(256);
        String emoji = "\uD83D\uDE00".repeat(256); // 256 characters, 512 UTF-16 units, 1024 UTF-8 bytes
        any.putRecord(record("keys", ascii, v));
        any.putRecord(record("keys", emoji, v));

        PutRecordsResponse batch = any.putRecords(PutRecordsRequest.newBuilder().setStreamName("keys")
                .addRecords(entry("", v))
                .addRecords(entry("ok", v))
                .addRecords(entry("b".repeat(257), v)).build());
        assertThat(batch.getFailedRecordCount()).isEqualTo(2);
        assertEntryFailed(batch.getRecords(0), "records[0].partition_key", "256");
        assertThat(batch.getRecords(1).getSequenceNumber()).isNotEmpty();
        assertEntryFailed(batch.getRecords(2), "records[2].partition_key", "256 characters");

        assertThat(readStream(c, "keys", 1)).extracting(Record::getPartitionKey).containsExactly(ascii, emoji, "ok");
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void explicitHashKey_mustBeADecimalFrom0To2Pow128Minus1(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "hash", 4);
        StreamsGrpc.StreamsBlockingStub any = c.stub(0);
        ByteString v = ByteString.copyFromUtf8("v");

        for (String bad : List.of("12a", "-1", "1.5", " 1", "0x10", TWO_128.toString())) {
            assertInvalidArgument("explicit_hash_key", "2^128-1", () -> any.putRecord(record("hash", "k", v)
                    .toBuilder().setExplicitHashKey(bad).build()));
        }
        PutRecordResponse lowest = any.putRecord(record("hash", "k", ByteString.copyFromUtf8("lowest")).toBuilder()
                .setExplicitHashKey("0").build());
        PutRecordResponse highest = any.putRecord(record("hash", "k", ByteString.copyFromUtf8("highest"))
                .toBuilder().setExplicitHashKey(TWO_128.subtract(BigInteger.ONE).toString()).build());
        assertThat(lowest.getShardId()).isEqualTo("shardId-000000000000");
        assertThat(highest.getShardId()).isEqualTo("shardId-000000000003");

        PutRecordsResponse batch = any.putRecords(PutRecordsRequest.newBuilder().setStreamName("hash")
                .addRecords(entry("k", ByteString.copyFromUtf8("in-range")).toBuilder().setExplicitHashKey("1"))
                .addRecords(entry("k", v).toBuilder().setExplicitHashKey(TWO_128.toString()))
                .addRecords(entry("k", v).toBuilder().setExplicitHashKey("-5")).build());
        assertThat(batch.getFailedRecordCount()).isEqualTo(2);
        assertThat(batch.getRecords(0).getShardId()).isEqualTo("shardId-000000000000");
        assertEntryFailed(batch.getRecords(1), "records[1].explicit_hash_key", "2^128-1");
        assertEntryFailed(batch.getRecords(2), "records[2].explicit_hash_key", "2^128-1");

        assertThat(readStream(c, "hash", 4)).extracting(r -> r.getData().toStringUtf8())
                .containsExactly("lowest", "in-range", "highest");
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void putRecords_over500Records_orOver5MiB_failsTheWholeCall_andStoresNone(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        createStream(c, "batch", 1);
        StreamsGrpc.StreamsBlockingStub any = c.stub(brokers - 1);

        PutRecordsRequest.Builder five01 = PutRecordsRequest.newBuilder().setStreamName("batch");
        for (int i = 0; i < 501; i++) {
            five01.addRecords(entry("k", ByteString.copyFromUtf8("n" + i)));
        }
        SluiceException count = assertInvalidArgument("records", "500 records", () -> any.putRecords(five01.build()));
        assertThat(count.detail().getActual()).isEqualTo("501 records");
        SluiceException none = assertFailsWith(ErrorCode.INVALID_ARGUMENT,
                () -> any.putRecords(PutRecordsRequest.newBuilder().setStreamName("batch").build()));
        assertThat(none.detail().getField()).isEqualTo("records");

        PutRecordsResponse five00 = any.putRecords(five01.removeRecords(500).build());
        assertThat(five00.getFailedRecordCount()).isZero();
        assertThat(five00.getRecordsCount()).isEqualTo(500);

        PutRecordsRequest.Builder tooBig = PutRecordsRequest.newBuilder().setStreamName("batch");
        for (int i = 0; i < 6; i++) {
            tooBig.addRecords(entry("k", bytes(900_000, i)));
        }
        SluiceException bytes = assertInvalidArgument("records", "5242880 bytes",
                () -> any.putRecords(tooBig.build()));
        assertThat(bytes.detail().getActual()).isEqualTo((6 * 900_001) + " bytes");

        PutRecordsRequest.Builder exactly5MiB = PutRecordsRequest.newBuilder().setStreamName("batch");
        for (int i = 0; i < 5; i++) {
            exactly5MiB.addRecords(entry("k", bytes(MIB - 1, 10 + i)));
        }
        assertThat(any.putRecords(exactly5MiB.build()).getFailedRecordCount()).isZero();

        List<Record> stored = readStream(c, "batch", 1);
        assertThat(stored).hasSize(505);
        assertThat(stored.subList(0, 500)).extracting(r -> r.getData().toStringUtf8())
                .containsExactlyElementsOf(five01.getRecordsList().stream().map(e -> e.getData().toStringUtf8())
                        .toList());
        assertThat(stored.subList(500, 505)).extracting(Record::getData)
                .containsExactlyElementsOf(exactly5MiB.getRecordsList().stream().map(PutRecordsRequestEntry::getData)
                        .toList());
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void streamNamesShardCountsAndRetention_areCheckedBeforeAnythingIsCreated(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        StreamsGrpc.StreamsBlockingStub any = c.stub(0);

        for (String bad : List.of("", "bad name", "a/b", "caf\u00e9", "x".repeat(129))) {
            assertInvalidArgument("stream_name", "128", () -> any.createStream(CreateStreamRequest.newBuilder()
                    .setStreamName(bad).setShardCount(1).build()));
            assertInvalidArgument("stream_name", "128", () -> any.putRecord(record(bad, "k",
                    ByteString.copyFromUtf8("v"))));
            assertInvalidArgument("stream_name", "128", () -> any.describeStream(DescribeStreamRequest.newBuilder()
                    .setStreamName(bad).build()));
        }
        for (int shards : List.of(0, -1, 1001)) {
            SluiceException e = assertInvalidArgument("shard_count", "1000", () -> any.createStream(
                    CreateStreamRequest.newBuilder().setStreamName("shards").setShardCount(shards).build()));
            assertThat(e.detail().getActual()).contains(Integer.toString(shards));
        }
        for (int hours : List.of(23, 8761)) {
            assertInvalidArgument("retention_period_hours", "8760", () -> any.createStream(CreateStreamRequest
                    .newBuilder().setStreamName("retention").setShardCount(1).setRetentionPeriodHours(hours)
                    .build()));
        }
        assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.describeStreamSummary(
                DescribeStreamSummaryRequest.newBuilder().setStreamName("shards").build()));
        assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.describeStreamSummary(
                DescribeStreamSummaryRequest.newBuilder().setStreamName("retention").build()));

        // The bounds are accepted.
        String longest = "a-Z_0.9" + "x".repeat(121);
        any.createStream(CreateStreamRequest.newBuilder().setStreamName(longest).setShardCount(1000)
                .setRetentionPeriodHours(8760).build());
        assertThat(any.describeStreamSummary(DescribeStreamSummaryRequest.newBuilder().setStreamName(longest).build())
                .getStreamDescriptionSummary().getOpenShardCount()).isEqualTo(1000);
        any.deleteStream(DeleteStreamRequest.newBuilder().setStreamName(longest).build());
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void unknownStreamOrShard_isResourceNotFound_andAnExistingName_isResourceInUse(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        StreamsGrpc.StreamsBlockingStub any = c.stub(brokers - 1);
        ByteString v = ByteString.copyFromUtf8("v");

        List<SluiceException> errors = List.of(
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.putRecord(record("nowhere", "k", v))),
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.putRecords(PutRecordsRequest.newBuilder()
                        .setStreamName("nowhere").addRecords(entry("k", v)).build())),
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.describeStream(DescribeStreamRequest
                        .newBuilder().setStreamName("nowhere").build())),
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.listShards(ListShardsRequest.newBuilder()
                        .setStreamName("nowhere").build())),
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.getShardIterator(GetShardIteratorRequest
                        .newBuilder().setStreamName("nowhere").setShardId("shardId-000000000000")
                        .setShardIteratorType(ShardIteratorType.LATEST).build())),
                assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.deleteStream(DeleteStreamRequest.newBuilder()
                        .setStreamName("nowhere").build())));
        assertThat(errors).allSatisfy(e -> assertThat(e.reason()).contains("nowhere"));

        createStream(c, "taken", 2);
        any.putRecord(record("taken", "k", ByteString.copyFromUtf8("kept")));
        for (int i = 0; i < brokers; i++) {
            StreamsGrpc.StreamsBlockingStub stub = c.stub(i);
            SluiceException e = assertFailsWith(ErrorCode.RESOURCE_IN_USE, () -> stub.createStream(
                    CreateStreamRequest.newBuilder().setStreamName("taken").setShardCount(5).build()));
            assertThat(e.reason()).contains("taken");
        }
        assertThat(any.describeStreamSummary(DescribeStreamSummaryRequest.newBuilder().setStreamName("taken").build())
                .getStreamDescriptionSummary().getOpenShardCount()).isEqualTo(2);
        assertThat(readStream(c, "taken", 2)).extracting(r -> r.getData().toStringUtf8()).containsExactly("kept");

        SluiceException shard = assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> any.getShardIterator(
                GetShardIteratorRequest.newBuilder().setStreamName("taken").setShardId("shardId-000000000002")
                        .setShardIteratorType(ShardIteratorType.LATEST).build()));
        assertThat(shard.reason()).contains("shardId-000000000002");
    }
}
