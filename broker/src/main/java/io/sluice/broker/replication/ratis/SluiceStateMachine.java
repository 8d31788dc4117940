package io.sluice.broker.replication.ratis;

import io.sluice.proto.internal.v1.FetchSnapshotResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the metadata and data state machines share: single-file snapshots, and the pause/reinitialize life cycle that
 * Ratis requires around a snapshot install.
 */
abstract class SluiceStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceStateMachine.class);

    protected final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    protected final ReplicaSync sync;

    protected SluiceStateMachine(ReplicaSync sync) {
        this.sync = sync;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(storage.getLatestSnapshot());
        });
    }

    @Override
    public void pause() {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Restores state from a snapshot (null: start empty) and sets the last applied index to it. */
    protected abstract void load(SingleFileSnapshotInfo snapshot) throws IOException;

    /**
     * A follower whose missing entries the leader has purged: fetches the leader's latest snapshot (and, for a data
     * group, the shard records it covers) into this replica, then hands the snapshot to Ratis, which pauses this
     * state machine, reloads it from the snapshot and resumes replication after it. A failed attempt is logged and
     * retried by Ratis at the leader's next notification.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfo,
                                                                        TermIndex firstTermIndexInLog) {
        String leader = roleInfo.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
        return sync.runAsync(() -> {
            long started = System.nanoTime();
            FetchSnapshotResponse snapshot = sync.fetchSnapshot(leader, getGroupId());
            if (snapshot.getIndex() < firstTermIndexInLog.getIndex() - 1) {
                throw new IllegalStateException("broker " + leader + "'s snapshot ends at index "
                        + snapshot.getIndex() + ", before its log starts (" + firstTermIndexInLog + ")");
            }
            TermIndex ti = TermIndex.valueOf(snapshot.getTerm(), snapshot.getIndex());
            byte[] bytes = snapshot.getSnapshot().toByteArray();
            String copied = installState(leader, bytes);
            SnapshotFiles.write(storage, ti, bytes);
            LOG.info("{}: installed the snapshot at {} from broker {} ({}) in {} ms", getId(), ti, leader, copied,
                    (System.nanoTime() - started) / 1_000_000);
            return ti;
        }).whenComplete((ti, error) -> {
            if (error != null) {
                LOG.warn("{}: installing a snapshot from broker {} failed; Ratis will ask again", getId(), leader,
                        error);
            }
        });
    }

    /**
     * Brings what lives outside the snapshot file up to the fetched snapshot, before it is installed.
     *
     * @return a summary for the log
     */
    protected abstract String installState(String leader, byte[] snapshot) throws IOException;
}
