package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.StartPosition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which leases a worker should take, and where a shard starts, as pure functions of a lease listing (no I/O, no
 * clock of its own), so that the rules can be tested exhaustively.
 *
 * <p>The rules, applied to the <em>processable</em> shards only (not finished, every parent finished):
 * <ul>
 *   <li>Workers are this one plus every worker holding an unexpired lease. With {@code n} processable shards and
 *       {@code w} workers, a fair share is {@code floor(n/w)} or {@code ceil(n/w)} leases; a worker takes free
 *       leases up to {@code ceil(n/w)} (the target).</li>
 *   <li>Below the target, take free leases (unowned, expired, or listed as this worker's but not held) up to the
 *       target. Every free lease is a candidate, in random order so that workers starting together rarely collide;
 *       the caller tries them in turn until it has taken {@link Decision#wanted()} (a candidate another worker took
 *       first fails, and the next one is tried in the same cycle).</li>
 *   <li>With no free lease, steal <em>one</em> lease per call from the busiest worker when that worker has at least
 *       two more than this one (a difference of one is as even as the shards allow). One steal per cycle keeps
 *       takeovers, and the duplicates they cause, gradual. Each steal lowers the sum of the squared lease counts, so
 *       stealing stops, with every two workers within one lease of each other.</li>
 * </ul>
 */
public final class LeaseBalancer {
    private LeaseBalancer() {
    }

    /** A steal of {@code shardId} from {@code owner}; it fails if the lease's counter moved past {@code counter}. */
    public record Steal(String shardId, String owner, long counter) {
    }

    /**
     * Free leases to try, in this order, until {@code wanted} of them were taken; and at most one steal (null for
     * none, and always null when there are candidates).
     */
    public record Decision(List<String> candidates, int wanted, Steal steal) {
        public static final Decision NONE = new Decision(List.of(), 0, null);

        public Decision {
            candidates = List.copyOf(candidates);
        }
    }

    /**
     * The shards that may be processed: not finished (checkpointed at SHARD_END), and each parent either finished or
     * no longer listed (aged out of the stream). A child of an unfinished parent waits.
     */
    public static List<LeaseInfo> processable(List<LeaseInfo> leases) {
        Map<String, LeaseInfo> byShard = byShard(leases);
        List<LeaseInfo> out = new ArrayList<>();
        for (LeaseInfo l : leases) {
            if (!l.finished() && parentsFinished(l, byShard)) {
                out.add(l);
            }
        }
        return out;
    }

    private static boolean parentsFinished(LeaseInfo lease, Map<String, LeaseInfo> byShard) {
        for (String parent : lease.parentShardIds()) {
            LeaseInfo p = byShard.get(parent);
            if (p != null && !p.finished()) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, LeaseInfo> byShard(List<LeaseInfo> leases) {
        Map<String, LeaseInfo> byShard = new HashMap<>();
        leases.forEach(l -> byShard.put(l.shardId(), l));
        return byShard;
    }

    /**
     * Where processing of {@code lease} starts: after its checkpoint; at TRIM_HORIZON for a shard never checkpointed
     * whose parent this application finished (so that nothing written to the child while the parent was being
     * drained is skipped, whatever the initial position); else at {@code initial}.
     *
     * @param listing the application's leases, for the parents' state
     */
    public static StartPosition startPosition(LeaseInfo lease, List<LeaseInfo> listing, StartPosition initial) {
        if (lease.checkpoint() != null) {
            return StartPosition.afterSequenceNumber(lease.checkpoint());
        }
        Map<String, LeaseInfo> byShard = byShard(listing);
        for (String parent : lease.parentShardIds()) {
            LeaseInfo p = byShard.get(parent);
            if (p != null && p.finished()) {
                return StartPosition.trimHorizon();
            }
        }
        return initial;
    }

    /**
     * @param workerId this worker
     * @param leases   the application's leases over the stream, as listed at cluster time {@code nowMs}
     * @param held     shards this worker holds (its own view, fresher than the listing)
     * @param random   picks among equally good leases
     */
    public static Decision decide(String workerId, List<LeaseInfo> leases, Set<String> held, long nowMs,
                                  Random random) {
        List<LeaseInfo> eligible = processable(leases);
        if (eligible.isEmpty()) {
            return Decision.NONE;
        }
        Map<String, List<LeaseInfo>> byOwner = new TreeMap<>();
        List<String> free = new ArrayList<>();
        int mine = 0;
        for (LeaseInfo l : eligible) {
            if (held.contains(l.shardId())) {
                mine++;
                continue;
            }
            if (!l.heldAt(nowMs) || l.owner().equals(workerId)) {
                free.add(l.shardId());
            } else {
                byOwner.computeIfAbsent(l.owner(), o -> new ArrayList<>()).add(l);
            }
        }
        Set<String> workers = new HashSet<>(byOwner.keySet());
        workers.add(workerId);
        int n = eligible.size();
        int w = workers.size();
        int target = (n + w - 1) / w;
        if (mine >= target) {
            return Decision.NONE;
        }
        if (!free.isEmpty()) {
            Collections.shuffle(free, random);
            return new Decision(free, target - mine, null);
        }
        String busiest = null;
        for (var e : byOwner.entrySet()) { // sorted by worker id, so ties go to the smallest id
            if (busiest == null || e.getValue().size() > byOwner.get(busiest).size()) {
                busiest = e.getKey();
            }
        }
        if (busiest == null) {
            return Decision.NONE;
        }
        List<LeaseInfo> theirs = byOwner.get(busiest);
        if (theirs.size() - mine < 2) {
            return Decision.NONE;
        }
        LeaseInfo victim = theirs.get(random.nextInt(theirs.size()));
        return new Decision(List.of(), 0, new Steal(victim.shardId(), busiest, victim.leaseCounter()));
    }
}
