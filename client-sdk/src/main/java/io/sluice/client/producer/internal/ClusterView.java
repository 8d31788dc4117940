package io.sluice.client.producer.internal;

import java.util.List;
import java.util.Map;

/**
 * Who leads each replication group, and where the brokers are, as DescribeCluster last told. Immutable.
 *
 * @param leaderAddressByGroup group name ("group-2") to the leader's client address, for groups with a known leader
 * @param brokerAddresses      every broker's client address
 */
public record ClusterView(Map<String, String> leaderAddressByGroup, List<String> brokerAddresses) {
    public static final ClusterView EMPTY = new ClusterView(Map.of(), List.of());

    public ClusterView {
        leaderAddressByGroup = Map.copyOf(leaderAddressByGroup);
        brokerAddresses = List.copyOf(brokerAddresses);
    }
}
