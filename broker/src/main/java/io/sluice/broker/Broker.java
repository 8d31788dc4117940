package io.sluice.broker;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.sluice.broker.api.ClusterService;
import io.sluice.broker.api.DeliveryStreamCatalogService;
import io.sluice.broker.api.LeasesService;
import io.sluice.broker.api.ReadPath;
import io.sluice.broker.api.ReplicaSyncService;
import io.sluice.broker.api.StreamsService;
import io.sluice.broker.api.Subscriptions;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.PeerAddress;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.read.ShardIteratorCodec;
import io.sluice.broker.replication.BrokerRaft;
import io.sluice.broker.replication.DataStateMachine;
import io.sluice.broker.replication.GroupCommitter;
import io.sluice.broker.replication.MetadataStateMachine;
import io.sluice.broker.replication.RaftLayout;
import io.sluice.broker.replication.RatisBytes;
import io.sluice.broker.replication.ReplicaSync;
import io.sluice.broker.metadata.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.InitClusterCommand;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice broker: its Raft server (metadata group + data groups), its shard storage and its gRPC endpoint.
 *
 * <pre>
 *  gRPC StreamsService ── ControlPlane ──► metadata group (Raft) ──► MetadataStateMachine ──► MetadataView
 *                      ├─ WritePath ─ validate ─► GroupCommitter ──► data group (Raft) ──► DataStateMachine ──► ShardLog
 *                      └─ ReadPath / Subscriptions ◄──────────────────────────────────────────────────────────── ShardLog
 * </pre>
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final Clock clock;
    private final RaftLayout layout;
    private final ShardStorage storage;
    private final BrokerRaft raft;
    private final ReplicaSync sync;
    private final Map<Integer, GroupCommitter> committers = new ConcurrentHashMap<>();
    private final Map<Integer, DataStateMachine> dataMachines = new ConcurrentHashMap<>();
    private final Set<Long> deletedSeen = ConcurrentHashMap.newKeySet();
    /** How often shard logs are written back to disk ahead of snapshots. */
    private static final long WRITE_BACK_INTERVAL_MS = 1_000;
    private final ScheduledExecutorService background;
    // Writes shard logs back to disk ahead of Raft snapshots (see ShardLog.writeBack); a thread of its own because it
    // waits for the disk, and `background` runs the SubscribeToShard pumps.
    private final ScheduledExecutorService writeBack;
    private volatile MetadataStateMachine metadataMachine;
    private volatile ShardIteratorCodec iterators;
    private Server grpc;
    private Server internalGrpc;

    private Broker(BrokerConfig config, Clock clock) throws IOException {
        this.config = config;
        this.clock = clock;
        this.layout = new RaftLayout(config);
        layout.pinTo(config.dataDir());
        this.storage = new ShardStorage(config.dataDir().resolve("shards"), ShardLog.defaultRollCycle(),
                clock::millis);
        this.background = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-broker-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        this.writeBack = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-broker-" + config.nodeId() + "-writeback");
            t.setDaemon(true);
            return t;
        });
        this.sync = new ReplicaSync(layout, config.nodeId());
        this.raft = new BrokerRaft(config, layout, this::newStateMachine);
    }

    /** Starts a broker and returns once its gRPC endpoint is serving (the cluster may still be electing). */
    public static Broker start(BrokerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    public static Broker start(BrokerConfig config, Clock clock) throws IOException {
        StartupChecks.run();
        Broker b = new Broker(config, clock);
        try {
            b.raft.start();
            ReadPath reads = new ReadPath(b);
            Subscriptions subscriptions = new Subscriptions(reads, b.background);
            b.grpc = NettyServerBuilder
                    .forAddress(new InetSocketAddress(config.clientAddress().host(), config.clientAddress().port()))
                    .maxInboundMessageSize(config.get(BrokerConfig.PUT_RECORDS_MAX_BYTES) + (1 << 20))
                    .callExecutor(Broker::callExecutor)
                    .addService(new StreamsService(b, subscriptions, reads))
                    .addService(new ClusterService(b))
                    .addService(new LeasesService(b))
                    .addService(new DeliveryStreamCatalogService(b))
                    .build()
                    .start();
            if (config.peers().size() > 1) {
                // Broker-to-broker RPCs get a listener of their own: nothing a client can reach serves them.
                b.internalGrpc = NettyServerBuilder
                        .forAddress(new InetSocketAddress(config.internalAddress().host(),
                                config.internalAddress().port()))
                        .addService(new ReplicaSyncService(b))
                        .build()
                        .start();
            }
            b.background.execute(b::initializeCluster);
            long every = config.get(BrokerConfig.RETENTION_CHECK_INTERVAL_MS);
            b.background.scheduleWithFixedDelay(b::applyRetention, every, every, TimeUnit.MILLISECONDS);
            b.writeBack.scheduleWithFixedDelay(b::writeBackShardLogs, WRITE_BACK_INTERVAL_MS, WRITE_BACK_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
            LOG.info("broker {} serving clients on {}:{}, Raft on {}, brokers on {}", config.nodeId(),
                    config.clientAddress().host(), b.grpc.getPort(), config.raftAddress(),
                    b.internalGrpc == null ? "(none: single broker)" : config.internalAddress().host() + ":"
                            + b.internalGrpc.getPort());
            return b;
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /**
     * Writes run on the transport thread that decoded them: they only validate, route and queue (the Raft commit
     * completes them later), so a hand-off to gRPC's pool would cost a thread wake-up per call and nothing else.
     * Every other call may read a shard log or wait for the metadata group, and keeps the pool.
     */
    private static Executor callExecutor(ServerCall<?, ?> call, Metadata headers) {
        MethodDescriptor<?, ?> method = call.getMethodDescriptor();
        if (method == StreamsGrpc.getPutRecordsMethod() || method == StreamsGrpc.getPutRecordMethod()) {
            return Runnable::run;
        }
        return null;
    }

    private StateMachine newStateMachine(RaftGroupId id) {
        int index = layout.dataGroupIndex(id);
        if (index < 0) {
            MetadataStateMachine m = new MetadataStateMachine(layout.dataGroupCount(), this::onMetadataChanged,
                    sync);
            metadataMachine = m;
            return m;
        }
        DataStateMachine d = new DataStateMachine(index, storage, this::metadata, sync);
        dataMachines.put(index, d);
        return d;
    }

    private void onMetadataChanged(MetadataView view) {
        if (view.initialized() && iterators == null) {
            iterators = new ShardIteratorCodec(view.iteratorSecret(), clock);
        }
        Set<Long> newlyDeleted = new HashSet<>();
        for (long id : view.state().getDeletedStreamIdsList()) {
            if (deletedSeen.add(id)) {
                newlyDeleted.add(id);
            }
        }
        for (long id : newlyDeleted) {
            background.execute(() -> {
                dataMachines.values().forEach(m -> m.forgetStream(id));
                storage.deleteStream(id);
                LOG.info("deleted the shard data of stream id {}", id);
            });
        }
    }

    /**
     * Drops, in every shard held here, the roll cycles whose records are all older than the stream's retention
     * period. Each replica trims by itself; arrival times are the same on every replica.
     */
    private void applyRetention() {
        MetadataView view = metadata();
        long now = clock.millis();
        for (ShardKey key : storage.shardsOnDisk()) {
            StreamRecord stream = view.streamById(key.streamId());
            ShardLog log = stream == null ? null : storage.existing(key);
            if (log == null) {
                continue;
            }
            try {
                long dropped = log.trimBefore(now - stream.getRetentionPeriodHours() * 3_600_000L);
                if (dropped > 0) {
                    LOG.info("retention: dropped {} records of shard {} ({} h)", dropped, key,
                            stream.getRetentionPeriodHours());
                }
            } catch (RuntimeException e) {
                LOG.warn("retention: cannot trim shard {}", key, e);
            }
        }
    }

    /** Writes every open shard log's newest file back to disk, so that a Raft snapshot's msync finds little to do. */
    private void writeBackShardLogs() {
        for (ShardLog log : storage.openLogs().values()) {
            try {
                log.writeBack();
            } catch (IOException | RuntimeException e) {
                LOG.debug("write-back of shard {} failed (the next snapshot syncs it anyway)", log.key(), e);
            }
        }
    }

    /** Proposes the cluster's shared secrets until some broker's proposal is applied. */
    private void initializeCluster() {
        if (metadata().initialized()) {
            return;
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        MetadataCommand init = MetadataCommand.newBuilder().setInitCluster(InitClusterCommand.newBuilder()
                .setIteratorSecret(com.google.protobuf.ByteString.copyFrom(secret))).build();
        submitMetadata(init).whenComplete((r, e) -> {
            if (e != null || !metadata().initialized()) {
                background.schedule(this::initializeCluster, 200, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * Replicates a metadata command and completes after it is applied on this broker too, failing with the command's
     * error, if any.
     */
    public CompletableFuture<MetadataResult> submitMetadata(MetadataCommand command) {
        MetadataCommand stamped = command.toBuilder().setLeaderTimeMs(clock.millis()).build();
        return raft.submit(layout.metadataGroup().getGroupId(), RatisBytes.toByteString(stamped))
                .thenCompose(reply -> {
                    MetadataResult result = RatisBytes.parse(reply, MetadataResult.parser());
                    if (!result.getErrorCode().isEmpty()) {
                        throw new CompletionException(SluiceException.of(ErrorCode.valueOf(result.getErrorCode()),
                                result.getErrorMessage()));
                    }
                    return waitForLocalApply(result);
                });
    }

    private CompletableFuture<MetadataResult> waitForLocalApply(MetadataResult result) {
        long target = Math.max(result.getIndex(), result.hasStream() ? result.getStream().getStreamId() : 0);
        CompletableFuture<MetadataResult> done = new CompletableFuture<>();
        long deadline = clock.millis() + 10_000;
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (metadata().appliedIndex() >= target || metadataMachine.getLastAppliedTermIndex().getIndex()
                        >= target) {
                    done.complete(result);
                } else if (clock.millis() > deadline) {
                    done.completeExceptionally(SluiceException.of(ErrorCode.UNAVAILABLE,
                            "the change was committed but this broker has not applied it yet; retry the read"));
                } else {
                    background.schedule(this, 5, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
        return done;
    }

    /**
     * Blocks (up to 2 s) until this broker has applied every metadata change committed before the call (a Raft
     * ReadIndex round to the metadata leader). Used before answering that a stream does not exist.
     */
    public void awaitMetadataReadBarrier() {
        try {
            raft.readBarrier(layout.metadataGroup().getGroupId()).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("metadata read barrier failed; answering from the local copy", e);
        }
    }

    /** Fails with NOT_LEADER naming the leader unless this broker leads data group {@code groupIndex}. */
    public void checkLeader(int groupIndex) {
        RaftGroupId id = layout.dataGroups().get(groupIndex).getGroupId();
        if (raft.isLeader(id)) {
            return;
        }
        String leader = raft.leaderId(id);
        PeerAddress p = leader == null ? null : layout.peer(leader);
        throw SluiceException.notLeader("shard's replication group " + RaftLayout.dataGroupName(groupIndex), leader,
                p == null ? null : p.client().toString());
    }

    public GroupCommitter committer(int groupIndex) {
        return committers.computeIfAbsent(groupIndex, g -> new GroupCommitter(
                entry -> raft.submit(layout.dataGroups().get(g).getGroupId(), entry), clock,
                config.get(BrokerConfig.ENTRY_MAX_BYTES), config.get(BrokerConfig.ENTRIES_IN_FLIGHT)));
    }

    public MetadataView metadata() {
        MetadataStateMachine m = metadataMachine;
        return m == null ? MetadataView.EMPTY : m.view();
    }

    public ShardIteratorCodec iterators() {
        ShardIteratorCodec c = iterators;
        if (c == null) {
            throw SluiceException.of(ErrorCode.UNAVAILABLE, "the cluster is still starting (no metadata leader has "
                    + "initialized it yet); retry shortly");
        }
        return c;
    }

    public Limits limits() {
        return config.limits();
    }

    public Clock clock() {
        return clock;
    }

    public ShardStorage storage() {
        return storage;
    }

    public BrokerRaft raft() {
        return raft;
    }

    public BrokerConfig config() {
        return config;
    }

    /** The port the gRPC endpoint listens on (useful with client.address port 0). */
    public int clientPort() {
        return grpc.getPort();
    }

    public List<PeerAddress> peers() {
        return layout.peers();
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
            raft.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing Raft server of {} failed", config.nodeId(), e);
        }
        sync.close();
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
