package io.sluice.bench.load;

import io.sluice.bench.load.WorkloadOptions.Routing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where each shard's batch goes. With {@link Routing#LEADER} that is the client address of the broker leading the
 * shard's replication group; while no leader is known for a group, batches go round-robin to the targets, which
 * forward them. With {@link Routing#ANY} every batch goes round-robin to the targets.
 *
 * <p>Thread-safe: the leader table is replaced as a whole ({@link #updateLeaders}) by the metadata refresher and read
 * by the producers and gRPC callbacks.
 */
final class ShardRouter {
    private final ShardMap shards;
    private final List<String> targets;
    private final Routing routing;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong leaderChanges = new AtomicLong();
    private volatile Map<String, String> leaderByGroup = Map.of();

    ShardRouter(ShardMap shards, List<String> targets, Routing routing) {
        this.shards = shards;
        this.targets = List.copyOf(targets);
        this.routing = routing;
    }

    ShardMap shards() {
        return shards;
    }

    /** The broker address to send a batch of shard {@code shardIndex} to. */
    String addressFor(int shardIndex) {
        if (routing == Routing.LEADER) {
            String leader = leaderByGroup.get(shards.shard(shardIndex).group());
            if (leader != null) {
                return leader;
            }
        }
        return targets.get(Math.floorMod(roundRobin.getAndIncrement(), targets.size()));
    }

    /** The known leader address of {@code group}, or null. */
    String leaderOf(String group) {
        return leaderByGroup.get(group);
    }

    /**
     * Replaces the leader table with {@code leaders} (group name to client address); groups missing from it keep
     * their last known leader. Returns how many groups changed leader.
     */
    synchronized int updateLeaders(Map<String, String> leaders) {
        Map<String, String> next = new HashMap<>(leaderByGroup);
        int changed = 0;
        for (Map.Entry<String, String> e : leaders.entrySet()) {
            String old = next.put(e.getKey(), e.getValue());
            if (old != null && !old.equals(e.getValue())) {
                changed++;
            }
        }
        leaderByGroup = Map.copyOf(next);
        leaderChanges.addAndGet(changed);
        return changed;
    }

    /** A NOT_LEADER answer for a batch of shard {@code shardIndex} named {@code leaderAddress} as its leader. */
    void onNotLeader(int shardIndex, String leaderAddress) {
        if (leaderAddress != null && !leaderAddress.isEmpty()) {
            updateLeaders(Map.of(shards.shard(shardIndex).group(), leaderAddress));
        }
    }

    /** Leader changes seen since start (by refresh or NOT_LEADER). */
    long leaderChanges() {
        return leaderChanges.get();
    }
}
