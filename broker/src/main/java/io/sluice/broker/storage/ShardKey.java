package io.sluice.broker.storage;

import io.sluice.common.ShardId;
import java.util.Comparator;

/** Identifies one shard cluster-wide for its whole life: the stream incarnation and the shard's index in it. */
public record ShardKey(long streamId, int shardIndex) {
    /** By stream, then shard index. */
    public static final Comparator<ShardKey> ORDER = Comparator.comparingLong(ShardKey::streamId)
            .thenComparingInt(ShardKey::shardIndex);

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
