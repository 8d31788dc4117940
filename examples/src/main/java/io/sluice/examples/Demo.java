package io.sluice.examples;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A short tour against a running broker through the {@code sluice.v1.Streams} gRPC service: create a stream (if
 * missing), put sample JSON events, read every shard back. Usage: {@code Demo [host:port] [stream] [count]}; the
 * README's tour runs it with {@code sluice_exec examples io.sluice.examples.Demo} from {@code build-support/launch.sh}.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args.length > 0 ? args[0] : "127.0.0.1:7700";
        String stream = args.length > 1 ? args[1] : "demo";
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String[] hp = endpoint.split(":");
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
        java.util.List<ManagedChannel> extra = new java.util.ArrayList<>();
        try {
            StreamsGrpc.StreamsBlockingStub stub = StreamsGrpc.newBlockingStub(ch);
            awaitCluster(stub);
            try {
                stub.withDeadlineAfter(30, TimeUnit.SECONDS).createStream(CreateStreamRequest.newBuilder()
                        .setStreamName(stream).setShardCount(4).build());
                System.out.println("created stream " + stream + " with 4 shards");
            } catch (StatusRuntimeException e) {
                if (GrpcErrors.fromThrowable(e).code() != ErrorCode.RESOURCE_IN_USE) {
                    throw e;
                }
                System.out.println("stream " + stream + " exists; reusing it");
            }
            PutRecordsRequest.Builder put = PutRecordsRequest.newBuilder().setStreamName(stream);
            for (int i = 0; i < count; i++) {
                String json = "{\"event\":\"click\",\"user\":\"user-" + (i % 5) + "\",\"n\":" + i + ",\"at\":\""
                        + Instant.now() + "\"}";
                put.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("user-" + (i % 5))
                        .setData(ByteString.copyFromUtf8(json)));
            }
            PutRecordsResponse resp = stub.withDeadlineAfter(30, TimeUnit.SECONDS).putRecords(put.build());
            System.out.println("put " + count + " records, " + resp.getFailedRecordCount() + " failed; first went to "
                    + resp.getRecords(0).getShardId() + " as " + resp.getRecords(0).getSequenceNumber());
            int total = 0;
            for (Shard shard : stub.listShards(ListShardsRequest.newBuilder().setStreamName(stream).build())
                    .getShardsList()) {
                GetShardIteratorRequest itReq = GetShardIteratorRequest.newBuilder().setStreamName(stream)
                        .setShardId(shard.getShardId()).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build();
                StreamsGrpc.StreamsBlockingStub reader = stub;
                String it;
                try {
                    it = reader.getShardIterator(itReq).getShardIterator();
                } catch (StatusRuntimeException e) {
                    // Reads are served by the leader of the shard's group; follow the address NOT_LEADER names.
                    SluiceException se = GrpcErrors.fromThrowable(e);
                    if (se.code() != ErrorCode.NOT_LEADER || se.detail().getLeaderAddress().isEmpty()) {
                        throw e;
                    }
                    String[] leader = se.detail().getLeaderAddress().split(":");
                    ManagedChannel lc = NettyChannelBuilder.forAddress(leader[0], Integer.parseInt(leader[1]))
                            .usePlaintext().build();
                    extra.add(lc);
                    reader = StreamsGrpc.newBlockingStub(lc);
                    it = reader.getShardIterator(itReq).getShardIterator();
                }
                int n = 0;
                Record last = null;
                while (true) {
                    GetRecordsResponse r = reader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).build());
                    if (r.getRecordsCount() == 0) {
                        break;
                    }
                    n += r.getRecordsCount();
                    last = r.getRecords(r.getRecordsCount() - 1);
                    it = r.getNextShardIterator();
                }
                total += n;
                System.out.println(shard.getShardId() + ": " + n + " records"
                        + (last == null ? "" : ", newest " + last.getData().toStringUtf8()));
            }
            System.out.println("read back " + total + " records from stream " + stream);
        } finally {
            extra.forEach(ManagedChannel::shutdownNow);
            ch.shutdownNow();
        }
    }

    private static void awaitCluster(StreamsGrpc.StreamsBlockingStub stub) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).listStreams(
                        io.sluice.proto.v1.ListStreamsRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                SluiceException se = GrpcErrors.fromThrowable(e);
                if (!se.retriable() || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
