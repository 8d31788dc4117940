package io.sluice.firehose.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.firehose.Firehose;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DeleteDeliveryStreamRequest;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DeliveryStreamDescription;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.FirehosePutRecordRequest;
import io.sluice.proto.v1.FirehoseRecord;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordBatchRequest;
import io.sluice.proto.v1.PutRecordBatchResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.testing.SluiceCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Firehose API against one in-process broker: definitions in the metadata group, direct puts made durable. */
class FirehoseServiceTest {
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"id\","
            + "\"type\":\"long\"}]}";
    @TempDir
    static Path dir;
    private static SluiceCluster cluster;
    private static Firehose firehose;
    private static ManagedChannel firehoseChannel;
    private static ManagedChannel brokerChannel;

    @BeforeAll
    static void start() throws IOException {
        cluster = SluiceCluster.start(dir.resolve("broker"), 1, Clock.systemUTC(), Map.of(
                "groups.per.broker", "1",
                "raft.election.timeout.min.ms", "300",
                "raft.election.timeout.max.ms", "600"));
        cluster.awaitReady();
        String brokerAddress = cluster.clientEndpoint(0);
        firehose = Firehose.start(FirehoseConfig.of(Map.of("client.address", "127.0.0.1:0",
                "metrics.address", "127.0.0.1:0",
                "cluster.endpoints", brokerAddress)));
        firehoseChannel = NettyChannelBuilder.forTarget("127.0.0.1:" + firehose.port()).usePlaintext().build();
        brokerChannel = NettyChannelBuilder.forTarget(brokerAddress).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        if (firehoseChannel != null) {
            firehoseChannel.shutdownNow();
            brokerChannel.shutdownNow();
        }
        if (firehose != null) {
            firehose.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static FirehoseGrpc.FirehoseBlockingStub api() {
        return FirehoseGrpc.newBlockingStub(firehoseChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static StreamsGrpc.StreamsBlockingStub streams() {
        return StreamsGrpc.newBlockingStub(brokerChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static SluiceException error(ThrowingCallable call) {
        try {
            call.call();
        } catch (StatusRuntimeException e) {
            return GrpcErrors.fromThrowable(e);
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
        throw new AssertionError("the call succeeded");
    }

    private static DeliveryStreamDefinition.Builder definition(String name) {
        return DeliveryStreamDefinition.newBuilder().setDeliveryStreamName(name)
                .setDestination(dir.resolve("lake").toUri().toString()).setAvroSchema(SCHEMA);
    }

    private static List<ByteString> readAll(String stream) {
        List<ByteString> out = new ArrayList<>();
        for (Shard shard : streams().listShards(ListShardsRequest.newBuilder().setStreamName(stream).build())
                .getShardsList()) {
            String it = streams().getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream)
                    .setShardId(shard.getShardId()).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build())
                    .getShardIterator();
            for (Record r : streams().getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).build())
                    .getRecordsList()) {
                out.add(r.getData());
            }
        }
        return out;
    }

    @Test
    void createDescribeListDelete_keepDefinitionsInTheCluster() {
        DeliveryStreamDescription created = api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                .setDefinition(definition("crud").setBackingStreamShards(2)).build()).getDescription();
        DeliveryStreamDefinition d = created.getDefinition();
        assertThat(d.getSourceType()).isEqualTo(SourceType.DIRECT_PUT);
        assertThat(d.getSourceStreamName()).isEqualTo("firehose-crud");
        assertThat(d.getPrefix()).isEqualTo("!{timestamp:yyyy/MM/dd/HH}/");
        assertThat(d.getBufferingHints()).isEqualTo(BufferingHints.newBuilder().setSizeInMibs(5)
                .setIntervalInSeconds(300).build());
        assertThat(streams().describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                .setStreamName("firehose-crud").build()).getStreamDescriptionSummary().getOpenShardCount())
                .isEqualTo(2);
        assertThat(api().describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                .setDeliveryStreamName("crud").build()).getDescription()).isEqualTo(created);
        assertThat(api().listDeliveryStreams(ListDeliveryStreamsRequest.getDefaultInstance())
                .getDeliveryStreamNamesList()).contains("crud");
        assertThat(error(() -> api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                .setDefinition(definition("crud")).build())).code()).isEqualTo(ErrorCode.RESOURCE_IN_USE);

        api().deleteDeliveryStream(DeleteDeliveryStreamRequest.newBuilder().setDeliveryStreamName("crud").build());
        assertThat(error(() -> api().describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                .setDeliveryStreamName("crud").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
        assertThat(error(() -> streams().describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                .setStreamName("firehose-crud").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
    }

    @Test
    void aDirectPut_whoseBackingStreamNameIsTaken_isRefused_andTheStreamIsLeftAlone() {
        streams().createStream(CreateStreamRequest.newBuilder().setStreamName("firehose-mine").setShardCount(3)
                .build());
        SluiceException e = error(() -> api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                .setDefinition(definition("mine").setBackingStreamShards(1)).build()));
        assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_IN_USE);
        assertThat(e.getMessage()).contains("firehose-mine");
        assertThat(error(() -> api().describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                .setDeliveryStreamName("mine").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
        assertThat(streams().describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                .setStreamName("firehose-mine").build()).getStreamDescriptionSummary().getOpenShardCount())
                .isEqualTo(3);
    }

    @Test
    void invalidDefinitions_nameTheFieldAndLimit() {
        SluiceException e = error(() -> api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                .setDefinition(definition("bad").setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(129)))
                .build()));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.detail().getField()).isEqualTo("definition.buffering_hints.size_in_mibs");
        assertThat(e.reason()).isEqualTo("definition.buffering_hints.size_in_mibs: must be 1..128 MiB, got 129 MiB");
        assertThat(error(() -> api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                .setDefinition(definition("bad").setSourceType(SourceType.SLUICE_STREAM)
                        .setSourceStreamName("no-such-stream")).build())).code())
                .isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
        assertThat(error(() -> api().describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                .setDeliveryStreamName("bad").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
    }

    @Test
    void directPuts_areDurableInTheBackingStreamWhenAcknowledged() {
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(definition("puts")
                .setBackingStreamShards(3)).build());
        String one = api().putRecord(FirehosePutRecordRequest.newBuilder().setDeliveryStreamName("puts")
                .setRecord(FirehoseRecord.newBuilder().setData(ByteString.copyFromUtf8("{\"id\":0}"))).build())
                .getRecordId();
        assertThat(one).matches("shardId-\\d{12}:\\d+");
        PutRecordBatchRequest.Builder batch = PutRecordBatchRequest.newBuilder().setDeliveryStreamName("puts");
        List<ByteString> expected = new ArrayList<>(List.of(ByteString.copyFromUtf8("{\"id\":0}")));
        for (int i = 1; i <= 50; i++) {
            ByteString data = ByteString.copyFromUtf8("{\"id\":" + i + "}");
            batch.addRecords(FirehoseRecord.newBuilder().setData(data));
            expected.add(data);
        }
        PutRecordBatchResponse res = api().putRecordBatch(batch.build());
        assertThat(res.getFailedPutCount()).isZero();
        assertThat(res.getRequestResponsesList()).hasSize(50).allMatch(r -> r.getRecordId().startsWith("shardId-"));
        assertThat(readAll("firehose-puts")).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void putLimits_areEnforcedBeforeAnythingIsStored() {
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(definition("limits"))
                .build());
        PutRecordBatchRequest.Builder tooMany = PutRecordBatchRequest.newBuilder().setDeliveryStreamName("limits");
        for (int i = 0; i < 501; i++) {
            tooMany.addRecords(FirehoseRecord.newBuilder().setData(ByteString.copyFromUtf8("{}")));
        }
        SluiceException count = error(() -> api().putRecordBatch(tooMany.build()));
        assertThat(count.detail().getField()).isEqualTo("records");
        assertThat(count.detail().getLimit()).isEqualTo("500 records");

        ByteString big = ByteString.copyFrom(new byte[FirehoseLimits.MAX_RECORD_BYTES + 1]);
        SluiceException size = error(() -> api().putRecordBatch(PutRecordBatchRequest.newBuilder()
                .setDeliveryStreamName("limits").addRecords(FirehoseRecord.newBuilder().setData(ByteString.EMPTY))
                .build()));
        assertThat(size.detail().getField()).isEqualTo("records[0].data");
        SluiceException tooBig = error(() -> api().putRecord(FirehosePutRecordRequest.newBuilder()
                .setDeliveryStreamName("limits").setRecord(FirehoseRecord.newBuilder().setData(big)).build()));
        assertThat(tooBig.reason()).isEqualTo("record.data: record size of 1024001 bytes exceeds the limit of "
                + "1024000 bytes (by 1)");
        PutRecordBatchRequest.Builder tooLarge = PutRecordBatchRequest.newBuilder().setDeliveryStreamName("limits");
        for (int i = 0; i < 5; i++) {
            tooLarge.addRecords(FirehoseRecord.newBuilder().setData(ByteString.copyFrom(new byte[1_000_000])));
        }
        assertThat(error(() -> api().putRecordBatch(tooLarge.build())).detail().getLimit())
                .isEqualTo("4194304 bytes");
        assertThat(readAll("firehose-limits")).isEmpty();

        streams().createStream(CreateStreamRequest.newBuilder().setStreamName("source").setShardCount(1).build());
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(definition("fromstream")
                .setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName("source")).build());
        SluiceException notDirect = error(() -> api().putRecord(FirehosePutRecordRequest.newBuilder()
                .setDeliveryStreamName("fromstream").setRecord(FirehoseRecord.newBuilder()
                        .setData(ByteString.copyFromUtf8("{}"))).build()));
        assertThat(notDirect.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(notDirect.reason()).contains("DIRECT_PUT");
    }
}
