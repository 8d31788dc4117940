package io.sluice.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.broker.config.PeerAddress;
import io.sluice.broker.replication.ClusterStatus;
import io.sluice.common.GrpcCalls;
import io.sluice.proto.v1.BrokerInfo;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GroupInfo;
import java.util.List;

/** DescribeCluster: brokers, groups, leaders and indices as this broker sees them. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final String clusterId;
    private final String nodeId;
    private final List<PeerAddress> peers;
    private final ClusterStatus status;

    public ClusterService(String clusterId, String nodeId, List<PeerAddress> peers, ClusterStatus status) {
        this.clusterId = clusterId;
        this.nodeId = nodeId;
        this.peers = List.copyOf(peers);
        this.status = status;
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        GrpcCalls.sync(out, () -> {
            DescribeClusterResponse.Builder b = DescribeClusterResponse.newBuilder().setClusterId(clusterId)
                    .setNodeId(nodeId);
            for (PeerAddress p : peers) {
                b.addBrokers(BrokerInfo.newBuilder().setNodeId(p.nodeId()).setClientAddress(p.client().toString()));
            }
            for (ClusterStatus.GroupStatus g : status.groups()) {
                GroupInfo.Builder gi = GroupInfo.newBuilder().setGroupName(g.name())
                        .addAllMemberNodeIds(g.memberNodeIds());
                if (g.hostedHere()) {
                    gi.setLeaderNodeId(g.leaderNodeId()).setCommitIndex(g.commitIndex())
                            .setAppliedIndex(g.appliedIndex());
                }
                b.addGroups(gi);
            }
            return b.build();
        });
    }
}
