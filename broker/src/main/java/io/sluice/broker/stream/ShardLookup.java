package io.sluice.broker.stream;

import com.google.protobuf.ByteString;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.replication.DataGroups;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.common.HashKey;
import io.sluice.common.SequenceNumber;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.HashKeyRange;
import io.sluice.proto.v1.SequenceNumberRange;
import io.sluice.proto.v1.Shard;
import java.util.concurrent.CompletableFuture;

/** Finding streams and shards in the metadata view, and their wire form. */
public final class ShardLookup {
    private ShardLookup() {
    }

    /**
     * The stream named {@code name}. A miss is checked again after a read barrier on the metadata group (this
     * broker may not have applied a stream just created through another broker), so NOT_FOUND is only answered for
     * streams the cluster really does not have.
     */
    public static CompletableFuture<StreamRecord> stream(MetadataGroup metadata, String name) {
        StreamRecord s = metadata.view().stream(name);
        if (s != null) {
            return CompletableFuture.completedFuture(s);
        }
        // No leader to ask (the barrier failed): answer from the local copy, as before the barrier.
        return metadata.readBarrier().handle((v, error) -> stream(metadata.view(), name));
    }

    static StreamRecord stream(MetadataView view, String name) {
        StreamRecord s = view.stream(name);
        if (s == null) {
            throw SluiceException.notFound("stream " + name + " not found; create it first (CreateStream) or check "
                    + "the name with ListStreams");
        }
        return s;
    }

    static ShardRecord shard(StreamRecord stream, String shardId, String field) {
        int index = ShardId.parse(shardId, field);
        if (index >= stream.getShardsCount()) {
            throw SluiceException.notFound("shard " + shardId + " not found in stream " + stream.getStreamName()
                    + " (it has " + stream.getShardsCount() + " shards; see ListShards)");
        }
        return stream.getShards(index);
    }

    /** The open shard whose hash key range holds {@code key}. */
    static ShardRecord route(StreamRecord stream, HashKey key) {
        byte[] k = key.toBytes();
        int lo = 0;
        int hi = stream.getShardsCount() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            ShardRecord s = stream.getShards(mid);
            if (compare(k, s.getEndingHashKey()) > 0) {
                lo = mid + 1;
            } else if (compare(k, s.getStartingHashKey()) < 0) {
                hi = mid - 1;
            } else {
                return s;
            }
        }
        throw new IllegalStateException("hash key " + key + " is in no shard of " + stream.getStreamName());
    }

    private static int compare(byte[] a, ByteString b) {
        for (int i = 0; i < 16; i++) {
            int c = Integer.compare(a[i] & 0xff, b.byteAt(i) & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    static Shard toProto(StreamRecord stream, ShardRecord s) {
        Shard.Builder b = Shard.newBuilder()
                .setShardId(ShardId.format(s.getShardIndex()))
                .setHashKeyRange(HashKeyRange.newBuilder()
                        .setStartingHashKey(HashKey.fromBytes(s.getStartingHashKey().toByteArray()).toString())
                        .setEndingHashKey(HashKey.fromBytes(s.getEndingHashKey().toByteArray()).toString()))
                .setSequenceNumberRange(SequenceNumberRange.newBuilder()
                        .setStartingSequenceNumber(new SequenceNumber(stream.getStreamId(), 0).toString()))
                .setReplicationGroup(DataGroups.name(s.getGroupIndex()));
        if (s.getParentShardIndex() >= 0) {
            b.setParentShardId(ShardId.format(s.getParentShardIndex()));
        }
        if (s.getAdjacentParentShardIndex() >= 0) {
            b.setAdjacentParentShardId(ShardId.format(s.getAdjacentParentShardIndex()));
        }
        return b.build();
    }
}
