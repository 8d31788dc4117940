package io.sluice.broker;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.grpc.ClusterService;
import io.sluice.broker.grpc.DeliveryStreamCatalogService;
import io.sluice.broker.grpc.LeasesService;
import io.sluice.broker.grpc.StreamsService;
import io.sluice.broker.grpc.Subscriptions;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.replication.ratis.RatisReplication;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.broker.stream.ControlPlane;
import io.sluice.broker.stream.ReadPath;
import io.sluice.broker.stream.Retention;
import io.sluice.broker.stream.WritePath;
import io.sluice.common.Limits;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice broker, as a composition root: builds storage, replication, the stream domain and the gRPC adapters,
 * starts them in that order, and closes them in reverse. It holds no logic of its own.
 *
 * <pre>
 *  client port:   grpc.StreamsService ─► stream.ControlPlane ─► replication.MetadataGroup ─► metadata (apply)
 *                                     ├► stream.WritePath ────► replication.DataGroups ───► DataApplier ─► storage
 *                                     └► stream.ReadPath / grpc.Subscriptions ◄───────────────────────── storage
 *  internal port: ratis.ReplicaSyncService (snapshots and shard records for lagging replicas)
 * </pre>
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    /** How often shard logs are written back to disk ahead of snapshots. */
    private static final long WRITE_BACK_INTERVAL_MS = 1_000;

    private final BrokerConfig config;
    private final ShardStorage storage;
    /** Runs push-subscription pumps, long-poll answers, retention, cluster initialization and apply waits. */
    private final ScheduledExecutorService background;
    /** Writes shard logs back to disk ahead of Raft snapshots: a thread of its own, because it waits for the disk. */
    private final ScheduledExecutorService writeBack;
    private final RatisReplication replication;
    private Server grpc;
    private Server internalGrpc;

    private Broker(BrokerConfig config, Clock clock) throws IOException {
        this.config = config;
        this.storage = new ShardStorage(config.dataDir().resolve("shards"), ShardLog.defaultRollCycle(),
                clock::millis);
        this.background = Executors.newScheduledThreadPool(2, daemon("sluice-broker-" + config.nodeId()));
        this.writeBack = Executors.newSingleThreadScheduledExecutor(daemon("sluice-broker-" + config.nodeId()
                + "-writeback"));
        this.replication = new RatisReplication(config, clock, storage, background);
    }

    /** Starts a broker and returns once its gRPC endpoint is serving (the cluster may still be electing). */
    public static Broker start(BrokerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    public static Broker start(BrokerConfig config, Clock clock) throws IOException {
        StartupChecks.run();
        Broker b = new Broker(config, clock);
        try {
            b.startServices(clock);
            return b;
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    private void startServices(Clock clock) throws IOException {
        replication.start();
        Limits limits = config.limits();
        ReadPath reads = new ReadPath(replication, replication, storage, clock, limits);
        grpc = NettyServerBuilder
                .forAddress(new InetSocketAddress(config.clientAddress().host(), config.clientAddress().port()))
                .maxInboundMessageSize(config.get(BrokerConfig.PUT_RECORDS_MAX_BYTES) + (1 << 20))
                .callExecutor(Broker::callExecutor)
                .addService(new StreamsService(new ControlPlane(replication, limits),
                        new WritePath(replication, replication, limits), reads,
                        new Subscriptions(reads, background)))
                .addService(new ClusterService(config.get(BrokerConfig.CLUSTER_ID), config.nodeId(), config.peers(),
                        replication))
                .addService(new LeasesService(replication, clock))
                .addService(new DeliveryStreamCatalogService(replication))
                .build()
                .start();
        if (config.peers().size() > 1) {
            // Broker-to-broker RPCs get a listener of their own: nothing a client can reach serves them.
            internalGrpc = NettyServerBuilder
                    .forAddress(new InetSocketAddress(config.internalAddress().host(),
                            config.internalAddress().port()))
                    .addService(replication.replicaSyncService())
                    .build()
                    .start();
        }
        long every = config.get(BrokerConfig.RETENTION_CHECK_INTERVAL_MS);
        background.scheduleWithFixedDelay(new Retention(replication::view, storage, clock), every, every,
                TimeUnit.MILLISECONDS);
        writeBack.scheduleWithFixedDelay(storage::writeBackAll, WRITE_BACK_INTERVAL_MS, WRITE_BACK_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        LOG.info("broker {} serving clients on {}:{}, Raft on {}, brokers on {}", config.nodeId(),
                config.clientAddress().host(), grpc.getPort(), config.raftAddress(),
                internalGrpc == null ? "(none: single broker)" : config.internalAddress().host() + ":"
                        + internalGrpc.getPort());
    }

    /**
     * Writes run on the transport thread that decoded them: they only validate, route and queue (the Raft commit
     * completes them later), so a hand-off to gRPC's pool would cost a thread wake-up per call and nothing else.
     * Every other call may read a shard log, and keeps the pool.
     */
    private static Executor callExecutor(ServerCall<?, ?> call, Metadata headers) {
        MethodDescriptor<?, ?> method = call.getMethodDescriptor();
        if (method == StreamsGrpc.getPutRecordsMethod() || method == StreamsGrpc.getPutRecordMethod()) {
            return Runnable::run;
        }
        return null;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** This broker's applied copy of the metadata group's state. */
    public MetadataView metadata() {
        return replication.view();
    }

    /** Replication, for tests that inspect Raft groups. */
    public RatisReplication replication() {
        return replication;
    }

    public ShardStorage storage() {
        return storage;
    }

    public BrokerConfig config() {
        return config;
    }

    /** The port the gRPC endpoint listens on (useful with client.address port 0). */
    public int clientPort() {
        return grpc.getPort();
    }

    /** The port broker-to-broker RPCs are served on, or -1 on a single broker (which has no peers to serve). */
    public int internalPort() {
        return internalGrpc == null ? -1 : internalGrpc.getPort();
    }

    @Override
    public void close() {
        for (Server s : new Server[] {grpc, internalGrpc}) {
            if (s != null) {
                s.shutdownNow();
                try {
                    s.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            replication.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing Raft server of {} failed", config.nodeId(), e);
        }
        background.shutdownNow();
        writeBack.shutdownNow();
        try {
            writeBack.awaitTermination(5, TimeUnit.SECONDS); // a write-back in progress holds a file open
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        storage.close();
    }
}
