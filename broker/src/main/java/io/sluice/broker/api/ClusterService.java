package io.sluice.broker.api;

import io.grpc.stub.StreamObserver;
import io.sluice.broker.Broker;
import io.sluice.broker.config.PeerAddress;
import io.sluice.broker.replication.BrokerRaft;
import io.sluice.proto.v1.BrokerInfo;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GroupInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;

/** DescribeCluster: brokers, groups, leaders and indices as this broker sees them. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Broker broker;

    public ClusterService(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        BrokerRaft raft = broker.raft();
        DescribeClusterResponse.Builder b = DescribeClusterResponse.newBuilder()
                .setClusterId(broker.config().get(io.sluice.broker.config.BrokerConfig.CLUSTER_ID))
                .setNodeId(broker.config().nodeId());
        for (PeerAddress p : broker.peers()) {
            b.addBrokers(BrokerInfo.newBuilder().setNodeId(p.nodeId()).setClientAddress(p.client().toString()));
        }
        List<RaftGroup> groups = new ArrayList<>();
        groups.add(raft.layout().metadataGroup());
        groups.addAll(raft.layout().dataGroups());
        for (RaftGroup g : groups) {
            GroupInfo.Builder gi = GroupInfo.newBuilder().setGroupName(raft.layout().groupName(g.getGroupId()));
            for (RaftPeer p : g.getPeers()) {
                gi.addMemberNodeIds(p.getId().toString());
            }
            if (raft.hosts(g.getGroupId())) {
                RaftServer.Division d = raft.division(g.getGroupId());
                String leader = raft.leaderId(g.getGroupId());
                gi.setLeaderNodeId(leader == null ? "" : leader)
                        .setCommitIndex(d.getRaftLog().getLastCommittedIndex())
                        .setAppliedIndex(d.getInfo().getLastAppliedIndex());
            }
            b.addGroups(gi);
        }
        out.onNext(b.build());
        out.onCompleted();
    }
}
