package io.sluice.broker.replication;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Which Raft groups exist and who replicates them, derived deterministically from the static configuration, so every
 * broker computes the same layout without coordination.
 *
 * <ul>
 *   <li>The metadata group: the first {@code replication.factor} brokers of the peer list.</li>
 *   <li>{@code ceil(brokers * groups.per.broker / replication.factor)} data groups; group g is replicated on the
 *       brokers {@code g, g+1, ... (mod brokers)}, and broker {@code g mod brokers} has the highest leader priority, so
 *       leaders spread evenly.</li>
 * </ul>
 */
public final class RaftLayout {
    public static final String METADATA = "metadata";

    private final String clusterId;
    private final List<PeerAddress> peers;
    private final Map<String, PeerAddress> byId;
    private final int replicationFactor;
    private final RaftGroup metadataGroup;
    private final List<RaftGroup> dataGroups;

    public RaftLayout(BrokerConfig config) {
        this.clusterId = config.get(BrokerConfig.CLUSTER_ID);
        this.peers = config.peers();
        this.byId = peers.stream().collect(Collectors.toMap(PeerAddress::nodeId, Function.identity()));
        this.replicationFactor = config.replicationFactor();
        int n = peers.size();
        this.metadataGroup = group(METADATA, 0);
        int groups = Math.max(1, (n * config.get(BrokerConfig.GROUPS_PER_BROKER) + replicationFactor - 1)
                / replicationFactor);
        List<RaftGroup> data = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            data.add(group(dataGroupName(g), g));
        }
        this.dataGroups = List.copyOf(data);
    }

    public static String dataGroupName(int index) {
        return "group-" + index;
    }

    private RaftGroup group(String name, int first) {
        int n = peers.size();
        List<RaftPeer> members = new ArrayList<>();
        for (int j = 0; j < replicationFactor; j++) {
            PeerAddress p = peers.get((first + j) % n);
            members.add(RaftPeer.newBuilder()
                    .setId(p.nodeId())
                    .setAddress(p.raft().toString())
                    .setPriority(j == 0 ? 1 : 0)
                    .build());
        }
        return RaftGroup.valueOf(groupId(name), members);
    }

    private RaftGroupId groupId(String name) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes((clusterId + "/" + name).getBytes(StandardCharsets.UTF_8)));
    }

    public RaftGroup metadataGroup() {
        return metadataGroup;
    }

    public List<RaftGroup> dataGroups() {
        return dataGroups;
    }

    public int dataGroupCount() {
        return dataGroups.size();
    }

    /** Groups with a replica on the given broker. */
    public List<RaftGroup> groupsOf(String nodeId) {
        List<RaftGroup> out = new ArrayList<>();
        RaftPeerId id = RaftPeerId.valueOf(nodeId);
        if (metadataGroup.getPeer(id) != null) {
            out.add(metadataGroup);
        }
        for (RaftGroup g : dataGroups) {
            if (g.getPeer(id) != null) {
                out.add(g);
            }
        }
        return out;
    }

    /** The data group index of a group id, or -1 for the metadata group. */
    public int dataGroupIndex(RaftGroupId id) {
        for (int i = 0; i < dataGroups.size(); i++) {
            if (dataGroups.get(i).getGroupId().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    public String groupName(RaftGroupId id) {
        int i = dataGroupIndex(id);
        return i < 0 ? METADATA : dataGroupName(i);
    }

    public PeerAddress peer(String nodeId) {
        return byId.get(nodeId);
    }

    public List<PeerAddress> peers() {
        return peers;
    }
}
