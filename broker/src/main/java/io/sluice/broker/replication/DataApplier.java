package io.sluice.broker.replication;

import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.DataEntryResult;
import io.sluice.proto.internal.v1.DataSnapshot;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import io.sluice.proto.internal.v1.ShardCounter;
import io.sluice.proto.v1.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A data group's apply unit: the state after applying entries 1..n is a function of those entries and the snapshot it
 * started from, and nothing else (no clock, no metadata view, no configuration that may differ between replicas).
 *
 * <p>Each append's records get the next positions of their shard and are stored in the shard's {@link ShardLog};
 * arrival times come from the entry's leader time (raised to the shard's last arrival). A stream deleted in the
 * metadata group reaches the group as {@code DataEntry.drop_stream_ids}: the shards this group stored here are deleted
 * and later appends to it are refused. Replay of entries after the last snapshot (after a restart) stores nothing twice: the shard log
 * recognises entries it already holds by their entry key.
 *
 * <p>Invariant checked on every apply, a {@link ReplicaDivergedException} that stops the replica: the position the
 * shard log stored an append at is the position this state expected (so positions stay contiguous and never go
 * back).
 *
 * <p>Threads: owned by the group's apply thread (apply, snapshot, restore run there or while it is paused); the
 * read-only accessors may be called from other threads for diagnostics.
 */
public final class DataApplier {
    /** Idempotent producers remembered per shard. */
    public static final int MAX_PRODUCERS_PER_SHARD = 1000;

    private final ShardStorage shards;
    /** Per shard: the position the next append starts at, and idempotent producers. Ordered for snapshots. */
    private final Map<ShardKey, ShardState> state = new TreeMap<>(ShardKey.ORDER);
    private final NavigableSet<Long> dropped = new TreeSet<>();
    /** {@link #dropped} as published to other threads after each change, so they never wait for an apply. */
    private volatile Set<Long> droppedView = Set.of();

    private static final class ShardState {
        long nextPosition;
        final ProducerTable producers;

        ShardState(long nextPosition, ProducerTable producers) {
            this.nextPosition = nextPosition;
            this.producers = producers;
        }
    }

    public DataApplier(ShardStorage shards) {
        this.shards = shards;
    }

    /**
     * Applies the entry at Raft index {@code index}: first the drops, then each append in order.
     *
     * @return one result per append, in order
     * @throws ReplicaDivergedException if an invariant breaks; the replica must stop
     */
    public synchronized DataEntryResult apply(long index, DataEntry entry) {
        for (long streamId : entry.getDropStreamIdsList()) {
            drop(streamId);
        }
        DataEntryResult.Builder result = DataEntryResult.newBuilder();
        for (int k = 0; k < entry.getAppendsCount(); k++) {
            result.addResults(append((index << 16) | k, entry.getLeaderTimeMs(), entry.getAppends(k)));
        }
        return result.build();
    }

    private ShardAppendResult append(long entryKey, long leaderTimeMs, ShardAppend append) {
        if (dropped.contains(append.getStreamId())) {
            return ShardAppendResult.newBuilder().setError(ErrorCode.RESOURCE_NOT_FOUND)
                    .setErrorMessage("the stream was deleted").build();
        }
        ShardKey key = new ShardKey(append.getStreamId(), append.getShardIndex());
        ShardState s = state.computeIfAbsent(key,
                absent -> new ShardState(0, new ProducerTable(MAX_PRODUCERS_PER_SHARD)));
        int count = append.getRecordsCount();
        long producer = append.getProducerId();
        if (producer != 0) {
            ProducerTable.Decision d = s.producers.check(producer, append.getProducerSequence(), count,
                    key.shardId());
            if (d instanceof ProducerTable.Duplicate dup) {
                return ShardAppendResult.newBuilder().setFirstPosition(dup.firstPosition()).setDuplicate(true)
                        .build();
            }
            if (d instanceof ProducerTable.Refuse refuse) {
                return ShardAppendResult.newBuilder().setError(refuse.errorCode()).setErrorMessage(refuse.message())
                        .build();
            }
        }
        ShardLog log = shards.log(key);
        long first = s.nextPosition;
        long stored = log.append(entryKey, leaderTimeMs, append.getRecordsList());
        if (stored >= 0 && stored != first) {
            throw new ReplicaDivergedException("shard " + key + ": entry key " + entryKey + " was stored at position "
                    + stored + " but this replica's state expected " + first);
        }
        s.nextPosition = first + count;
        if (producer != 0) {
            s.producers.recordAppend(producer, append.getProducerSequence(), count, first, leaderTimeMs);
        }
        return ShardAppendResult.newBuilder().setFirstPosition(first).setArrivalTimeMs(log.lastArrivalMs()).build();
    }

    private void drop(long streamId) {
        if (!dropped.add(streamId)) {
            return;
        }
        droppedView = Set.copyOf(dropped);
        // Only the shards this group stored: another group's shards of the stream are that group's to drop, when its
        // own log says so (deleting them here would race with its appends).
        List<ShardKey> mine = state.keySet().stream().filter(k -> k.streamId() == streamId).toList();
        for (ShardKey k : mine) {
            state.remove(k);
            shards.delete(k);
        }
    }

    /**
     * The state to write in a snapshot at {@code term}/{@code index}; shard logs are synced to disk first, so that
     * the snapshot never claims records the disk may not have.
     */
    public synchronized DataSnapshot snapshot(long term, long index) {
        DataSnapshot.Builder s = DataSnapshot.newBuilder().setTerm(term).setIndex(index)
                .addAllDroppedStreamIds(dropped);
        for (Map.Entry<ShardKey, ShardState> e : state.entrySet()) {
            ShardKey key = e.getKey();
            ShardLog log = shards.existing(key);
            if (log == null) {
                continue;
            }
            log.sync();
            s.addShards(ShardCounter.newBuilder().setStreamId(key.streamId()).setShardIndex(key.shardIndex())
                    .setNextPosition(e.getValue().nextPosition).setLastArrivalTimeMs(log.lastArrivalMs())
                    .addAllProducers(e.getValue().producers.snapshot()));
        }
        return s.build();
    }

    /** Replaces the state with a snapshot's (null: empty), opening each shard's log at least at its counters. */
    public synchronized void restore(DataSnapshot snapshot) {
        state.clear();
        dropped.clear();
        droppedView = Set.of();
        if (snapshot == null) {
            return;
        }
        dropped.addAll(snapshot.getDroppedStreamIdsList());
        droppedView = Set.copyOf(dropped);
        for (ShardCounter c : snapshot.getShardsList()) {
            ShardKey key = new ShardKey(c.getStreamId(), c.getShardIndex());
            shards.log(key, c.getNextPosition(), c.getLastArrivalTimeMs());
            state.put(key, new ShardState(c.getNextPosition(),
                    ProducerTable.restore(MAX_PRODUCERS_PER_SHARD, c.getProducersList())));
        }
    }

    /** Stream incarnations this group has dropped; the group's leader proposes drops for the others. Never waits. */
    public Set<Long> droppedStreams() {
        return droppedView;
    }

    /** Each shard's next position, for tests and diagnostics. */
    public synchronized Map<ShardKey, Long> nextPositions() {
        Map<ShardKey, Long> out = new TreeMap<>(ShardKey.ORDER);
        state.forEach((k, v) -> out.put(k, v.nextPosition));
        return out;
    }
}
