package io.sluice.broker.replication;

import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the stream domain needs from the data groups (the Raft groups that carry shard data). Thread-safe; no method
 * blocks.
 */
public interface DataGroups {
    /** The name a data group is shown under (ListShards, DescribeCluster). */
    static String name(int groupIndex) {
        return "group-" + groupIndex;
    }

    /** Fails with NOT_LEADER naming the leader (when known) unless this broker leads data group {@code groupIndex}. */
    void checkLeader(int groupIndex);

    /**
     * Replicates the shards' batches (combined with concurrent ones into Raft entries) and completes with one result
     * per append, in order, once they are committed and applied; each append's records are stored in order and
     * consecutively. Fails with NOT_LEADER or UNAVAILABLE (both retriable) when the group cannot take them.
     *
     * @param bytes the appends' serialized size, for sizing entries
     */
    CompletableFuture<List<ShardAppendResult>> append(int groupIndex, List<ShardAppend> appends, long bytes);
}
