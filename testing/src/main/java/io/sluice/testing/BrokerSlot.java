package io.sluice.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker place of a {@link SluiceCluster}: what stays for the cluster's life (node id, data directory, Raft port,
 * configuration) and what a restart replaces (the running broker, and the fixture's own channel straight to its client
 * port). Starting, stopping and wiping the broker happen here; what they mean for the links (held appends, pauses) is
 * {@link ClusterLinks}'s, and {@link SluiceCluster} does both in order.
 */
final class BrokerSlot {
    /** The fixture logs under one name. */
    private static final Logger LOG = LoggerFactory.getLogger(SluiceCluster.class);
    private final int index;
    private final String nodeId;
    private final Path dataDir;
    /** Fixed, not 0: Raft configurations carry every peer's Raft address, so it must survive restarts. */
    private final int raftPort;
    /** Set once, before the first start (the peer list names proxies that need every slot to exist). */
    private BrokerConfig config;
    /** The running broker, null when stopped; read by the proxies' threads. */
    private final AtomicReference<Broker> broker = new AtomicReference<>();
    /** Straight to the running broker's client port, for the fixture's own queries; replaced on restart. */
    private final AtomicReference<ManagedChannel> direct = new AtomicReference<>();

    BrokerSlot(int index, String nodeId, Path dataDir) throws IOException {
        this.index = index;
        this.nodeId = nodeId;
        this.dataDir = dataDir;
        this.raftPort = freePort();
    }

    String nodeId() {
        return nodeId;
    }

    Path dataDir() {
        return dataDir;
    }

    int raftPort() {
        return raftPort;
    }

    BrokerConfig config() {
        return config;
    }

    /**
     * Sets this broker's configuration: {@code shared} (defaults and the caller's overrides) with the settings that
     * are this broker's own ({@link SluiceCluster#PER_BROKER_KEYS}); listeners other than Raft on port 0.
     */
    void configure(Map<String, String> shared, String peers) {
        Map<String, String> settings = new HashMap<>(shared);
        settings.put("node.id", nodeId);
        settings.put("data.dir", dataDir.toString());
        settings.put("client.address", "127.0.0.1:0");
        settings.put("raft.address", "127.0.0.1:" + raftPort);
        settings.put("internal.address", "127.0.0.1:0");
        settings.put("peers", peers);
        config = BrokerConfig.of(settings);
    }

    boolean running() {
        return broker.get() != null;
    }

    /** The running broker's port, or -1 (a proxy then refuses the connection). */
    int port(ToIntFunction<Broker> which) {
        Broker b = broker.get();
        return b == null ? -1 : which.applyAsInt(b);
    }

    void start(Clock clock) throws IOException {
        Broker b = Broker.start(config, clock);
        direct.set(NettyChannelBuilder.forAddress("127.0.0.1", b.clientPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build());
        broker.set(b);
    }

    /** Stops the running broker ({@code Broker.close()}); see {@link SluiceCluster#kill}. */
    void stop() {
        Broker b = broker.getAndSet(null);
        direct.getAndSet(null).shutdownNow();
        b.close();
    }

    /**
     * Stops the brokers running in {@code slots} in parallel (each close waits for Ratis to shut its channels down),
     * after closing the fixture's channels to them; {@code beforeStop} is told the index of each one first.
     */
    static void stopAll(List<BrokerSlot> slots, IntConsumer beforeStop) {
        for (BrokerSlot slot : slots) {
            ManagedChannel ch = slot.direct.getAndSet(null);
            if (ch != null) {
                ch.shutdownNow();
            }
        }
        List<Thread> closing = new ArrayList<>();
        for (BrokerSlot slot : slots) {
            Broker b = slot.broker.getAndSet(null);
            if (b == null) {
                continue;
            }
            beforeStop.accept(slot.index);
            String id = slot.nodeId;
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
    }

    /** The fixture's own channel straight to the running broker's client port. */
    ManagedChannel directChannel() {
        ManagedChannel ch = direct.get();
        if (ch == null) {
            throw new IllegalStateException(this + " is not running");
        }
        return ch;
    }

    /** Deletes every file of the stopped broker. */
    void wipe() throws IOException {
        if (running()) {
            throw new IllegalStateException("kill " + this + " before wiping it");
        }
        if (!Files.exists(dataDir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    void requireRunning() {
        if (!running()) {
            throw new IllegalStateException(this + " is not running");
        }
    }

    void requireStopped() {
        if (running()) {
            throw new IllegalStateException(this + " is running; kill it first");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return "broker " + index + " (" + nodeId + ")";
    }
}
