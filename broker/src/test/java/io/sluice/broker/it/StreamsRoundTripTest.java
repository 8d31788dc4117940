package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.leaderStub;
import static io.sluice.broker.it.StreamsTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.common.GrpcErrors;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.DescribeStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same scenarios on one broker and on three. */
class StreamsRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void putThenGet_overEightShards_keepsPerShardOrderWithNoGaps(int brokers) throws Exception {
        try (MiniCluster c = new MiniCluster(dir, brokers)) {
            c.awaitReady();
            StreamsGrpc.StreamsBlockingStub any = c.stub(0);
            any.createStream(CreateStreamRequest.newBuilder().setStreamName("orders").setShardCount(8).build());
            assertThat(any.listStreams(ListStreamsRequest.getDefaultInstance()).getStreamNamesList())
                    .containsExactly("orders");
            assertThat(any.describeStream(DescribeStreamRequest.newBuilder().setStreamName("orders").build())
                    .getStreamDescription().getShardsCount()).isEqualTo(8);

            Map<String, List<String>> sentByShard = new HashMap<>();
            for (int batch = 0; batch < 10; batch++) {
                PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName("orders");
                for (int i = 0; i < 100; i++) {
                    String payload = "r-" + batch + "-" + i;
                    req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("key-" + (i % 37))
                            .setData(ByteString.copyFromUtf8(payload)));
                }
                PutRecordsResponse resp = c.stub(batch % brokers).putRecords(req.build());
                assertThat(resp.getFailedRecordCount()).isZero();
                for (int i = 0; i < 100; i++) {
                    PutRecordsResultEntry e = resp.getRecords(i);
                    sentByShard.computeIfAbsent(e.getShardId(), k -> new ArrayList<>())
                            .add(req.getRecords(i).getData().toStringUtf8());
                }
            }
            assertThat(sentByShard.keySet()).hasSizeGreaterThan(4);
            int total = 0;
            for (var e : sentByShard.entrySet()) {
                List<Record> got = readAll(leaderStub(c, "orders", e.getKey()), "orders", e.getKey(), 37);
                assertThat(got).extracting(r -> r.getData().toString(StandardCharsets.UTF_8))
                        .containsExactlyElementsOf(e.getValue());
                for (int i = 1; i < got.size(); i++) {
                    assertThat(new BigInteger(got.get(i).getSequenceNumber()))
                            .isEqualTo(new BigInteger(got.get(i - 1).getSequenceNumber()).add(BigInteger.ONE));
                }
                total += got.size();
            }
            assertThat(total).isEqualTo(1000);
        }
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void iterators_everyTypeStartsWhereKinesisWould(int brokers) throws Exception {
        try (MiniCluster c = new MiniCluster(dir, brokers)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(1).build());
            List<String> seqs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                seqs.add(c.stub(0).putRecord(PutRecordRequest.newBuilder().setStreamName("s").setPartitionKey("k")
                        .setData(ByteString.copyFromUtf8("v" + i)).build()).getSequenceNumber());
            }
            String shard = "shardId-000000000000";
            StreamsGrpc.StreamsBlockingStub leader = leaderStub(c, "s", shard);
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.TRIM_HORIZON))).isEqualTo("v0");
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.AT_SEQUENCE_NUMBER).setStartingSequenceNumber(seqs.get(2)))).isEqualTo("v2");
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.AFTER_SEQUENCE_NUMBER).setStartingSequenceNumber(seqs.get(2)))).isEqualTo("v3");
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.LATEST))).isNull();
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.AT_TIMESTAMP).setTimestamp(0))).isEqualTo("v0");
            assertThat(first(leader, GetShardIteratorRequest.newBuilder().setShardIteratorType(
                    ShardIteratorType.AT_TIMESTAMP).setTimestamp(Long.MAX_VALUE))).isNull();

            // Tampered and foreign iterators are rejected with INVALID_ITERATOR.
            String it = leader.getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName("s")
                    .setShardId(shard).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build()).getShardIterator();
            String tampered = (it.charAt(0) == 'A' ? "B" : "A") + it.substring(1);
            assertThatThrownBy(() -> leader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(tampered).build()))
                    .satisfies(e -> assertThat(GrpcErrors.fromThrowable(e).code()).isEqualTo(ErrorCode.INVALID_ITERATOR));

            // Deleting the stream makes reads and writes fail with RESOURCE_NOT_FOUND.
            c.stub(0).deleteStream(DeleteStreamRequest.newBuilder().setStreamName("s").build());
            assertThatThrownBy(() -> c.stub(0).putRecord(PutRecordRequest.newBuilder().setStreamName("s")
                    .setPartitionKey("k").setData(ByteString.copyFromUtf8("late")).build()))
                    .satisfies(e -> assertThat(GrpcErrors.fromThrowable(e).code())
                            .isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
        }
    }

    private static String first(StreamsGrpc.StreamsBlockingStub stub, GetShardIteratorRequest.Builder req) {
        String it = stub.getShardIterator(req.setStreamName("s").setShardId("shardId-000000000000").build())
                .getShardIterator();
        GetRecordsResponse r = stub.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).setLimit(1).build());
        return r.getRecordsCount() == 0 ? null : r.getRecords(0).getData().toStringUtf8();
    }
}
