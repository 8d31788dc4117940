package io.sluice.broker.replication;

import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.metadata.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.DataEntryResult;
import io.sluice.proto.internal.v1.DataSnapshot;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import io.sluice.proto.internal.v1.ShardCounter;
import io.sluice.proto.v1.ErrorCode;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data group's state machine: applies {@link DataEntry}s (many shards' batches per entry) by giving each record the
 * next position of its shard and appending it to the shard's {@link ShardLog}.
 *
 * <p>Determinism: positions come from the shard log's own counter and arrival times from the entry's leader time
 * (raised to the shard's last arrival), so every replica stores the same records at the same positions. The only
 * input from outside the log is whether the stream was deleted; appends to a deleted stream are refused, and a replica
 * that has not yet applied the deletion stores records that its own deletion removes shortly after.
 *
 * <p>Recovery: the snapshot holds the applied index and each shard's counters; entries after it are applied again
 * and {@link ShardLog#append} skips what is already stored. Before a snapshot claims an index, the shard logs are
 * synced to disk.
 *
 * <p>Threads: apply and snapshot run on Ratis's StateMachineUpdater thread of this group.
 */
public final class DataStateMachine extends SluiceStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(DataStateMachine.class);
    private final int groupIndex;
    private final ShardStorage shards;
    private final Supplier<MetadataView> metadata;
    /** Per shard: the position the next append starts at (also during replay) and idempotent producers. */
    private final Map<ShardKey, ShardApplyState> applyState = new ConcurrentHashMap<>();

    private static final class ShardApplyState {
        long nextPosition;
        final ProducerTable producers;

        ShardApplyState(long nextPosition, ProducerTable producers) {
            this.nextPosition = nextPosition;
            this.producers = producers;
        }
    }

    /** Idempotent producers remembered per shard. */
    static final int MAX_PRODUCERS_PER_SHARD = 1000;

    public DataStateMachine(int groupIndex, ShardStorage shards, Supplier<MetadataView> metadata, ReplicaSync sync) {
        super(sync);
        this.groupIndex = groupIndex;
        this.shards = shards;
        this.metadata = metadata;
    }

    public int groupIndex() {
        return groupIndex;
    }

    @Override
    protected void load(SingleFileSnapshotInfo snapshot) throws IOException {
        byte[] bytes = SnapshotFiles.readLatest(snapshot);
        if (bytes == null) {
            return;
        }
        DataSnapshot s = DataSnapshot.parseFrom(bytes);
        applyState.clear();
        for (ShardCounter c : s.getShardsList()) {
            ShardKey key = new ShardKey(c.getStreamId(), c.getShardIndex());
            if (metadata.get().isDeleted(key.streamId())) {
                continue;
            }
            shards.log(key, c.getNextPosition(), c.getLastArrivalTimeMs());
            applyState.put(key, new ShardApplyState(c.getNextPosition(),
                    ProducerTable.restore(MAX_PRODUCERS_PER_SHARD, c.getProducersList())));
        }
        setLastAppliedTermIndex(snapshot.getTermIndex());
    }

    /** Copies from {@code leader} the records of every shard up to the snapshot's counters. */
    @Override
    protected String installState(String leader, byte[] snapshot) throws IOException {
        DataSnapshot s = DataSnapshot.parseFrom(snapshot);
        long records = 0;
        int copiedShards = 0;
        for (ShardCounter c : s.getShardsList()) {
            ShardKey key = new ShardKey(c.getStreamId(), c.getShardIndex());
            if (metadata.get().isDeleted(key.streamId())) {
                continue;
            }
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
        MetadataView view = metadata.get();
        DataEntryResult.Builder result = DataEntryResult.newBuilder();
        for (int k = 0; k < data.getAppendsCount(); k++) {
            ShardAppend append = data.getAppends(k);
            if (view.isDeleted(append.getStreamId())) {
                result.addResults(ShardAppendResult.newBuilder()
                        .setErrorCode(ErrorCode.RESOURCE_NOT_FOUND.name())
                        .setErrorMessage("the stream was deleted"));
                continue;
            }
            ShardKey key = new ShardKey(append.getStreamId(), append.getShardIndex());
            ShardApplyState state = applyState.computeIfAbsent(key,
                    absent -> new ShardApplyState(0, new ProducerTable(MAX_PRODUCERS_PER_SHARD)));
            int count = append.getRecordsCount();
            long producer = append.getProducerId();
            if (producer != 0) {
                ProducerTable.Decision d = state.producers.check(producer, append.getProducerSequence(), count,
                        key.shardId());
                if (d instanceof ProducerTable.Duplicate dup) {
                    result.addResults(ShardAppendResult.newBuilder().setFirstPosition(dup.firstPosition())
                            .setDuplicate(true));
                    continue;
                }
                if (d instanceof ProducerTable.Refuse refuse) {
                    result.addResults(ShardAppendResult.newBuilder().setErrorCode(refuse.errorCode())
                            .setErrorMessage(refuse.message()));
                    continue;
                }
            }
            ShardLog log = shards.log(key);
            long first = state.nextPosition;
            long stored = log.append((entry.getIndex() << 16) | k, data.getLeaderTimeMs(), append.getRecordsList());
            if (stored >= 0 && stored != first) {
                LOG.error("{}: shard {} stored an append at position {} but replay expected {}; using the log's",
                        getId(), key, stored, first);
                first = stored;
            }
            state.nextPosition = first + count;
            if (producer != 0) {
                state.producers.recordAppend(producer, append.getProducerSequence(), count, first,
                        data.getLeaderTimeMs());
            }
            result.addResults(ShardAppendResult.newBuilder()
                    .setFirstPosition(first)
                    .setArrivalTimeMs(log.lastArrivalMs()));
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(RatisBytes.toMessage(result.build()));
    }

    /** Forgets shards of a deleted stream (their files are removed by {@link ShardStorage#deleteStream}). */
    public void forgetStream(long streamId) {
        applyState.keySet().removeIf(k -> k.streamId() == streamId);
    }

    @Override
    public synchronized long takeSnapshot() throws IOException {
        TermIndex ti = getLastAppliedTermIndex();
        DataSnapshot.Builder s = DataSnapshot.newBuilder().setTerm(ti.getTerm()).setIndex(ti.getIndex());
        for (Map.Entry<ShardKey, ShardApplyState> e : applyState.entrySet()) {
            ShardKey key = e.getKey();
            ShardLog log = shards.existing(key);
            if (log == null) {
                continue;
            }
            log.sync();
            s.addShards(ShardCounter.newBuilder().setStreamId(key.streamId()).setShardIndex(key.shardIndex())
                    .setNextPosition(log.nextPosition()).setLastArrivalTimeMs(log.lastArrivalMs())
                    .addAllProducers(e.getValue().producers.snapshot()));
        }
        SnapshotFiles.write(storage, ti, s.build());
        return ti.getIndex();
    }
}
