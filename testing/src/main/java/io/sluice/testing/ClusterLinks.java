package io.sluice.testing;

import io.sluice.broker.Broker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How the brokers of a {@link SluiceCluster} and its clients reach each other, and the faults on the way: the node ids
 * the cluster claimed in Ratis's process-wide hooks ({@link RatisLinkHooks}), the {@link LinkFaults} in force, a
 * front-door proxy per broker for clients, a proxy per directed link to the internal listeners, and the peer lists
 * that name them. The package documentation says what each fault does to which traffic.
 *
 * <p>Built in two steps: the constructor claims the node ids (the brokers' data directories are named by them), then
 * {@link #openProxies} puts the proxies in front of the cluster's {@link BrokerSlot}s.
 */
final class ClusterLinks implements AutoCloseable {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private final int size;
    private final LinkFaults faults;
    private final TcpProxy[] frontDoors;
    /** internal[i][j]: where broker i reaches broker j's internal listener. */
    private final TcpProxy[][] internal;

    /** Claims node ids for {@code size} brokers, unique among the live clusters of this JVM. */
    ClusterLinks(int size) {
        this.size = size;
        this.faults = claimNodeIds(size);
        this.frontDoors = new TcpProxy[size];
        this.internal = new TcpProxy[size][size];
    }

    /** {@code n1..nN}, or {@code c<k>-n1..} while another live cluster holds those: Ratis's hooks are process-wide. */
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

    String nodeId(int i) {
        return faults.nodeIds().get(i);
    }

    int indexOf(String nodeId) {
        return faults.indexOf(nodeId);
    }

    /**
     * Starts the proxies in front of the slots' brokers (each looks the broker's port up per connection, so a broker
     * may restart on another port). Those already started are closed by {@link #close} if this fails.
     */
    void openProxies(List<BrokerSlot> slots) throws IOException {
        for (int i = 0; i < size; i++) {
            int b = i;
            BrokerSlot slot = slots.get(i);
            frontDoors[i] = new TcpProxy(nodeId(i) + "-client", () -> slot.port(Broker::clientPort), faults,
                    new TcpProxy.Gate(() -> !faults.paused(b), () -> 0),
                    new TcpProxy.Gate(() -> !faults.paused(b), () -> 0));
        }
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                int from = i;
                int to = j;
                BrokerSlot target = slots.get(j);
                internal[i][j] = new TcpProxy(nodeId(i) + "-to-" + nodeId(j) + "-internal",
                        () -> target.port(Broker::internalPort), faults,
                        new TcpProxy.Gate(() -> !faults.blocked(from, to), () -> faults.delayNanos(from, to)),
                        new TcpProxy.Gate(() -> !faults.paused(from) && !faults.paused(to), () -> 0));
            }
        }
    }

    /** Broker {@code i}'s {@code peers} setting. */
    String peersAsSeenBy(int i, List<BrokerSlot> slots) {
        StringBuilder peers = new StringBuilder();
        for (int k = 0; k < size; k++) {
            if (k > 0) {
                peers.append(',');
            }
            // client: k's front door; raft: k's own port (Raft configurations carry it, so it must be the same
            // everywhere); internal: i's own proxy to k, so that links can be faulted per direction.
            peers.append(nodeId(k))
                    .append("@127.0.0.1:").append(frontDoors[k].port())
                    .append("@127.0.0.1:").append(slots.get(k).raftPort())
                    .append("@127.0.0.1:").append(internal[i][k].port());
        }
        return peers.toString();
    }

    int frontDoorPort(int i) {
        return frontDoors[i].port();
    }

    /** Bytes {@code from} sent through its proxy to {@code to}'s internal listener. */
    long internalBytesSent(int from, int to) {
        return internal[from][to].forwardBytes();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Faults (what each does: SluiceCluster's methods of the same names)

    boolean paused(int i) {
        return faults.paused(i);
    }

    void pause(int i, boolean value) {
        faults.pause(i, value);
    }

    /** Broker {@code i} is about to stop: not paused any more, and what it holds on cut links is dropped. */
    void stopping(int i) {
        faults.pause(i, false);
        faults.stopping(i, true);
    }

    /** Broker {@code i} is about to start (again). */
    void starting(int i) {
        faults.stopping(i, false);
    }

    void cut(int from, int to) {
        checkLink(from, to);
        faults.cut(from, to, true);
    }

    void delay(int from, int to, Duration delay) {
        checkLink(from, to);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay " + delay);
        }
        faults.delay(from, to, delay);
    }

    void heal(int from, int to) {
        checkLink(from, to);
        faults.heal(from, to);
    }

    void healAll() {
        faults.healAll();
    }

    void isolate(int i) {
        for (int j = 0; j < size; j++) {
            if (j != i) {
                faults.cut(i, j, true);
                faults.cut(j, i, true);
            }
        }
    }

    boolean isCut(int from, int to) {
        return faults.isCut(from, to);
    }

    private void checkLink(int from, int to) {
        if (from == to || from < 0 || to < 0 || from >= size || to >= size) {
            throw new IllegalArgumentException("no link from " + from + " to " + to + " in a cluster of " + size);
        }
    }

    /** Heals every link and resumes every broker, so that nothing is held any more (before the brokers close). */
    void clearAll() {
        faults.healAll();
        for (int i = 0; i < size; i++) {
            faults.pause(i, false);
        }
    }

    /** Closes the proxies and gives the node ids back. */
    @Override
    public void close() {
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
}
