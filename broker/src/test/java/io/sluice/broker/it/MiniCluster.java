package io.sluice.broker.it;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Real brokers in-process on loopback, one data directory each (as Ratis's MiniRaftCluster). */
final class MiniCluster implements AutoCloseable {
    private final List<BrokerConfig> configs = new ArrayList<>();
    private final Broker[] brokers;
    private final List<ManagedChannel> channels = new ArrayList<>();

    private final Clock clock;
    private final Path root;

    MiniCluster(Path root, int size) throws IOException {
        this(root, size, Clock.systemUTC());
    }

    /** {@code clock} is what the brokers use for arrival times and iterator expiry (Raft keeps real time). */
    MiniCluster(Path root, int size, Clock clock) throws IOException {
        this(root, size, clock, Map.of());
    }

    /** {@code overrides}: broker settings (see docs/configuration.md) applied to every broker. */
    MiniCluster(Path root, int size, Clock clock, Map<String, String> overrides) throws IOException {
        this.clock = clock;
        this.root = root;
        StringBuilder peers = new StringBuilder();
        int[] clientPorts = new int[size];
        int[] raftPorts = new int[size];
        int[] internalPorts = new int[size];
        for (int i = 0; i < size; i++) {
            clientPorts[i] = freePort();
            raftPorts[i] = freePort();
            internalPorts[i] = freePort();
            if (i > 0) {
                peers.append(',');
            }
            peers.append("n").append(i + 1).append("@127.0.0.1:").append(clientPorts[i])
                    .append("@127.0.0.1:").append(raftPorts[i]).append("@127.0.0.1:").append(internalPorts[i]);
        }
        for (int i = 0; i < size; i++) {
            Map<String, String> settings = new HashMap<>(Map.of(
                    "node.id", "n" + (i + 1),
                    "data.dir", root.resolve("n" + (i + 1)).toString(),
                    "client.address", "127.0.0.1:" + clientPorts[i],
                    "raft.address", "127.0.0.1:" + raftPorts[i],
                    "internal.address", "127.0.0.1:" + internalPorts[i],
                    "peers", size == 1 ? "" : peers.toString(),
                    "groups.per.broker", "2",
                    "raft.election.timeout.min.ms", "500",
                    "raft.election.timeout.max.ms", "1000"));
            settings.putAll(overrides);
            configs.add(BrokerConfig.of(settings));
        }
        brokers = new Broker[size];
        for (int i = 0; i < size; i++) {
            brokers[i] = Broker.start(configs.get(i), clock);
        }
    }

    /**
     * Stops broker {@code i} in process (its data stays on disk). Not a crash: Ratis may take a snapshot on stop (its
     * default), and the broker closes its channels; KillNineRecoveryTest covers SIGKILL.
     */
    void stop(int i) {
        brokers[i].close();
        brokers[i] = null;
    }

    /** Starts broker {@code i} again on the same ports and data directory. */
    void restart(int i) throws IOException {
        if (brokers[i] != null) {
            throw new IllegalStateException("broker " + i + " is running");
        }
        brokers[i] = Broker.start(configs.get(i), clock);
    }

    /** Deletes every file of stopped broker {@code i}: a replacement machine with an empty disk. */
    void wipe(int i) throws IOException {
        if (brokers[i] != null) {
            throw new IllegalStateException("stop broker " + i + " before wiping it");
        }
        try (Stream<Path> paths = Files.walk(root.resolve("n" + (i + 1)))) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    boolean running(int i) {
        return brokers[i] != null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int size() {
        return brokers.length;
    }

    Broker broker(int i) {
        return brokers[i];
    }

    StreamsGrpc.StreamsBlockingStub stub(int i) {
        return StreamsGrpc.newBlockingStub(channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** A new channel to broker {@code i}, closed with the cluster. */
    ManagedChannel channel(int i) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", configs.get(i).clientAddress().port())
                .usePlaintext().maxInboundMessageSize(64 << 20).build();
        channels.add(ch);
        return ch;
    }

    /**
     * Every record of a shard (payloads as UTF-8), from TRIM_HORIZON, read from whichever running broker leads it,
     * retrying while leadership settles.
     */
    List<String> readShard(String stream, String shardId) throws InterruptedException {
        return readShardRecords(stream, shardId).stream().map(r -> r.getData().toStringUtf8()).toList();
    }

    /** As {@link #readShard}, whole records. */
    List<Record> readShardRecords(String stream, String shardId) {
        return await("some broker serves reads of " + shardId).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (int i = 0; i < size(); i++) {
                        if (running(i)) {
                            try {
                                return StreamsTestSupport.readAll(stub(i), stream, shardId, 10_000);
                            } catch (io.grpc.StatusRuntimeException e) {
                                // NOT_LEADER, or not ready yet: try the next broker
                            }
                        }
                    }
                    return null;
                }, records -> records != null);
    }

    /** An async stub without a deadline, for streaming calls (SubscribeToShard). */
    StreamsGrpc.StreamsStub asyncStub(int i) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", configs.get(i).clientAddress().port())
                .usePlaintext().maxInboundMessageSize(64 << 20).build();
        channels.add(ch);
        return StreamsGrpc.newStub(ch);
    }

    String address(int i) {
        return "127.0.0.1:" + configs.get(i).clientAddress().port();
    }

    /** Waits until every broker knows a leader for every group and the cluster is initialized. */
    void awaitReady() {
        await("every running broker knows every group's leader").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> Arrays.stream(brokers).allMatch(b -> b == null || b.replication().ready()));
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        for (Broker b : brokers) {
            if (b != null) {
                b.close();
            }
        }
    }
}
