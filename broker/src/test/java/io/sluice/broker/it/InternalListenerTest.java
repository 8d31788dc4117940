package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.Broker;
import io.sluice.proto.internal.v1.FetchShardRecordsRequest;
import io.sluice.proto.internal.v1.FetchSnapshotRequest;
import io.sluice.proto.internal.v1.ReplicaSyncGrpc;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker-to-broker RPCs are not reachable through the client port: a client that calls ReplicaSync there (to read the
 * metadata snapshot and its iterator secret, or to copy a shard) gets UNIMPLEMENTED. The internal listener serves them.
 */
class InternalListenerTest {
    @TempDir
    Path dir;

    @Test
    void replicaSync_isUnimplementedOnTheClientPort_andServedOnTheInternalPort() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3, Clock.systemUTC(), Map.of())) {
            c.awaitReady();
            Broker b = c.broker(0);
            String metadataGroup = b.replication().raft().layout().metadataGroup().getGroupId().getUuid().toString();

            ReplicaSyncGrpc.ReplicaSyncBlockingStub onClientPort = ReplicaSyncGrpc.newBlockingStub(c.channel(0))
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> onClientPort.fetchSnapshot(FetchSnapshotRequest.newBuilder()
                    .setGroupId(metadataGroup).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
            assertThatThrownBy(() -> onClientPort.fetchShardRecords(FetchShardRecordsRequest.newBuilder()
                    .setStreamId(1).setShardIndex(0).setToPosition(10).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

            ManagedChannel internal = NettyChannelBuilder.forAddress("127.0.0.1", b.internalPort()).usePlaintext()
                    .build();
            try {
                ReplicaSyncGrpc.ReplicaSyncBlockingStub onInternalPort = ReplicaSyncGrpc.newBlockingStub(internal)
                        .withDeadlineAfter(10, TimeUnit.SECONDS);
                // No snapshot yet on a fresh cluster: the service answers, with UNAVAILABLE rather than UNIMPLEMENTED.
                assertThatThrownBy(() -> onInternalPort.fetchSnapshot(FetchSnapshotRequest.newBuilder()
                        .setGroupId(metadataGroup).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            } finally {
                internal.shutdownNow();
            }
        }
    }
}
