package io.sluice.broker.metadata;

import io.sluice.common.ShardId;

/** Identifies one shard cluster-wide for its whole life: the stream incarnation and the shard's index in it. */
public record ShardKey(long streamId, int shardIndex) {
    public String shardId() {
        return ShardId.format(shardIndex);
    }

    /** A name usable as a directory: {@code <streamId>-<shardIndex>}. */
    public String dirName() {
        return streamId + "-" + shardIndex;
    }

    @Override
    public String toString() {
        return streamId + "/" + shardId();
    }
}
