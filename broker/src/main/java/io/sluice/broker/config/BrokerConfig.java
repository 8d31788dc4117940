package io.sluice.broker.config;

import io.sluice.common.Limits;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
    public static final Setting<Path> DATA_DIR = new Setting<>("data.dir", "a path", "./data", Path::of, p -> true,
            "any path", "Directory for Raft logs, snapshots and shard data; created if missing.");
    public static final Setting<HostPort> CLIENT_ADDRESS = new Setting<>("client.address", "host:port",
            "127.0.0.1:7700", HostPort::parse, h -> true, "host:port, port 0 picks a free one",
            "Where the broker serves the sluice.v1 gRPC API.");
    public static final Setting<HostPort> RAFT_ADDRESS = new Setting<>("raft.address", "host:port",
            "127.0.0.1:7800", HostPort::parse, h -> true, "host:port, port 0 picks a free one (single broker only)",
            "Where the broker's Raft server listens for its peers.");
    public static final Setting<List<PeerAddress>> PEERS = new Setting<>("peers",
            "a comma-separated list of id@clientHost:port@raftHost:port", "", BrokerConfig::parsePeers,
            l -> true, "empty for a single broker", "The static list of every broker in the cluster, this one included.");
    public static final Setting<Integer> GROUPS_PER_BROKER = Setting.ofInt("groups.per.broker", 1, 1, 64,
            "Replication groups each broker hosts a replica of; the cluster has ceil(brokers * this / "
                    + "replication.factor) data groups. Every group costs threads and a stream of Raft entries per "
                    + "replica, so 1 suits brokers that share a few cores; on dedicated machines about the cores of "
                    + "one broker spreads leaders and apply work. Fixed for the life of a data.dir.");
    public static final Setting<Integer> REPLICATION_FACTOR = Setting.ofInt("replication.factor", 3, 1, 7,
            "Replicas of each group (and of the metadata group), capped at the number of brokers.");
    public static final Setting<Durability> DURABILITY = new Setting<>("durability", "fsync|replication", "fsync",
            s -> Durability.valueOf(s.toUpperCase()), d -> true, "fsync or replication",
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
            RAFT_ADDRESS, PEERS, GROUPS_PER_BROKER, REPLICATION_FACTOR, DURABILITY, RECORD_MAX_BYTES,
            PARTITION_KEY_MAX_CHARS, PUT_RECORDS_MAX_COUNT, PUT_RECORDS_MAX_BYTES, GET_RECORDS_MAX_COUNT,
            GET_RECORDS_MAX_BYTES, STREAM_MAX_SHARDS, ITERATOR_LIFETIME_MS, ELECTION_TIMEOUT_MIN_MS,
            ELECTION_TIMEOUT_MAX_MS, ENTRY_MAX_BYTES, ENTRIES_IN_FLIGHT, SNAPSHOT_THRESHOLD_ENTRIES,
            LOG_SEGMENT_MAX_BYTES, LOG_PURGE_GAP, RETENTION_CHECK_INTERVAL_MS);

    private final Map<Setting<?>, Object> values;

    private BrokerConfig(Map<Setting<?>, Object> values) {
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
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

    /** Every broker of the cluster, this one included; just this one when no peers are configured. */
    public List<PeerAddress> peers() {
        List<PeerAddress> configured = get(PEERS);
        return configured.isEmpty() ? List.of(new PeerAddress(nodeId(), clientAddress(), raftAddress())) : configured;
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
        return parse(values, Map.of());
    }

    /**
     * Loads {@code file} (if not null), then applies environment overrides and then {@code overrides}.
     *
     * @throws ConfigException naming the key of the first bad value, or an unknown key
     */
    public static BrokerConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> raw.put(k, p.getProperty(k)));
        }
        for (Setting<?> s : SETTINGS) {
            String v = env.get(s.envName());
            if (v != null) {
                raw.put(s.key(), v);
            }
        }
        raw.putAll(overrides);
        return parse(raw, env);
    }

    private static BrokerConfig parse(Map<String, String> raw, Map<String, String> env) {
        Set<String> known = new HashSet<>();
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            known.add(s.key());
            String text = raw.getOrDefault(s.key(), s.defaultText());
            values.put(s, s.parse(text));
        }
        for (String k : raw.keySet()) {
            if (!known.contains(k)) {
                throw new ConfigException(k, "unknown setting (see docs/configuration.md for the list)");
            }
        }
        BrokerConfig c = new BrokerConfig(values);
        c.validateTogether();
        return c;
    }

    private void validateTogether() {
        if (get(ELECTION_TIMEOUT_MAX_MS) <= get(ELECTION_TIMEOUT_MIN_MS)) {
            throw new ConfigException(ELECTION_TIMEOUT_MAX_MS.key(), "must be greater than "
                    + ELECTION_TIMEOUT_MIN_MS.key() + " (" + get(ELECTION_TIMEOUT_MIN_MS) + ")");
        }
        if (get(ENTRY_MAX_BYTES) < get(PUT_RECORDS_MAX_BYTES) + (64 << 10)) {
            throw new ConfigException(ENTRY_MAX_BYTES.key(), "must be at least " + PUT_RECORDS_MAX_BYTES.key()
                    + " + 64 KiB (" + (get(PUT_RECORDS_MAX_BYTES) + (64 << 10)) + ")");
        }
        if (get(RECORD_MAX_BYTES) > get(PUT_RECORDS_MAX_BYTES)) {
            throw new ConfigException(RECORD_MAX_BYTES.key(), "must not exceed " + PUT_RECORDS_MAX_BYTES.key());
        }
        List<PeerAddress> peers = get(PEERS);
        if (!peers.isEmpty()) {
            Set<String> ids = new HashSet<>();
            PeerAddress self = null;
            for (PeerAddress p : peers) {
                if (!ids.add(p.nodeId())) {
                    throw new ConfigException(PEERS.key(), "node id " + p.nodeId() + " appears twice");
                }
                if (p.nodeId().equals(nodeId())) {
                    self = p;
                }
            }
            if (self == null) {
                throw new ConfigException(PEERS.key(), "must include this broker's " + NODE_ID.key() + " ("
                        + nodeId() + ")");
            }
            for (PeerAddress p : peers) {
                if (p.client().port() == 0 || p.raft().port() == 0) {
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
        StringBuilder sb = new StringBuilder("| key | environment | type | default | valid | meaning |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Setting<?> s : SETTINGS) {
            sb.append("| `").append(s.key()).append("` | `").append(s.envName()).append("` | ").append(s.type())
                    .append(" | `").append(s.defaultText()).append("` | ").append(s.validText()).append(" | ")
                    .append(s.doc()).append(" |\n");
        }
        return sb.toString();
    }

    /** Copies this config with some keys replaced; for tests and the in-process cluster fixture. */
    public BrokerConfig with(Map<String, String> changes) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            raw.put(s.key(), render(s));
        }
        raw.putAll(changes);
        return parse(raw, Map.of());
    }

    private String render(Setting<?> s) {
        Object v = values.get(s);
        if (v instanceof List<?> l) {
            return String.join(",", l.stream().map(Object::toString).toList());
        }
        return v instanceof Durability d ? d.name().toLowerCase() : v.toString();
    }
}
