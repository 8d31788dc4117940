package io.sluice.broker.replication.ratis;

import io.sluice.broker.replication.DataApplier;
import io.sluice.broker.replication.ReplicaDivergedException;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.DataEntryResult;
import io.sluice.proto.internal.v1.DataSnapshot;
import io.sluice.proto.internal.v1.ShardCounter;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data group's Ratis state machine: decodes entries and hands them to the group's {@link DataApplier}, the closed
 * apply unit; writes and loads its snapshots; copies shard records from the leader on snapshot install.
 *
 * <p>A {@link ReplicaDivergedException} from the applier is thrown out of {@link #applyTransaction} on the apply
 * thread, which stops this group's member on this broker (Ratis's state machine updater does not apply past an
 * exception); it is logged once here with the recovery.
 *
 * <p>Threads: apply and snapshot run on Ratis's StateMachineUpdater thread of this group.
 */
public final class DataStateMachine extends SluiceStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(DataStateMachine.class);
    private final int groupIndex;
    private final ShardStorage shards;
    private final DataApplier applier;

    public DataStateMachine(int groupIndex, ShardStorage shards, ReplicaSync sync) {
        super(sync);
        this.groupIndex = groupIndex;
        this.shards = shards;
        this.applier = new DataApplier(shards);
    }

    public int groupIndex() {
        return groupIndex;
    }

    /** Stream incarnations this replica has dropped (applied a drop for). */
    public Set<Long> droppedStreams() {
        return applier.droppedStreams();
    }

    @Override
    protected void load(SingleFileSnapshotInfo snapshot) throws IOException {
        byte[] bytes = SnapshotFiles.readLatest(snapshot);
        applier.restore(bytes == null ? null : DataSnapshot.parseFrom(bytes));
        if (bytes != null) {
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
    }

    /** Copies from {@code leader} the records of every shard up to the snapshot's counters. */
    @Override
    protected String installState(String leader, byte[] snapshot) throws IOException {
        DataSnapshot s = DataSnapshot.parseFrom(snapshot);
        long records = 0;
        int copiedShards = 0;
        for (ShardCounter c : s.getShardsList()) {
            ShardKey key = new ShardKey(c.getStreamId(), c.getShardIndex());
            long n = sync.copyShard(leader, key, c.getNextPosition(), shards);
            if (n >= 0) {
                records += n;
                copiedShards++;
            }
        }
        return records + " records copied into " + copiedShards + " of " + s.getShardsCount() + " shards";
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        DataEntry data = RatisBytes.parse(entry.getStateMachineLogEntry().getLogData(), DataEntry.parser());
        DataEntryResult result;
        try {
            result = applier.apply(entry.getIndex(), data);
        } catch (ReplicaDivergedException e) {
            LOG.error("FATAL {}: replica of {} diverged at log index {}: {}", getId(), RaftLayout.dataGroupName(
                    groupIndex), entry.getIndex(), e.getMessage());
            throw e;
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(RatisBytes.toMessage(result));
    }

    @Override
    public synchronized long takeSnapshot() throws IOException {
        TermIndex ti = getLastAppliedTermIndex();
        SnapshotFiles.write(storage, ti, applier.snapshot(ti.getTerm(), ti.getIndex()));
        return ti.getIndex();
    }
}
