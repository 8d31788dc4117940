package io.sluice.broker.config;

import io.sluice.common.Limits;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigValues;
import io.sluice.common.config.HostPort;
import io.sluice.common.config.Setting;
import io.sluice.common.config.SettingsTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;

/**
 * A broker's configuration, parsed once from a properties file, environment variables ({@code SLUICE_NODE_ID} for
 * {@code node.id}) and command-line overrides ({@code --node.id=n2}), in increasing precedence, and validated as a
 * whole before the broker starts. Immutable.
 */
public final class BrokerConfig {
    public enum Durability {
        /** Acknowledge after a majority has the entry fsync'd to its Raft log (the default). */
        FSYNC,
        /** Acknowledge after a majority has the entry in its Raft log, before fsync: survives process crashes but not
         * the loss of power on a majority. */
        REPLICATION
    }

    public static final Setting<String> NODE_ID = Setting.ofString("node.id", "n1",
            s -> s.matches("[a-zA-Z0-9_-]{1,64}"), "[a-zA-Z0-9_-]{1,64}", "This broker's id; must appear in peers when peers is set.");
    public static final Setting<String> CLUSTER_ID = Setting.ofString("cluster.id", "sluice",
            s -> s.matches("[a-zA-Z0-9_-]{1,64}"), "[a-zA-Z0-9_-]{1,64}", "Names the cluster; every broker of one cluster must agree.");
    public static final Setting<Path> DATA_DIR = Setting.of("data.dir", "a path", "./data", Path::of, p -> true,
            "any path", "Directory for Raft logs, snapshots and shard data; created if missing.");
    public static final Setting<HostPort> CLIENT_ADDRESS = Setting.ofAddress("client.address",
            "127.0.0.1:7700", "host:port, port 0 picks a free one",
            "Where the broker serves the sluice.v1 gRPC API.");
    public static final Setting<HostPort> RAFT_ADDRESS = Setting.ofAddress("raft.address",
            "127.0.0.1:7800", "host:port, port 0 picks a free one (single broker only)",
            "Where the broker's Raft server listens for its peers.");
    public static final Setting<Optional<HostPort>> INTERNAL_ADDRESS = Setting.of("internal.address", "host:port",
            "", s -> s.isEmpty() ? Optional.empty() : Optional.of(HostPort.parse(s)), h -> true,
            "host:port, or empty for this broker's entry in peers",
            "Where the broker listens for broker-to-broker RPCs (replica catch-up), never on the client address; "
                    + "only brokers need to reach it. Empty: the internal address of this broker's own entry in "
                    + "peers. Set it when the listener binds elsewhere than peers advertise (a proxy, 0.0.0.0). Not "
                    + "opened by a single broker (no peers).");
    public static final Setting<List<PeerAddress>> PEERS = Setting.of("peers",
            "a comma-separated list of id@clientHost:port@raftHost:port@internalHost:port", "",
            BrokerConfig::parsePeers, l -> true, "empty for a single broker",
            "The static list of every broker in the cluster, this one included.");
    public static final Setting<Integer> GROUPS_PER_BROKER = Setting.ofInt("groups.per.broker", 1, 1, 64,
            "Replication groups each broker hosts a replica of; the cluster has ceil(brokers * this / "
                    + "replication.factor) data groups. Every group costs threads and a stream of Raft entries per "
                    + "replica, so 1 suits brokers that share a few cores; on dedicated machines about the cores of "
                    + "one broker spreads leaders and apply work. Fixed for the life of a data.dir.");
    public static final Setting<Integer> REPLICATION_FACTOR = Setting.ofInt("replication.factor", 3, 1, 7,
            "Replicas of each group (and of the metadata group), capped at the number of brokers.");
    public static final Setting<Durability> DURABILITY = Setting.ofEnum("durability", Durability.class, Durability.FSYNC,
            "fsync: acknowledge only when a majority fsync'd the entry; replication: when a majority has it, unsynced.");
    public static final Setting<Integer> RECORD_MAX_BYTES = Setting.ofInt("limits.record.max.bytes", 1 << 20, 1,
            64 << 20, "Largest record (data + UTF-8 partition key), bytes.");
    public static final Setting<Integer> PARTITION_KEY_MAX_CHARS = Setting.ofInt("limits.partition.key.max.chars",
            256, 1, 4096, "Longest partition key, Unicode characters.");
    public static final Setting<Integer> PUT_RECORDS_MAX_COUNT = Setting.ofInt("limits.put.records.max.count", 500,
            1, 100_000, "Most records in one PutRecords call.");
    public static final Setting<Integer> PUT_RECORDS_MAX_BYTES = Setting.ofInt("limits.put.records.max.bytes",
            5 << 20, 1, 256 << 20, "Largest PutRecords call (data + partition keys), bytes.");
    public static final Setting<Integer> GET_RECORDS_MAX_COUNT = Setting.ofInt("limits.get.records.max.count",
            10_000, 1, 1_000_000, "Most records one GetRecords call returns.");
    public static final Setting<Integer> GET_RECORDS_MAX_BYTES = Setting.ofInt("limits.get.records.max.bytes",
            10 << 20, 1, 256 << 20, "Most bytes (data + keys) one GetRecords call returns.");
    public static final Setting<Integer> STREAM_MAX_SHARDS = Setting.ofInt("limits.stream.max.shards", 1000, 1,
            100_000, "Most shards in one stream.");
    public static final Setting<Long> ITERATOR_LIFETIME_MS = Setting.ofLong("limits.iterator.lifetime.ms", 300_000,
            1_000, 86_400_000, "How long a shard iterator stays valid, ms.");
    public static final Setting<Long> ELECTION_TIMEOUT_MIN_MS = Setting.ofLong("raft.election.timeout.min.ms", 1000,
            50, 60_000, "Lower bound of the randomized Raft election timeout, ms.");
    public static final Setting<Long> ELECTION_TIMEOUT_MAX_MS = Setting.ofLong("raft.election.timeout.max.ms", 2000,
            100, 120_000, "Upper bound of the randomized Raft election timeout, ms; > the minimum.");
    public static final Setting<Integer> ENTRY_MAX_BYTES = Setting.ofInt("raft.entry.max.bytes", 8 << 20, 64 << 10,
            64 << 20, "Largest Raft entry group commit builds; >= limits.put.records.max.bytes.");
    public static final Setting<Integer> ENTRIES_IN_FLIGHT = Setting.ofInt("raft.entries.in.flight", 4, 1, 64,
            "Raft entries one group may have submitted but not yet committed.");
    public static final Setting<Long> SNAPSHOT_THRESHOLD_ENTRIES = Setting.ofLong("raft.snapshot.threshold.entries",
            4096, 16, 100_000_000, "Take a snapshot (and let the Raft log be purged) after this many entries.");
    public static final Setting<Integer> LOG_SEGMENT_MAX_BYTES = Setting.ofInt("raft.log.segment.max.bytes",
            32 << 20, 8 << 10, 1 << 30, "Size at which a Raft log segment is closed; only closed segments are "
                    + "purged after a snapshot.");
    public static final Setting<Long> RETENTION_CHECK_INTERVAL_MS = Setting.ofLong("retention.check.interval.ms",
            60_000, 100, 24 * 3_600_000L, "How often shard logs drop roll cycles older than their stream's "
                    + "retention period.");
    public static final Setting<Integer> LOG_PURGE_GAP = Setting.ofInt("raft.log.purge.gap", 1024, 1, 1 << 30,
            "Purge the Raft log only when that frees at least this many entries.");

    public static final List<Setting<?>> SETTINGS = List.of(NODE_ID, CLUSTER_ID, DATA_DIR, CLIENT_ADDRESS,
            RAFT_ADDRESS, INTERNAL_ADDRESS, PEERS, GROUPS_PER_BROKER, REPLICATION_FACTOR, DURABILITY,
            RECORD_MAX_BYTES, PARTITION_KEY_MAX_CHARS, PUT_RECORDS_MAX_COUNT, PUT_RECORDS_MAX_BYTES,
            GET_RECORDS_MAX_COUNT, GET_RECORDS_MAX_BYTES, STREAM_MAX_SHARDS, ITERATOR_LIFETIME_MS,
            ELECTION_TIMEOUT_MIN_MS, ELECTION_TIMEOUT_MAX_MS, ENTRY_MAX_BYTES, ENTRIES_IN_FLIGHT,
            SNAPSHOT_THRESHOLD_ENTRIES, LOG_SEGMENT_MAX_BYTES, LOG_PURGE_GAP, RETENTION_CHECK_INTERVAL_MS);

    /** The broker's one declaration table: parsing, the environment and flags, --help and the docs reference. */
    public static final SettingsTable TABLE = new SettingsTable("sluice-broker", "SLUICE_", "docs/configuration.md",
            SETTINGS, BrokerConfig::validateTogether);

    private final ConfigValues values;

    private BrokerConfig(ConfigValues values) {
        this.values = values;
    }

    public <T> T get(Setting<T> setting) {
        return values.get(setting);
    }

    public String nodeId() {
        return get(NODE_ID);
    }

    public Path dataDir() {
        return get(DATA_DIR);
    }

    public HostPort clientAddress() {
        return get(CLIENT_ADDRESS);
    }

    public HostPort raftAddress() {
        return get(RAFT_ADDRESS);
    }

    /** Where the internal listener binds: {@code internal.address}, else this broker's own peer entry's. */
    public HostPort internalAddress() {
        Optional<HostPort> explicit = get(INTERNAL_ADDRESS);
        if (explicit.isPresent()) {
            return explicit.get();
        }
        for (PeerAddress p : get(PEERS)) {
            if (p.nodeId().equals(nodeId())) {
                return p.internal();
            }
        }
        return DEFAULT_INTERNAL_ADDRESS;
    }

    /** The internal address of a broker without peers (which opens no internal listener). */
    private static final HostPort DEFAULT_INTERNAL_ADDRESS = new HostPort("127.0.0.1", 7850);

    /** Every broker of the cluster, this one included; just this one when no peers are configured. */
    public List<PeerAddress> peers() {
        List<PeerAddress> configured = get(PEERS);
        return configured.isEmpty() ? List.of(new PeerAddress(nodeId(), clientAddress(), raftAddress(),
                internalAddress())) : configured;
    }

    public int replicationFactor() {
        return Math.min(get(REPLICATION_FACTOR), peers().size());
    }

    public Durability durability() {
        return get(DURABILITY);
    }

    public Limits limits() {
        return new Limits(get(RECORD_MAX_BYTES), get(PARTITION_KEY_MAX_CHARS), get(PUT_RECORDS_MAX_COUNT),
                get(PUT_RECORDS_MAX_BYTES), get(GET_RECORDS_MAX_COUNT), get(GET_RECORDS_MAX_BYTES),
                get(STREAM_MAX_SHARDS), Duration.ofMillis(get(ITERATOR_LIFETIME_MS)));
    }

    /** Builds a config from explicit values only (defaults for the rest); for tests and embedding. */
    public static BrokerConfig of(Map<String, String> values) {
        return new BrokerConfig(TABLE.of(values));
    }

    /**
     * Loads {@code file} (if not null), then applies environment overrides and then {@code overrides}.
     *
     * @throws ConfigException naming the key of the first bad value, or an unknown key
     */
    public static BrokerConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        return new BrokerConfig(TABLE.load(file, env, overrides));
    }

    /** Wraps values parsed from {@link #TABLE} (by the launcher). */
    public static BrokerConfig of(ConfigValues values) {
        if (values.table() != TABLE) {
            throw new IllegalArgumentException("values of " + values.table().processName() + ", not of the broker");
        }
        return new BrokerConfig(values);
    }

    private static void validateTogether(ConfigValues c) {
        if (c.get(ELECTION_TIMEOUT_MAX_MS) <= c.get(ELECTION_TIMEOUT_MIN_MS)) {
            throw new ConfigException(ELECTION_TIMEOUT_MAX_MS.key(), "must be greater than "
                    + ELECTION_TIMEOUT_MIN_MS.key() + " (" + c.get(ELECTION_TIMEOUT_MIN_MS) + ")");
        }
        if (c.get(ENTRY_MAX_BYTES) < c.get(PUT_RECORDS_MAX_BYTES) + (64 << 10)) {
            throw new ConfigException(ENTRY_MAX_BYTES.key(), "must be at least " + PUT_RECORDS_MAX_BYTES.key()
                    + " + 64 KiB (" + (c.get(PUT_RECORDS_MAX_BYTES) + (64 << 10)) + ")");
        }
        if (c.get(RECORD_MAX_BYTES) > c.get(PUT_RECORDS_MAX_BYTES)) {
            throw new ConfigException(RECORD_MAX_BYTES.key(), "must not exceed " + PUT_RECORDS_MAX_BYTES.key());
        }
        List<PeerAddress> peers = c.get(PEERS);
        if (!peers.isEmpty()) {
            Set<String> ids = new HashSet<>();
            PeerAddress self = null;
            for (PeerAddress p : peers) {
                if (!ids.add(p.nodeId())) {
                    throw new ConfigException(PEERS.key(), "node id " + p.nodeId() + " appears twice");
                }
                if (p.nodeId().equals(c.get(NODE_ID))) {
                    self = p;
                }
            }
            if (self == null) {
                throw new ConfigException(PEERS.key(), "must include this broker's " + NODE_ID.key() + " ("
                        + c.get(NODE_ID) + ")");
            }
            for (PeerAddress p : peers) {
                if (p.client().port() == 0 || p.raft().port() == 0 || p.internal().port() == 0) {
                    throw new ConfigException(PEERS.key(), "ports must be fixed (not 0) in a peer list: " + p);
                }
            }
        }
    }

    private static List<PeerAddress> parsePeers(String text) {
        List<PeerAddress> out = new ArrayList<>();
        if (text.isBlank()) {
            return List.of();
        }
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(PeerAddress.parse(part));
            }
        }
        return List.copyOf(out);
    }

    /** The configuration reference, as Markdown, generated from {@link #SETTINGS}. */
    public static String referenceMarkdown() {
        return TABLE.referenceMarkdown();
    }

    /** Copies this config with some keys replaced; for tests and the in-process cluster fixture. */
    public BrokerConfig with(Map<String, String> changes) {
        return new BrokerConfig(values.with(changes));
    }
}
