package io.sluice.testing;

import io.grpc.ManagedChannel;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
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
 *
 * <p>The module's entry point; the work is done by role, in package-private classes: {@code BrokerSlot} (one broker's
 * place: ports, configuration, start and stop), {@code ClusterLinks} (node ids, proxies and faults),
 * {@code ClusterClients} (channels to the front doors), {@code ClusterQueries} (what the fixture asks the brokers and
 * waits for).
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

    private final Clock clock;
    private final int size;
    private final ClusterLinks links;
    private final List<BrokerSlot> slots = new ArrayList<>();
    private final ClusterQueries queries;
    private final ClusterClients clients;
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
        this.clock = clock;
        this.size = size;
        this.links = new ClusterLinks(size);
        this.queries = new ClusterQueries(slots, links);
        this.clients = new ClusterClients(links, size);
        boolean started = false;
        try {
            for (int i = 0; i < size; i++) {
                slots.add(new BrokerSlot(i, links.nodeId(i), root.resolve(links.nodeId(i))));
            }
            links.openProxies(slots);
            Map<String, String> shared = new HashMap<>(DEFAULTS);
            shared.putAll(overrides);
            for (int i = 0; i < size; i++) {
                slots.get(i).configure(shared, links.peersAsSeenBy(i, slots));
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

    private void startBroker(int i) throws IOException {
        links.starting(i);
        slots.get(i).start(clock);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Brokers

    public int size() {
        return size;
    }

    /** Broker {@code i}'s node id (its Raft peer id), e.g. {@code n1} for broker 0. */
    public String nodeId(int i) {
        return links.nodeId(i);
    }

    /** The broker index of a node id, or -1. */
    public int indexOf(String nodeId) {
        return links.indexOf(nodeId);
    }

    public Path dataDir(int i) {
        return slots.get(i).dataDir();
    }

    /** Broker {@code i}'s configuration (its peer list names the front doors and its own internal proxies). */
    public BrokerConfig config(int i) {
        return slots.get(i).config();
    }

    /** Whether broker {@code i} runs (it may be paused). */
    public boolean running(int i) {
        return slots.get(i).running();
    }

    public boolean paused(int i) {
        return links.paused(i);
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
        slots.get(i).requireRunning();
        links.stopping(i);
        long t0 = System.nanoTime();
        slots.get(i).stop();
        LOG.info("killed {} ({} ms)", nodeId(i), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Starts stopped broker {@code i} again from its data directory (empty after {@link #wipe}), on the same Raft
     * port; clients and peers reach it at the same addresses as before (the proxies). Link faults stay as they were.
     */
    public void restart(int i) throws IOException {
        slots.get(i).requireStopped();
        startBroker(i);
        LOG.info("restarted {}", nodeId(i));
    }

    /** Deletes every file of stopped broker {@code i}: a replacement machine with an empty disk. */
    public void wipe(int i) throws IOException {
        slots.get(i).wipe();
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
        slots.get(i).requireRunning();
        links.pause(i, true);
        LOG.info("paused {}", nodeId(i));
    }

    /** Lets paused broker {@code i} send and receive again; what was held is delivered. */
    public void resume(int i) {
        links.pause(i, false);
        LOG.info("resumed {}", nodeId(i));
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
        links.cut(from, to);
        LOG.info("cut {} -> {}", nodeId(from), nodeId(to));
    }

    /**
     * Delays every request broker {@code from} sends to {@code to} by {@code delay} (replaces an earlier delay;
     * {@link Duration#ZERO} removes it). Raft requests wait on the sending thread, so one Raft stream sends at most
     * one batch per {@code delay}: a slow link, not only a long one. Install-snapshot notifications are not delayed.
     */
    public void delay(int from, int to, Duration delay) {
        links.delay(from, to, delay);
        LOG.info("delay {} -> {}: {} ms", nodeId(from), nodeId(to), delay.toMillis());
    }

    /** Removes the cut and the delay of the link from {@code from} to {@code to}; held requests are delivered. */
    public void heal(int from, int to) {
        links.heal(from, to);
        LOG.info("healed {} -> {}", nodeId(from), nodeId(to));
    }

    /** Removes every cut and delay (pauses stay). */
    public void healAll() {
        links.healAll();
        LOG.info("healed every link");
    }

    /** Cuts every link between broker {@code i} and the others, both ways. Clients still reach it. */
    public void isolate(int i) {
        links.isolate(i);
        LOG.info("isolated {}", nodeId(i));
    }

    public boolean isCut(int from, int to) {
        return links.isCut(from, to);
    }

    /**
     * Bytes broker {@code from} has sent to broker {@code to}'s internal listener (replica catch-up: FetchSnapshot,
     * FetchShardRecords requests), counted by the proxy between them since the cluster started.
     */
    public long internalBytesSent(int from, int to) {
        return links.internalBytesSent(from, to);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Clients

    /** host:port of broker {@code i}'s client front door. */
    public String clientEndpoint(int i) {
        return clients.endpoint(i);
    }

    /** Every broker's client endpoint, in broker order (to bootstrap an SDK client from). */
    public List<String> clientEndpoints() {
        return clients.endpoints();
    }

    /** A channel to broker {@code i}'s front door, shared, closed with the cluster. */
    public ManagedChannel channel(int i) {
        return clients.channel(i);
    }

    /** A new channel to broker {@code i}'s front door, closed with the cluster. */
    public ManagedChannel newChannel(int i) {
        return clients.newChannel(i);
    }

    /** A Streams stub on {@link #channel(int)} whose deadline is 60 s from now. */
    public StreamsGrpc.StreamsBlockingStub streams(int i) {
        return clients.streams(i);
    }

    /** A Cluster stub on {@link #channel(int)} whose deadline is 60 s from now. */
    public ClusterGrpc.ClusterBlockingStub clusterStub(int i) {
        return clients.clusterStub(i);
    }

    /**
     * Every record of a shard, from TRIM_HORIZON to the newest, read through broker {@code i}'s front door. Only the
     * leader of the shard's group serves reads: elsewhere this fails with NOT_LEADER (gRPC UNAVAILABLE).
     */
    public List<Record> readShard(int i, String stream, String shardId) {
        return clients.readShard(i, stream, shardId);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Leaders and readiness, through the public API (ClusterQueries)

    /** Running brokers that are not paused. */
    public List<Integer> reachable() {
        return queries.reachable();
    }

    /** Broker {@code i}'s DescribeCluster answer, straight to it (not through its front door). */
    public DescribeClusterResponse describe(int i) {
        return queries.describe(i);
    }

    /** The replication group ("group-N") that stores a shard, from ListShards. */
    public String groupOf(String stream, String shardId) {
        return queries.groupOf(stream, shardId);
    }

    /** The brokers that replicate {@code group}, as the reachable brokers describe it. */
    public List<Integer> membersOf(String group) {
        return queries.membersOf(group);
    }

    /**
     * The broker that leads a shard's replication group and serves the shard now: the group's settled leader
     * ({@link #leaderOfGroup}) once it answers GetShardIterator for the shard (a leader just elected answers
     * NOT_LEADER naming itself until it has committed an entry of its term). Empty otherwise.
     */
    public OptionalInt leaderOf(String stream, String shardId) {
        return queries.leaderOf(stream, shardId);
    }

    /**
     * The leader of {@code group} now, if settled: the broker that a majority of the group's members name as leader
     * in their DescribeCluster answers, itself included (a deposed leader that has not noticed yet names itself, but
     * the majority does not). Empty during an election, or when too few members answer. Just elected, it may not
     * serve yet for a moment (see {@link #leaderOf}).
     */
    public OptionalInt leaderOfGroup(String group) {
        return queries.leaderOfGroup(group);
    }

    /** Waits (up to 60 s) until the shard has a leader that serves it ({@link #leaderOf}), and returns it. */
    public int awaitLeaderOf(String stream, String shardId) {
        return queries.awaitLeaderOf(stream, shardId);
    }

    /**
     * Waits (up to 60 s) until the cluster serves: every reachable broker answers, every replication group has a
     * settled leader ({@link #leaderOfGroup}), and every reachable broker has applied the cluster's initialization
     * (its shared secrets: before that, reads fail with UNAVAILABLE). Killed and paused brokers are not waited for.
     */
    public void awaitReady() {
        awaitReady(ClusterQueries.DEFAULT_WAIT);
    }

    public void awaitReady(Duration atMost) {
        queries.awaitReady(atMost);
    }

    /**
     * Waits (up to 60 s) until broker {@code i} has applied, in every group it replicates, everything the group's
     * leader had committed when looked at: a broker that is back from a kill, wipe, pause or cut link has caught up.
     */
    public void awaitCaughtUp(int i) {
        awaitCaughtUp(i, ClusterQueries.DEFAULT_WAIT);
    }

    public void awaitCaughtUp(int i, Duration atMost) {
        queries.awaitCaughtUp(i, atMost);
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Heals every link, resumes paused brokers, stops every broker and proxy. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        links.clearAll();
        clients.close();
        BrokerSlot.stopAll(slots, links::stopping);
        links.close();
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
