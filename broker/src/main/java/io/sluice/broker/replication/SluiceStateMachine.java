package io.sluice.broker.replication;

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
     * A follower whose missing entries the leader has purged. Copying shard data from the leader is not built yet:
     * the install fails loudly (the leader keeps asking), rather than pretending the follower is complete.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfo,
                                                                        TermIndex firstTermIndexInLog) {
        LOG.error("{}: the leader purged entries this replica lacks (first available {}); installing a snapshot "
                + "from the leader is not supported yet, so this replica cannot catch up", getId(),
                firstTermIndexInLog);
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "snapshot install from the leader is not supported yet"));
    }
}
