package io.sluice.broker.replication;

import java.util.List;

/** What DescribeCluster shows of replication: every Raft group, its members and, where this broker hosts it, more. */
public interface ClusterStatus {
    /**
     * @param leaderNodeId empty when unknown or not hosted here
     * @param commitIndex  -1 when not hosted here
     * @param appliedIndex -1 when not hosted here
     */
    record GroupStatus(String name, List<String> memberNodeIds, boolean hostedHere, String leaderNodeId,
                       long commitIndex, long appliedIndex) {
    }

    /** The metadata group first, then the data groups by index. */
    List<GroupStatus> groups();
}
