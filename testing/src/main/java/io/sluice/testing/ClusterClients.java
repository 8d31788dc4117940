package io.sluice.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of a {@link SluiceCluster}: channels to the brokers' front doors (the proxies {@link ClusterLinks}
 * runs, which a pause holds), owned here and closed with the cluster, and reads through them. The contracts are on
 * SluiceCluster's methods of the same names.
 */
final class ClusterClients {
    private final ClusterLinks links;
    private final ManagedChannel[] shared;
    /** Every channel made, shared ones included. */
    private final List<ManagedChannel> made = new ArrayList<>();

    ClusterClients(ClusterLinks links, int size) {
        this.links = links;
        this.shared = new ManagedChannel[size];
    }

    String endpoint(int i) {
        return "127.0.0.1:" + links.frontDoorPort(i);
    }

    List<String> endpoints() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < shared.length; i++) {
            out.add(endpoint(i));
        }
        return out;
    }

    synchronized ManagedChannel channel(int i) {
        if (shared[i] == null) {
            shared[i] = newChannel(i);
        }
        return shared[i];
    }

    synchronized ManagedChannel newChannel(int i) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", links.frontDoorPort(i)).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        made.add(ch);
        return ch;
    }

    StreamsGrpc.StreamsBlockingStub streams(int i) {
        return StreamsGrpc.newBlockingStub(channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    ClusterGrpc.ClusterBlockingStub clusterStub(int i) {
        return ClusterGrpc.newBlockingStub(channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    List<Record> readShard(int i, String stream, String shardId) {
        String it = streams(i).getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream)
                .setShardId(shardId).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build()).getShardIterator();
        List<Record> out = new ArrayList<>();
        while (!it.isEmpty()) {
            GetRecordsResponse r = streams(i).getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setLimit(10_000).build());
            if (r.getRecordsCount() == 0) {
                break;
            }
            out.addAll(r.getRecordsList());
            it = r.getNextShardIterator();
        }
        return out;
    }

    synchronized void close() {
        for (ManagedChannel ch : made) {
            ch.shutdownNow();
        }
    }
}
