package io.sluice.broker.replication.ratis;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.PeerAddress;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.replication.ClusterStatus;
import io.sluice.broker.replication.DataGroups;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.InitClusterCommand;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import io.sluice.proto.v1.ErrorCode;
import java.io.Closeable;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis side of replication: one {@link BrokerRaft} hosting the metadata group and this broker's data groups,
 * their state machines, a {@link GroupCommitter} per data group, and the broker-to-broker catch-up client. It is the
 * only implementation of {@link MetadataGroup}, {@link DataGroups} and {@link ClusterStatus}; nothing above the
 * replication layer sees a Ratis type.
 *
 * <p>Deletion reaches data groups through their own logs: whenever the metadata view changes (and every
 * {@link #RECONCILE_INTERVAL_MS}), the leader of each data group proposes a drop for the deleted streams that group
 * has not dropped yet ({@link DataEntry#getDropStreamIdsList()}). A drop proposed twice is applied once.
 */
public final class RatisReplication implements MetadataGroup, DataGroups, ClusterStatus, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RatisReplication.class);
    static final long RECONCILE_INTERVAL_MS = 5_000;
    /** How long a control-plane write waits for this broker to apply it before answering UNAVAILABLE. */
    static final long LOCAL_APPLY_TIMEOUT_MS = 10_000;
    /** How long a lookup that missed waits for the metadata read barrier before answering from the local copy. */
    static final long READ_BARRIER_TIMEOUT_MS = 2_000;

    private final BrokerConfig config;
    private final Clock clock;
    private final RaftLayout layout;
    private final ShardStorage storage;
    private final ScheduledExecutorService executor;
    /** Proposes drops and removes leftovers: a thread of its own, since it lists directories and deletes files. */
    private final ScheduledExecutorService reconciler;
    /** How many deleted streams the metadata view held when drops were last reconciled (metadata thread only). */
    private int deletedSeen;
    private final ReplicaSync sync;
    private final BrokerRaft raft;
    private final Map<Integer, GroupCommitter> committers = new ConcurrentHashMap<>();
    private final Map<Integer, DataStateMachine> dataMachines = new ConcurrentHashMap<>();
    private volatile MetadataStateMachine metadataMachine;

    /**
     * @param executor runs cluster initialization, drop reconciliation and apply-wait continuations; never blocks
     */
    public RatisReplication(BrokerConfig config, Clock clock, ShardStorage storage, ScheduledExecutorService executor)
            throws IOException {
        this.config = config;
        this.clock = clock;
        this.storage = storage;
        this.executor = executor;
        this.layout = new RaftLayout(config);
        layout.pinTo(config.dataDir());
        this.sync = new ReplicaSync(layout, config.nodeId());
        this.raft = new BrokerRaft(config, layout, this::newStateMachine);
        this.reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-broker-" + config.nodeId() + "-drops");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the Raft server, then proposes the cluster's secrets until some broker's proposal is applied. */
    public void start() throws IOException {
        raft.start();
        executor.execute(this::initializeCluster);
        reconciler.scheduleWithFixedDelay(this::reconcileDrops, RECONCILE_INTERVAL_MS, RECONCILE_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
    }

    /** The service that answers other brokers' catch-up calls, for the internal listener. */
    public ReplicaSyncService replicaSyncService() {
        return new ReplicaSyncService(raft, storage, config.nodeId());
    }

    private StateMachine newStateMachine(RaftGroupId id) {
        int index = layout.dataGroupIndex(id);
        if (index < 0) {
            MetadataStateMachine m = new MetadataStateMachine(layout.dataGroupCount(), this::onMetadataChanged,
                    sync, executor);
            metadataMachine = m;
            return m;
        }
        DataStateMachine d = new DataStateMachine(index, storage, sync);
        dataMachines.put(index, d);
        return d;
    }

    /** On the metadata apply thread: reconciles at once when a stream was deleted (the timer covers the rest). */
    private void onMetadataChanged(MetadataView view) {
        int deleted = view.state().getDeletedStreamIdsCount();
        if (deleted > deletedSeen) {
            deletedSeen = deleted;
            try {
                reconciler.execute(this::reconcileDrops);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void reconcileDrops() {
        try {
            proposeDrops();
        } catch (RuntimeException e) {
            LOG.warn("reconciling the drops of deleted streams failed; retried in {} ms", RECONCILE_INTERVAL_MS, e);
        }
    }

    /**
     * For each data group this broker leads: a drop of every deleted stream the group has not dropped yet. Then the
     * shard directories of deleted streams that every group hosted here has dropped are removed: no apply of this
     * broker can touch them any more, and only directories a read opened without a write remain by then.
     */
    private void proposeDrops() {
        List<Long> deleted = view().state().getDeletedStreamIdsList();
        if (deleted.isEmpty()) {
            return;
        }
        removeLeftovers(deleted);
        for (Map.Entry<Integer, DataStateMachine> e : dataMachines.entrySet()) {
            RaftGroupId group = layout.dataGroups().get(e.getKey()).getGroupId();
            if (!raft.isLeader(group)) {
                continue;
            }
            Set<Long> missing = new TreeSet<>(deleted);
            missing.removeAll(e.getValue().droppedStreams());
            if (missing.isEmpty()) {
                continue;
            }
            DataEntry drop = DataEntry.newBuilder().setLeaderTimeMs(clock.millis()).addAllDropStreamIds(missing)
                    .build();
            raft.submit(group, RatisBytes.toByteString(drop)).whenComplete((r, err) -> {
                if (err != null) {
                    LOG.debug("proposing drops {} to {} failed; retried later", missing, layout.groupName(group), err);
                } else {
                    LOG.info("dropped the shard data of deleted streams {} in {}", missing, layout.groupName(group));
                }
            });
        }
    }

    private void removeLeftovers(List<Long> deleted) {
        long hosted = layout.groupsOf(config.nodeId()).stream()
                .filter(g -> layout.dataGroupIndex(g.getGroupId()) >= 0).count();
        if (dataMachines.size() < hosted) {
            return; // a hosted data group has not started yet
        }
        Set<Long> droppedEverywhere = new TreeSet<>(deleted);
        dataMachines.values().forEach(m -> droppedEverywhere.retainAll(m.droppedStreams()));
        for (ShardKey k : storage.shardsOnDisk()) {
            if (droppedEverywhere.contains(k.streamId())) {
                storage.delete(k);
            }
        }
    }

    private void initializeCluster() {
        if (view().initialized()) {
            return;
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        MetadataCommand init = MetadataCommand.newBuilder().setInitCluster(InitClusterCommand.newBuilder()
                .setIteratorSecret(com.google.protobuf.ByteString.copyFrom(secret))).build();
        submit(init).whenComplete((r, e) -> {
            if (e != null || !view().initialized()) {
                executor.schedule(this::initializeCluster, 200, TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public MetadataView view() {
        MetadataStateMachine m = metadataMachine;
        return m == null ? MetadataView.EMPTY : m.view();
    }

    @Override
    public CompletableFuture<MetadataResult> submit(MetadataCommand command) {
        MetadataCommand stamped = command.toBuilder().setLeaderTimeMs(clock.millis()).build();
        return raft.submit(layout.metadataGroup().getGroupId(), RatisBytes.toByteString(stamped))
                .thenCompose(reply -> {
                    MetadataResult result = RatisBytes.parse(reply, MetadataResult.parser());
                    if (result.getError() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                        throw new CompletionException(SluiceException.of(result.getError(),
                                result.getErrorMessage()));
                    }
                    long target = Math.max(result.getIndex(),
                            result.hasStream() ? result.getStream().getStreamId() : 0);
                    return metadataMachine.awaitApplied(target).orTimeout(LOCAL_APPLY_TIMEOUT_MS,
                            TimeUnit.MILLISECONDS).handle((v, error) -> {
                                if (error != null) {
                                    throw SluiceException.of(ErrorCode.UNAVAILABLE, "the change was committed but "
                                            + "this broker has not applied it yet; retry the read");
                                }
                                return result;
                            });
                });
    }

    /** Completes on the broker's executor (never on a Ratis thread), within {@link #READ_BARRIER_TIMEOUT_MS}. */
    @Override
    public CompletableFuture<Void> readBarrier() {
        return raft.readBarrier(layout.metadataGroup().getGroupId())
                .orTimeout(READ_BARRIER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((v, error) -> { }, executor);
    }

    @Override
    public void checkLeader(int groupIndex) {
        RaftGroupId id = layout.dataGroups().get(groupIndex).getGroupId();
        if (raft.isLeader(id)) {
            return;
        }
        String leader = raft.leaderId(id);
        PeerAddress p = leader == null ? null : layout.peer(leader);
        throw SluiceException.notLeader("shard's replication group " + DataGroups.name(groupIndex), leader,
                p == null ? null : p.client().toString());
    }

    @Override
    public CompletableFuture<List<ShardAppendResult>> append(int groupIndex, List<ShardAppend> appends, long bytes) {
        return committers.computeIfAbsent(groupIndex, g -> new GroupCommitter(
                entry -> raft.submit(layout.dataGroups().get(g).getGroupId(), entry), clock,
                config.get(BrokerConfig.ENTRY_MAX_BYTES), config.get(BrokerConfig.ENTRIES_IN_FLIGHT)))
                .submit(appends, bytes);
    }

    @Override
    public List<GroupStatus> groups() {
        List<RaftGroup> groups = new ArrayList<>();
        groups.add(layout.metadataGroup());
        groups.addAll(layout.dataGroups());
        List<GroupStatus> out = new ArrayList<>();
        for (RaftGroup g : groups) {
            List<String> members = new ArrayList<>();
            for (RaftPeer p : g.getPeers()) {
                members.add(p.getId().toString());
            }
            String name = layout.groupName(g.getGroupId());
            if (raft.hosts(g.getGroupId())) {
                RaftServer.Division d = raft.division(g.getGroupId());
                String leader = raft.leaderId(g.getGroupId());
                out.add(new GroupStatus(name, members, true, leader == null ? "" : leader,
                        d.getRaftLog().getLastCommittedIndex(), d.getInfo().getLastAppliedIndex()));
            } else {
                out.add(new GroupStatus(name, members, false, "", -1, -1));
            }
        }
        return out;
    }

    /** Whether every group hosted here knows its leader and the cluster is initialized (for tests and readiness). */
    public boolean ready() {
        if (!view().initialized()) {
            return false;
        }
        for (RaftGroupId g : raft.hostedGroups()) {
            if (raft.leaderId(g) == null) {
                return false;
            }
        }
        return true;
    }

    /** The Raft server, for tests that inspect divisions. */
    public BrokerRaft raft() {
        return raft;
    }

    @Override
    public void close() throws IOException {
        reconciler.shutdownNow();
        try {
            raft.close();
        } finally {
            sync.close();
        }
    }
}
