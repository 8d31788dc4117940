package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.bench.load.WorkloadOptions.Routing;
import io.sluice.common.HashKey;
import io.sluice.common.HashKeyRange;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.SequenceNumberRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardRouterTest {
    /** 8 shards over 4 groups, shard i in group-(i % 4), as the broker places a new stream. */
    private static ShardMap eightShards() {
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(8);
        List<ShardMap.ShardInfo> shards = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            shards.add(new ShardMap.ShardInfo("shardId-00000000000" + i, ranges.get(i), "group-" + (i % 4)));
        }
        return new ShardMap(shards);
    }

    @Test
    void shardOf_agreesWithTheHashKeyRangeOfEveryPartitionKey() {
        ShardMap map = eightShards();
        for (int i = 0; i < 10_000; i++) {
            HashKey key = HashKey.ofPartitionKey("key-" + i);
            assertThat(map.shard(map.shardOf(key)).range().contains(key)).as("key-%d", i).isTrue();
        }
    }

    @Test
    void shardOf_routesRangeBoundariesToTheirOwnShard() {
        ShardMap map = eightShards();
        for (int i = 0; i < 8; i++) {
            assertThat(map.shardOf(map.shard(i).range().start())).isEqualTo(i);
            assertThat(map.shardOf(map.shard(i).range().end())).isEqualTo(i);
        }
        assertThat(map.shardOf(HashKey.MIN)).isZero();
        assertThat(map.shardOf(HashKey.MAX)).isEqualTo(7);
    }

    @Test
    void shardMap_rejectsShardsThatDoNotTileTheKeySpace() {
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(4);
        List<ShardMap.ShardInfo> gap = List.of(
                new ShardMap.ShardInfo("a", ranges.get(0), "g"),
                new ShardMap.ShardInfo("c", ranges.get(2), "g"),
                new ShardMap.ShardInfo("d", ranges.get(3), "g"));
        assertThatThrownBy(() -> new ShardMap(gap)).hasMessageContaining("do not tile");
        List<ShardMap.ShardInfo> shortOfMax = List.of(new ShardMap.ShardInfo("a", ranges.get(0), "g"));
        assertThatThrownBy(() -> new ShardMap(shortOfMax)).hasMessageContaining("whole hash key space");
    }

    @Test
    void shardMap_ofListShardsSkipsClosedShards() {
        BigInteger half = BigInteger.ONE.shiftLeft(127);
        Shard closed = shard("shardId-000000000000", BigInteger.ZERO, HashKey.MAX_VALUE, "group-0", "5");
        Shard low = shard("shardId-000000000001", BigInteger.ZERO, half.subtract(BigInteger.ONE), "group-1", "");
        Shard high = shard("shardId-000000000002", half, HashKey.MAX_VALUE, "group-2", "");
        ShardMap map = ShardMap.of(List.of(closed, low, high));
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.shard(map.shardOf(HashKey.MAX)).shardId()).isEqualTo("shardId-000000000002");
    }

    @Test
    void leaderRouting_sendsEachShardToItsGroupLeader() {
        ShardRouter router = new ShardRouter(eightShards(), List.of("t1:1", "t2:2"), Routing.LEADER);
        router.updateLeaders(Map.of("group-0", "a:1", "group-1", "b:1", "group-2", "c:1", "group-3", "a:1"));
        assertThat(router.addressFor(0)).isEqualTo("a:1");
        assertThat(router.addressFor(5)).isEqualTo("b:1");
        assertThat(router.addressFor(6)).isEqualTo("c:1");
        assertThat(router.addressFor(7)).isEqualTo("a:1");
    }

    @Test
    void leaderRouting_fallsBackToTheTargetsWhileALeaderIsUnknown() {
        ShardRouter router = new ShardRouter(eightShards(), List.of("t1:1", "t2:2"), Routing.LEADER);
        router.updateLeaders(Map.of("group-0", "a:1"));
        assertThat(List.of(router.addressFor(1), router.addressFor(1), router.addressFor(1)))
                .containsExactly("t1:1", "t2:2", "t1:1");
        assertThat(router.addressFor(4)).isEqualTo("a:1");
    }

    @Test
    void anyRouting_ignoresLeaders() {
        ShardRouter router = new ShardRouter(eightShards(), List.of("t1:1", "t2:2"), Routing.ANY);
        router.updateLeaders(Map.of("group-0", "a:1"));
        assertThat(List.of(router.addressFor(0), router.addressFor(0))).containsExactly("t1:1", "t2:2");
    }

    @Test
    void leaderChanges_areCountedFromRefreshesAndNotLeaderAnswers() {
        ShardRouter router = new ShardRouter(eightShards(), List.of("t1:1"), Routing.LEADER);
        assertThat(router.updateLeaders(Map.of("group-0", "a:1", "group-1", "b:1"))).isZero();
        assertThat(router.updateLeaders(Map.of("group-0", "b:1"))).isEqualTo(1);
        assertThat(router.leaderOf("group-1")).as("groups missing from a refresh keep their leader").isEqualTo("b:1");
        router.onNotLeader(1, "c:1"); // shard 1 is in group-1
        assertThat(router.addressFor(1)).isEqualTo("c:1");
        router.onNotLeader(1, ""); // leader unknown: nothing to learn
        assertThat(router.addressFor(1)).isEqualTo("c:1");
        assertThat(router.leaderChanges()).isEqualTo(2);
    }

    private static Shard shard(String id, BigInteger start, BigInteger end, String group, String endingSeq) {
        return Shard.newBuilder().setShardId(id)
                .setHashKeyRange(io.sluice.proto.v1.HashKeyRange.newBuilder()
                        .setStartingHashKey(start.toString()).setEndingHashKey(end.toString()))
                .setSequenceNumberRange(SequenceNumberRange.newBuilder().setStartingSequenceNumber("0")
                        .setEndingSequenceNumber(endingSeq))
                .setReplicationGroup(group).build();
    }
}
