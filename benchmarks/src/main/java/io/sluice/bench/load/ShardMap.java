package io.sluice.bench.load;

import io.sluice.common.HashKey;
import io.sluice.common.HashKeyRange;
import io.sluice.proto.v1.Shard;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The open shards of a stream, ordered by hash key, as ListShards returned them: which shard a hash key belongs to
 * and which replication group stores it. Immutable.
 */
final class ShardMap {
    /** One open shard: its id, its hash key range and the replication group that stores it. */
    record ShardInfo(String shardId, HashKeyRange range, String group) {
    }

    private final List<ShardInfo> shards;

    ShardMap(List<ShardInfo> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a stream has at least one open shard");
        }
        List<ShardInfo> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparing(s -> s.range().start()));
        for (int i = 1; i < sorted.size(); i++) {
            BigInteger prevEnd = sorted.get(i - 1).range().end().value();
            if (!prevEnd.add(BigInteger.ONE).equals(sorted.get(i).range().start().value())) {
                throw new IllegalArgumentException("open shards do not tile the hash key space: "
                        + sorted.get(i - 1).shardId() + " ends at " + prevEnd + ", " + sorted.get(i).shardId()
                        + " starts at " + sorted.get(i).range().start());
            }
        }
        if (!sorted.get(0).range().start().equals(HashKey.MIN)
                || !sorted.get(sorted.size() - 1).range().end().equals(HashKey.MAX)) {
            throw new IllegalArgumentException("open shards do not cover the whole hash key space 0..2^128-1");
        }
        this.shards = List.copyOf(sorted);
    }

    /** The open shards of a ListShards answer (closed shards, with an ending sequence number, take no writes). */
    static ShardMap of(List<Shard> listed) {
        List<ShardInfo> open = new ArrayList<>();
        for (Shard s : listed) {
            if (!s.getSequenceNumberRange().getEndingSequenceNumber().isEmpty()) {
                continue;
            }
            open.add(new ShardInfo(s.getShardId(), new HashKeyRange(
                    HashKey.parseExplicit(s.getHashKeyRange().getStartingHashKey(), "starting_hash_key"),
                    HashKey.parseExplicit(s.getHashKeyRange().getEndingHashKey(), "ending_hash_key")),
                    s.getReplicationGroup()));
        }
        return new ShardMap(open);
    }

    int size() {
        return shards.size();
    }

    ShardInfo shard(int index) {
        return shards.get(index);
    }

    List<ShardInfo> shards() {
        return shards;
    }

    /** The index (in hash key order) of the shard whose range holds {@code key}. */
    int shardOf(HashKey key) {
        int lo = 0;
        int hi = shards.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (shards.get(mid).range().start().compareTo(key) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
