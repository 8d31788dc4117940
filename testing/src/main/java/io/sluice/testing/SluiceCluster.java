package io.sluice.testing;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process cluster of real Sluice brokers on loopback, for tests: each broker with its own data directory, and
 * the means to kill, restart, wipe and pause brokers and to cut, delay and heal the links between them (see the
 * package documentation for how, and for what is and is not simulated).
 *
 * <pre>{@code
 * try (SluiceCluster c = SluiceCluster.start(tempDir, 3)) {
 *     c.awaitReady();
 *     c.streams(0).createStream(...);
 *     int leader = c.awaitLeaderOf("s", "shardId-000000000000");
 *     c.isolate(leader);
 *     ...
 *     c.healAll();
 * }
 * }</pre>
 *
 * <p>Brokers are numbered 0..size-1 (Raft peer ids {@code n1..nN}, unless another live cluster in the JVM holds
 * those: then {@code c<k>-n1..}). Clients reach broker {@code i} through its {@linkplain #clientEndpoint front door}
 * (a proxy that {@link #pause} holds); the brokers' peer lists name those front doors, so DescribeCluster answers and
 * NOT_LEADER errors lead clients there too. The fixture's own queries ({@link #leaderOf}, {@link #awaitReady}, ...)
 * use only the public gRPC API, straight to the brokers that are running and not paused.
 *
 * <p>Not thread-safe for changes (kill, restart, faults): drive it from the test's thread. Queries and stubs may be
 * used from any thread.
 */
public final class SluiceCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceCluster.class);
    /** Defaults for every broker, before the caller's overrides: small groups count, quick elections. */
    public static final Map<String, String> DEFAULTS = Map.of(
            "groups.per.broker", "2",
            "raft.election.timeout.min.ms", "500",
            "raft.election.timeout.max.ms", "1000");
    /** Settings the cluster sets per broker; overriding them is refused. */
    public static final Set<String> PER_BROKER_KEYS = Set.of("node.id", "data.dir", "client.address",
            "raft.address", "internal.address", "peers");
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
    private static final long QUERY_DEADLINE_MS = 3_000;
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private final Path root;
    private final Clock clock;
    private final int size;
    private final LinkFaults faults;
    private final List<String> nodeIds;
    private final BrokerConfig[] configs;
    /** Running brokers (null when stopped); read by the proxies' threads. */
    private final AtomicReferenceArray<Broker> brokers;
    private final int[] raftPorts;
    private final TcpProxy[] frontDoors;
    /** internal[i][j]: where broker i reaches broker j's internal listener. */
    private final TcpProxy[][] internal;
    private final ManagedChannel[] channels;
    /** Straight to each running broker's client port, for the fixture's own queries; replaced on restart. */
    private final AtomicReferenceArray<ManagedChannel> direct;
    private final List<ManagedChannel> extraChannels = new ArrayList<>();
    private boolean closed;

    private SluiceCluster(Path root, int size, Clock clock, Map<String, String> overrides) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, got " + size);
        }
        for (String key : overrides.keySet()) {
            if (PER_BROKER_KEYS.contains(key)) {
                throw new IllegalArgumentException(key + " is set per broker by SluiceCluster and cannot be "
                        + "overridden");
            }
        }
        this.root = root;
        this.clock = clock;
        this.size = size;
        this.faults = claimNodeIds(size);
        this.nodeIds = faults.nodeIds();
        this.configs = new BrokerConfig[size];
        this.brokers = new AtomicReferenceArray<>(size);
        this.raftPorts = new int[size];
        this.frontDoors = new TcpProxy[size];
        this.internal = new TcpProxy[size][size];
        this.channels = new ManagedChannel[size];
        this.direct = new AtomicReferenceArray<>(size);
        boolean started = false;
        try {
            for (int i = 0; i < size; i++) {
                int b = i;
                raftPorts[i] = freePort();
                frontDoors[i] = new TcpProxy(nodeIds.get(i) + "-client", () -> port(b, Broker::clientPort), faults,
                        new TcpProxy.Gate(() -> !faults.paused(b), () -> 0),
                        new TcpProxy.Gate(() -> !faults.paused(b), () -> 0));
            }
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < size; j++) {
                    int from = i;
                    int to = j;
                    internal[i][j] = new TcpProxy(nodeIds.get(i) + "-to-" + nodeIds.get(j) + "-internal",
                            () -> port(to, Broker::internalPort), faults,
                            new TcpProxy.Gate(() -> !faults.blocked(from, to), () -> faults.delayNanos(from, to)),
                            new TcpProxy.Gate(() -> !faults.paused(from) && !faults.paused(to), () -> 0));
                }
            }
            for (int i = 0; i < size; i++) {
                Map<String, String> settings = new HashMap<>(DEFAULTS);
                settings.putAll(overrides);
                settings.put("node.id", nodeIds.get(i));
                settings.put("data.dir", dataDir(i).toString());
                settings.put("client.address", "127.0.0.1:0");
                settings.put("raft.address", "127.0.0.1:" + raftPorts[i]);
                settings.put("internal.address", "127.0.0.1:0");
                settings.put("peers", peersAsSeenBy(i));
                configs[i] = BrokerConfig.of(settings);
            }
            for (int i = 0; i < size; i++) {
                startBroker(i);
            }
            started = true;
        } finally {
            if (!started) {
                close();
            }
        }
    }

    /** A cluster of {@code size} brokers under {@code root}, on the system clock, with {@link #DEFAULTS}. */
    public static SluiceCluster start(Path root, int size) throws IOException {
        return start(root, size, Clock.systemUTC(), Map.of());
    }

    /**
     * A cluster of {@code size} brokers under {@code root} (one directory per broker, named by its node id). Returns
     * once every broker serves its endpoints; call {@link #awaitReady()} before using the cluster.
     *
     * @param clock     what the brokers use for arrival times, retention and iterator expiry (Raft keeps real time)
     * @param overrides broker settings (docs/configuration.md) applied to every broker, over {@link #DEFAULTS};
     *                  {@link #PER_BROKER_KEYS} are refused
     */
    public static SluiceCluster start(Path root, int size, Clock clock, Map<String, String> overrides)
            throws IOException {
        return new SluiceCluster(root, size, clock, Map.copyOf(overrides));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Node ids: unique among the live clusters of this JVM, since Ratis's hooks are process-wide.

    private static LinkFaults claimNodeIds(int n) {
        for (int attempt = 0; ; attempt++) {
            String prefix = attempt == 0 ? "n" : "c" + CLUSTERS.incrementAndGet() + "-n";
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                ids.add(prefix + i);
            }
            LinkFaults f = new LinkFaults(ids);
            if (RatisLinkHooks.register(f)) {
                return f;
            }
        }
    }

    private String peersAsSeenBy(int i) {
        StringBuilder peers = new StringBuilder();
        for (int k = 0; k < size; k++) {
            if (k > 0) {
                peers.append(',');
            }
            // client: k's front door; raft: k's own port (Raft configurations carry it, so it must be the same
            // everywhere); internal: i's own proxy to k, so that links can be faulted per direction.
            peers.append(nodeIds.get(k))
                    .append("@127.0.0.1:").append(frontDoors[k].port())
                    .append("@127.0.0.1:").append(raftPorts[k])
                    .append("@127.0.0.1:").append(internal[i][k].port());
        }
        return peers.toString();
    }

    private void startBroker(int i) throws IOException {
        faults.stopping(i, false);
        Broker b = Broker.start(configs[i], clock);
        direct.set(i, NettyChannelBuilder.forAddress("127.0.0.1", b.clientPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build());
        brokers.set(i, b);
    }

    /** A running broker's port, or -1 (a proxy then refuses the connection). */
    private int port(int i, ToIntFunction<Broker> which) {
        Broker b = brokers.get(i);
        return b == null ? -1 : which.applyAsInt(b);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Brokers

    public int size() {
        return size;
    }

    /** Broker {@code i}'s node id (its Raft peer id), e.g. {@code n1} for broker 0. */
    public String nodeId(int i) {
        return nodeIds.get(i);
    }

    /** The broker index of a node id, or -1. */
    public int indexOf(String nodeId) {
        return nodeIds.indexOf(nodeId);
    }

    public Path dataDir(int i) {
        return root.resolve(nodeIds.get(i));
    }

    /** Broker {@code i}'s configuration (its peer list names the front doors and its own internal proxies). */
    public BrokerConfig config(int i) {
        return configs[i];
    }

    /** Whether broker {@code i} runs (it may be paused). */
    public boolean running(int i) {
        return brokers.get(i) != null;
    }

    public boolean paused(int i) {
        return faults.paused(i);
    }

    /**
     * Stops broker {@code i} at once; its data stays on disk. This is {@code Broker.close()}, an orderly stop rather
     * than a crash: listeners shut down, Ratis closes its logs and, by its default
     * ({@code raft.server.snapshot.trigger-when-stop.enabled}), may snapshot the groups on the way out (for SIGKILL
     * see the broker module's ProcessCluster). A paused broker is resumed first. Appends it holds on cut links are
     * dropped. Stopping a leader while its peers stay up takes a few seconds: Ratis waits up to 3 s per peer channel
     * for its streams to end.
     */
    public void kill(int i) {
        requireRunning(i);
        faults.pause(i, false);
        faults.stopping(i, true);
        Broker b = brokers.getAndSet(i, null);
        direct.getAndSet(i, null).shutdownNow();
        long t0 = System.nanoTime();
        b.close();
        LOG.info("killed {} ({} ms)", nodeId(i), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Starts stopped broker {@code i} again from its data directory (empty after {@link #wipe}), on the same Raft
     * port; clients and peers reach it at the same addresses as before (the proxies). Link faults stay as they were.
     */
    public void restart(int i) throws IOException {
        if (running(i)) {
            throw new IllegalStateException("broker " + i + " (" + nodeId(i) + ") is running; kill it first");
        }
        startBroker(i);
        LOG.info("restarted {}", nodeId(i));
    }

    /** Deletes every file of stopped broker {@code i}: a replacement machine with an empty disk. */
    public void wipe(int i) throws IOException {
        if (running(i)) {
            throw new IllegalStateException("kill broker " + i + " (" + nodeId(i) + ") before wiping it");
        }
        Path dir = dataDir(i);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        LOG.info("wiped {}", nodeId(i));
    }

    /**
     * Freezes broker {@code i} as its peers and clients see it, the way a SIGSTOPped process looks from outside: it
     * neither sends nor receives Raft traffic (requests either way are held or fail, as for a {@link #cut} link in
     * both directions), its internal listener and its client front door pass no byte either way (connections are
     * accepted and then hang), and nothing it tries to send to a peer's internal listener arrives.
     *
     * <p>Not simulated: the broker's own threads keep running. Its Raft timers fire, so a paused leader steps down
     * once its followers stop acknowledging and a paused follower keeps starting elections that reach nobody (a
     * stopped process notices nothing until it resumes, then finds itself behind). Its disk work (retention,
     * write-back, snapshots) continues, and Raft client-protocol calls it makes to forward a client's write to a group
     * leader are not held (see the package documentation). Requests already delivered when it was paused may still
     * be answered.
     */
    public void pause(int i) {
        requireRunning(i);
        faults.pause(i, true);
        LOG.info("paused {}", nodeId(i));
    }

    /** Lets paused broker {@code i} send and receive again; what was held is delivered. */
    public void resume(int i) {
        faults.pause(i, false);
        LOG.info("resumed {}", nodeId(i));
    }

    private void requireRunning(int i) {
        if (!running(i)) {
            throw new IllegalStateException("broker " + i + " (" + nodeId(i) + ") is not running");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Link faults

    /**
     * Cuts the link from broker {@code from} to broker {@code to}, one way: requests {@code from} sends to
     * {@code to} stop arriving (Raft appends and heartbeats are held until the link heals, votes and other Raft
     * requests fail at once, internal-listener traffic is held). Requests {@code to} sends to {@code from}, and their
     * replies, still flow. Survives restarts of either broker until healed.
     */
    public void cut(int from, int to) {
        checkLink(from, to);
        faults.cut(from, to, true);
        LOG.info("cut {} -> {}", nodeId(from), nodeId(to));
    }

    /**
     * Delays every request broker {@code from} sends to {@code to} by {@code delay} (replaces an earlier delay;
     * {@link Duration#ZERO} removes it). Raft requests wait on the sending thread, so one Raft stream sends at most
     * one batch per {@code delay}: a slow link, not only a long one. Install-snapshot notifications are not delayed.
     */
    public void delay(int from, int to, Duration delay) {
        checkLink(from, to);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay " + delay);
        }
        faults.delay(from, to, delay);
        LOG.info("delay {} -> {}: {} ms", nodeId(from), nodeId(to), delay.toMillis());
    }

    /** Removes the cut and the delay of the link from {@code from} to {@code to}; held requests are delivered. */
    public void heal(int from, int to) {
        checkLink(from, to);
        faults.heal(from, to);
        LOG.info("healed {} -> {}", nodeId(from), nodeId(to));
    }

    /** Removes every cut and delay (pauses stay). */
    public void healAll() {
        faults.healAll();
        LOG.info("healed every link");
    }

    /** Cuts every link between broker {@code i} and the others, both ways. Clients still reach it. */
    public void isolate(int i) {
        for (int j = 0; j < size; j++) {
            if (j != i) {
                faults.cut(i, j, true);
                faults.cut(j, i, true);
            }
        }
        LOG.info("isolated {}", nodeId(i));
    }

    public boolean isCut(int from, int to) {
        return faults.isCut(from, to);
    }

    /**
     * Bytes broker {@code from} has sent to broker {@code to}'s internal listener (replica catch-up: FetchSnapshot,
     * FetchShardRecords requests), counted by the proxy between them since the cluster started.
     */
    public long internalBytesSent(int from, int to) {
        return internal[from][to].forwardBytes();
    }

    private void checkLink(int from, int to) {
        if (from == to || from < 0 || to < 0 || from >= size || to >= size) {
            throw new IllegalArgumentException("no link from " + from + " to " + to + " in a cluster of " + size);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Clients

    /** host:port of broker {@code i}'s client front door. */
    public String clientEndpoint(int i) {
        return "127.0.0.1:" + frontDoors[i].port();
    }

    /** Every broker's client endpoint, in broker order (to bootstrap an SDK client from). */
    public List<String> clientEndpoints() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(clientEndpoint(i));
        }
        return out;
    }

    /** A channel to broker {@code i}'s front door, shared, closed with the cluster. */
    public synchronized ManagedChannel channel(int i) {
        if (channels[i] == null) {
            channels[i] = newChannel(i);
        }
        return channels[i];
    }

    /** A new channel to broker {@code i}'s front door, closed with the cluster. */
    public synchronized ManagedChannel newChannel(int i) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", frontDoors[i].port()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        extraChannels.add(ch);
        return ch;
    }

    /** A Streams stub on {@link #channel(int)} whose deadline is 60 s from now. */
    public StreamsGrpc.StreamsBlockingStub streams(int i) {
        return StreamsGrpc.newBlockingStub(channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** A Cluster stub on {@link #channel(int)} whose deadline is 60 s from now. */
    public ClusterGrpc.ClusterBlockingStub clusterStub(int i) {
        return ClusterGrpc.newBlockingStub(channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /**
     * Every record of a shard, from TRIM_HORIZON to the newest, read through broker {@code i}'s front door. Only the
     * leader of the shard's group serves reads: elsewhere this fails with NOT_LEADER (gRPC UNAVAILABLE).
     */
    public List<Record> readShard(int i, String stream, String shardId) {
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

    // ------------------------------------------------------------------------------------------------------------
    // Leaders and readiness, through the public API

    /** Running brokers that are not paused. */
    public List<Integer> reachable() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (running(i) && !paused(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** The fixture's own channel straight to running broker {@code i}'s client port. */
    private ManagedChannel directChannel(int i) {
        ManagedChannel ch = direct.get(i);
        if (ch == null) {
            throw new IllegalStateException("broker " + i + " (" + nodeId(i) + ") is not running");
        }
        return ch;
    }

    /** Broker {@code i}'s DescribeCluster answer, straight to it (not through its front door). */
    public DescribeClusterResponse describe(int i) {
        return ClusterGrpc.newBlockingStub(directChannel(i)).withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .describeCluster(DescribeClusterRequest.getDefaultInstance());
    }

    /** The answers of every reachable broker that answers. */
    private Map<Integer, DescribeClusterResponse> describeReachable() {
        Map<Integer, DescribeClusterResponse> out = new LinkedHashMap<>();
        for (int i : reachable()) {
            try {
                out.put(i, describe(i));
            } catch (StatusRuntimeException | IllegalStateException e) {
                // not answering (starting, stopping): left out
            }
        }
        return out;
    }

    /** The replication group ("group-N") that stores a shard, from ListShards. */
    public String groupOf(String stream, String shardId) {
        RuntimeException last = null;
        for (int i : reachable()) {
            try {
                ListShardsRequest.Builder req = ListShardsRequest.newBuilder().setStreamName(stream);
                String next = "";
                do {
                    var resp = StreamsGrpc.newBlockingStub(directChannel(i))
                            .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                            .listShards(next.isEmpty() ? req.build()
                                    : ListShardsRequest.newBuilder().setNextToken(next).build());
                    for (Shard s : resp.getShardsList()) {
                        if (s.getShardId().equals(shardId)) {
                            return s.getReplicationGroup();
                        }
                    }
                    next = resp.getNextToken();
                } while (!next.isEmpty());
                throw new IllegalArgumentException("stream " + stream + " has no shard " + shardId);
            } catch (StatusRuntimeException | IllegalStateException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no reachable broker listed the shards of " + stream, last);
    }

    /** The brokers that replicate {@code group}, as the reachable brokers describe it. */
    public List<Integer> membersOf(String group) {
        for (DescribeClusterResponse r : describeReachable().values()) {
            GroupInfo g = group(r, group);
            if (g != null) {
                return g.getMemberNodeIdsList().stream().map(this::indexOf).toList();
            }
        }
        throw new IllegalStateException("no reachable broker described group " + group);
    }

    /**
     * The broker that leads a shard's replication group and serves the shard now: the group's settled leader
     * ({@link #leaderOfGroup}) once it answers GetShardIterator for the shard (a leader just elected answers
     * NOT_LEADER naming itself until it has committed an entry of its term). Empty otherwise.
     */
    public OptionalInt leaderOf(String stream, String shardId) {
        OptionalInt leader = leaderOfGroup(groupOf(stream, shardId));
        if (leader.isEmpty()) {
            return leader;
        }
        try {
            StreamsGrpc.newBlockingStub(directChannel(leader.getAsInt()))
                    .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream).setShardId(shardId)
                            .setShardIteratorType(ShardIteratorType.LATEST).build());
            return leader;
        } catch (StatusRuntimeException | IllegalStateException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The leader of {@code group} now, if settled: the broker that a majority of the group's members name as leader
     * in their DescribeCluster answers, itself included (a deposed leader that has not noticed yet names itself, but
     * the majority does not). Empty during an election, or when too few members answer. Just elected, it may not
     * serve yet for a moment (see {@link #leaderOf}).
     */
    public OptionalInt leaderOfGroup(String group) {
        return agreedLeader(describeReachable(), group);
    }

    private OptionalInt agreedLeader(Map<Integer, DescribeClusterResponse> answers, String group) {
        Map<String, Integer> votes = new HashMap<>();
        Map<String, String> selfView = new HashMap<>();
        int members = 0;
        for (Map.Entry<Integer, DescribeClusterResponse> e : answers.entrySet()) {
            GroupInfo g = group(e.getValue(), group);
            if (g == null || !g.getMemberNodeIdsList().contains(nodeId(e.getKey()))) {
                continue;
            }
            members = g.getMemberNodeIdsCount();
            selfView.put(nodeId(e.getKey()), g.getLeaderNodeId());
            if (!g.getLeaderNodeId().isEmpty()) {
                votes.merge(g.getLeaderNodeId(), 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> v : votes.entrySet()) {
            if (v.getValue() > members / 2 && v.getKey().equals(selfView.get(v.getKey()))) {
                return OptionalInt.of(indexOf(v.getKey()));
            }
        }
        return OptionalInt.empty();
    }

    private static GroupInfo group(DescribeClusterResponse r, String name) {
        for (GroupInfo g : r.getGroupsList()) {
            if (g.getGroupName().equals(name)) {
                return g;
            }
        }
        return null;
    }

    /** Waits (up to 60 s) until the shard has a leader that serves it ({@link #leaderOf}), and returns it. */
    public int awaitLeaderOf(String stream, String shardId) {
        return await("a leader of shard " + shardId + " of " + stream)
                .until(() -> leaderOf(stream, shardId), OptionalInt::isPresent).getAsInt();
    }

    /**
     * Waits (up to 60 s) until the cluster serves: every reachable broker answers, every replication group has a
     * settled leader ({@link #leaderOfGroup}), and every reachable broker has applied the cluster's initialization
     * (its shared secrets: before that, reads fail with UNAVAILABLE). Killed and paused brokers are not waited for.
     */
    public void awaitReady() {
        awaitReady(DEFAULT_WAIT);
    }

    public void awaitReady(Duration atMost) {
        await("the cluster to be ready").atMost(atMost).until(this::ready);
    }

    private boolean ready() {
        Map<Integer, DescribeClusterResponse> answers = describeReachable();
        if (answers.size() < reachable().size() || answers.isEmpty()) {
            return false;
        }
        for (GroupInfo g : answers.values().iterator().next().getGroupsList()) {
            if (agreedLeader(answers, g.getGroupName()).isEmpty()) {
                return false;
            }
        }
        for (int i : answers.keySet()) {
            if (!initialized(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether broker {@code i} has applied the cluster's initialization: GetRecords decodes the iterator before
     * anything else, and answers UNAVAILABLE ("the cluster is still starting") until the broker knows the cluster's
     * iterator secret; a junk iterator is then INVALID_ARGUMENT.
     */
    private boolean initialized(int i) {
        try {
            StreamsGrpc.newBlockingStub(directChannel(i)).withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getRecords(GetRecordsRequest.newBuilder().setShardIterator("sluice-testing-probe").build());
            return true;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT;
        }
    }

    /**
     * Waits (up to 60 s) until broker {@code i} has applied, in every group it replicates, everything the group's
     * leader had committed when looked at: a broker that is back from a kill, wipe, pause or cut link has caught up.
     */
    public void awaitCaughtUp(int i) {
        awaitCaughtUp(i, DEFAULT_WAIT);
    }

    public void awaitCaughtUp(int i, Duration atMost) {
        await("broker " + i + " (" + nodeId(i) + ") to catch up").atMost(atMost).until(() -> caughtUp(i));
    }

    private boolean caughtUp(int i) {
        if (!running(i) || paused(i)) {
            return false;
        }
        Map<Integer, DescribeClusterResponse> answers = describeReachable();
        DescribeClusterResponse mine = answers.get(i);
        if (mine == null) {
            return false;
        }
        Map<String, Long> committed = new HashMap<>();
        for (GroupInfo g : mine.getGroupsList()) {
            if (!g.getMemberNodeIdsList().contains(nodeId(i))) {
                continue;
            }
            OptionalInt leader = agreedLeader(answers, g.getGroupName());
            if (leader.isEmpty()) {
                LOG.debug("{} not caught up: no settled leader of {}", nodeId(i), g.getGroupName());
                return false;
            }
            committed.put(g.getGroupName(), group(answers.get(leader.getAsInt()), g.getGroupName()).getCommitIndex());
        }
        DescribeClusterResponse after = describe(i); // asked after the leaders: what they had committed is older
        for (Map.Entry<String, Long> c : committed.entrySet()) {
            if (group(after, c.getKey()).getAppliedIndex() < c.getValue()) {
                LOG.debug("{} not caught up: applied {} of {}, committed {}", nodeId(i),
                        group(after, c.getKey()).getAppliedIndex(), c.getKey(), c.getValue());
                return false;
            }
        }
        return true;
    }

    private static org.awaitility.core.ConditionFactory await(String what) {
        return org.awaitility.Awaitility.await(what).atMost(DEFAULT_WAIT).pollInterval(Duration.ofMillis(50))
                .pollDelay(Duration.ZERO).ignoreExceptions();
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Heals every link, resumes paused brokers, stops every broker and proxy. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        faults.healAll();
        for (int i = 0; i < size; i++) {
            faults.pause(i, false);
        }
        for (ManagedChannel ch : extraChannels) {
            ch.shutdownNow();
        }
        for (int i = 0; i < size; i++) {
            ManagedChannel ch = direct.getAndSet(i, null);
            if (ch != null) {
                ch.shutdownNow();
            }
        }
        // In parallel: each close waits for Ratis to shut its channels down.
        List<Thread> closing = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Broker b = brokers.getAndSet(i, null);
            if (b == null) {
                continue;
            }
            faults.stopping(i, true);
            String id = nodeId(i);
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    b.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing {} failed", id, e);
                }
                LOG.info("closed {} ({} ms)", id, (System.nanoTime() - t0) / 1_000_000);
            }, "sluice-cluster-close-" + id);
            t.start();
            closing.add(t);
        }
        for (Thread t : closing) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (TcpProxy p : frontDoors) {
            if (p != null) {
                p.close();
            }
        }
        for (TcpProxy[] row : internal) {
            for (TcpProxy p : row) {
                if (p != null) {
                    p.close();
                }
            }
        }
        RatisLinkHooks.unregister(faults);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("SluiceCluster[");
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ", ").append(nodeId(i)).append(running(i) ? (paused(i) ? " paused" : "") : " down");
        }
        return b.append(']').toString();
    }
}
