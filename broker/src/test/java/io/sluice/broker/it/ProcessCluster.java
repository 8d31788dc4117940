package io.sluice.broker.it;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.BrokerMain;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Brokers as separate JVM processes on loopback, so that a test can kill one with SIGKILL (kill -9) and restart it
 * on its own data directory. Each broker's output goes to {@code <root>/nN.log}.
 */
final class ProcessCluster implements AutoCloseable {
    private final Path root;
    private final int[] clientPorts;
    private final int[] raftPorts;
    private final int[] internalPorts;
    private final String peers;
    private final Process[] processes;
    private final ManagedChannel[] channels;

    ProcessCluster(Path root, int size) throws IOException {
        this.root = root;
        clientPorts = new int[size];
        raftPorts = new int[size];
        internalPorts = new int[size];
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < size; i++) {
            clientPorts[i] = freePort();
            raftPorts[i] = freePort();
            internalPorts[i] = freePort();
            p.append(i == 0 ? "" : ",").append("n").append(i + 1).append("@127.0.0.1:").append(clientPorts[i])
                    .append("@127.0.0.1:").append(raftPorts[i]).append("@127.0.0.1:").append(internalPorts[i]);
        }
        peers = p.toString();
        processes = new Process[size];
        channels = new ManagedChannel[size];
        for (int i = 0; i < size; i++) {
            start(i);
            channels[i] = NettyChannelBuilder.forAddress("127.0.0.1", clientPorts[i]).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int size() {
        return processes.length;
    }

    /** Starts broker {@code i} (again) on its ports and data directory. */
    void start(int i) throws IOException {
        if (processes[i] != null && processes[i].isAlive()) {
            throw new IllegalStateException("broker n" + (i + 1) + " is running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access")
                    || arg.startsWith("--sun-misc") || arg.startsWith("-Dchronicle") || arg.startsWith("-Djdk")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(BrokerMain.class.getName());
        cmd.add("--node.id=n" + (i + 1));
        cmd.add("--data.dir=" + root.resolve("n" + (i + 1)));
        cmd.add("--client.address=127.0.0.1:" + clientPorts[i]);
        cmd.add("--raft.address=127.0.0.1:" + raftPorts[i]);
        cmd.add("--internal.address=127.0.0.1:" + internalPorts[i]);
        cmd.add("--peers=" + peers);
        cmd.add("--groups.per.broker=2");
        cmd.add("--raft.election.timeout.min.ms=500");
        cmd.add("--raft.election.timeout.max.ms=1000");
        File log = root.resolve("n" + (i + 1) + ".log").toFile();
        processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    void kill9(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        processes[i].waitFor(30, TimeUnit.SECONDS);
    }

    boolean alive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    StreamsGrpc.StreamsBlockingStub stub(int i) {
        return StreamsGrpc.newBlockingStub(channels[i]).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    DescribeClusterResponse describe(int i) {
        return ClusterGrpc.newBlockingStub(channels[i]).withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeCluster(DescribeClusterRequest.getDefaultInstance());
    }

    /** Waits until every live broker answers and sees a leader in every group, and the cluster is initialized. */
    void awaitReady() {
        await("process cluster ready; see " + root + "/n*.log").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100)).until(this::ready);
    }

    private boolean ready() {
        {
            boolean ready = true;
            for (int i = 0; i < size() && ready; i++) {
                if (!alive(i)) {
                    continue;
                }
                try {
                    for (GroupInfo g : describe(i).getGroupsList()) {
                        ready &= !g.getLeaderNodeId().isEmpty();
                    }
                    stub(i).listStreams(io.sluice.proto.v1.ListStreamsRequest.getDefaultInstance());
                } catch (RuntimeException e) {
                    ready = false;
                }
            }
            return ready;
        }
    }

    /** Waits until broker {@code i} has applied, in every group, what the group's leader reports committed. */
    void awaitCaughtUp(int i) {
        await("broker n" + (i + 1) + " catches up").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100)).until(() -> caughtUp(i));
    }

    private boolean caughtUp(int i) {
        {
            try {
                boolean done = true;
                for (GroupInfo mine : describe(i).getGroupsList()) {
                    int leader = Integer.parseInt(mine.getLeaderNodeId().substring(1)) - 1;
                    long committed = describe(leader).getGroupsList().stream()
                            .filter(g -> g.getGroupName().equals(mine.getGroupName())).findFirst()
                            .orElseThrow().getCommitIndex();
                    done &= mine.getAppliedIndex() >= committed;
                }
                return done;
            } catch (RuntimeException e) {
                return false; // not answering yet, or no leader: try again
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel ch : channels) {
            if (ch != null) {
                ch.shutdownNow();
            }
        }
        for (Process p : processes) {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
