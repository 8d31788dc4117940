package io.sluice.broker.replication.ratis;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.PeerAddress;
import io.sluice.common.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
    /** The file in a broker's data directory that records the layout the directory was created with. */
    public static final String LAYOUT_FILE = "layout.properties";

    private final String clusterId;
    private final List<PeerAddress> peers;
    private final Map<String, PeerAddress> byId;
    private final int replicationFactor;
    private final RaftGroup metadataGroup;
    private final List<RaftGroup> dataGroups;
    private final int groupsPerBroker;

    public RaftLayout(BrokerConfig config) {
        this.clusterId = config.get(BrokerConfig.CLUSTER_ID);
        this.peers = config.peers();
        this.byId = peers.stream().collect(Collectors.toMap(PeerAddress::nodeId, Function.identity()));
        this.replicationFactor = config.replicationFactor();
        int n = peers.size();
        this.metadataGroup = group(METADATA, 0);
        this.groupsPerBroker = config.get(BrokerConfig.GROUPS_PER_BROKER);
        int groups = Math.max(1, (n * groupsPerBroker + replicationFactor - 1)
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

    /**
     * Records this layout in {@code dataDir} on a broker's first start, and refuses a later start whose configuration
     * gives another one. Shards stay in the data group they were created in, so a cluster restarted with another
     * {@code groups.per.broker}, replication factor, cluster id or broker list would look for its data in groups that
     * no longer exist (or hold other shards). A data directory from before this file existed gets it on its next
     * start, unless its Raft storage holds groups this layout lacks (see {@link #refuseUnknownGroups}).
     *
     * @throws ConfigException naming the first setting that differs, with the value the directory was created with
     */
    public void pinTo(Path dataDir) throws IOException {
        Properties current = describe();
        Path file = dataDir.resolve(LAYOUT_FILE);
        if (!Files.exists(file)) {
            refuseUnknownGroups(dataDir);
            Files.createDirectories(dataDir);
            Path tmp = dataDir.resolve(LAYOUT_FILE + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                current.store(w, "the Raft layout this data directory was created with; every restart must match it");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Properties recorded = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            recorded.load(r);
        }
        for (String key : List.of("cluster.id", "peers", "replication.factor", "data.groups")) {
            String was = recorded.getProperty(key);
            String now = current.getProperty(key);
            if (was != null && !was.equals(now)) {
                String setting = key.equals("data.groups") ? BrokerConfig.GROUPS_PER_BROKER.key() : key;
                String detail = key.equals("data.groups")
                        ? groupCountText() + ", but " + dataDir + " was created with " + was
                                + " (groups.per.broker=" + recorded.getProperty("groups.per.broker") + ")"
                        : "is " + now + ", but " + dataDir + " was created with " + was;
                throw new ConfigException(setting, detail + ". Every broker keeps the layout its cluster was "
                        + "created with (shards live in the data group they were created in): restart with the old "
                        + "value, or start a new cluster in an empty data.dir");
            }
        }
    }

    /**
     * A data directory without the layout file but with Raft groups this layout lacks was created by an earlier
     * version with another layout (groups.per.broker defaulted to 4 then); starting would strand those groups' shards.
     */
    private void refuseUnknownGroups(Path dataDir) throws IOException {
        Path raftDir = BrokerRaft.storageDir(dataDir);
        if (!Files.isDirectory(raftDir)) {
            return;
        }
        Set<String> known = new HashSet<>();
        known.add(metadataGroup.getGroupId().getUuid().toString());
        dataGroups.forEach(g -> known.add(g.getGroupId().getUuid().toString()));
        List<String> unknown;
        try (Stream<Path> dirs = Files.list(raftDir)) {
            unknown = dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                    .filter(name -> !known.contains(name)).sorted().toList();
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(BrokerConfig.GROUPS_PER_BROKER.key(), groupCountText() + ", but " + raftDir
                    + " holds Raft groups this layout does not have (" + unknown
                    + "): it was created with another groups.per.broker, broker list, replication factor or "
                    + "cluster id (groups.per.broker defaulted to 4 before " + LAYOUT_FILE + " existed). Restart "
                    + "with the settings it was created with, or start a new cluster in an empty data.dir");
        }
    }

    private String groupCountText() {
        return "gives " + dataGroups.size() + " data group(s) (groups.per.broker=" + groupsPerBroker + " on "
                + peers.size() + " broker(s))";
    }

    private Properties describe() {
        Properties p = new Properties();
        p.setProperty("cluster.id", clusterId);
        p.setProperty("peers", peers.stream().map(PeerAddress::nodeId).collect(Collectors.joining(",")));
        p.setProperty("replication.factor", Integer.toString(replicationFactor));
        p.setProperty("groups.per.broker", Integer.toString(groupsPerBroker));
        p.setProperty("data.groups", Integer.toString(dataGroups.size()));
        return p;
    }
}
