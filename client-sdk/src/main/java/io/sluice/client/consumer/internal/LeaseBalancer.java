package io.sluice.client.consumer.internal;

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
 * Which leases a worker should take, as a pure function of a lease listing (no I/O, no clock of its own), so that
 * the rules can be tested exhaustively.
 *
 * <p>The rules, applied to the <em>processable</em> shards only (not finished, every parent finished):
 * <ul>
 *   <li>Workers are this one plus every worker holding an unexpired lease. With {@code n} processable shards and
 *       {@code w} workers, a fair share is {@code floor(n/w)} or {@code ceil(n/w)} leases (the target).</li>
 *   <li>Below the target, take free leases (unowned, expired, or listed as this worker's but not held) up to the
 *       target, in random order so that workers starting together rarely collide.</li>
 *   <li>With no free lease, steal <em>one</em> lease per call from the busiest worker when that worker has at least
 *       two more than this one and either this worker is below {@code floor(n/w)} or the busiest is above the
 *       target. One steal per cycle keeps takeovers (and the duplicates they cause) gradual.</li>
 * </ul>
 */
public final class LeaseBalancer {
    private LeaseBalancer() {
    }

    /** A steal of {@code shardId} from {@code owner}; it fails if the lease's counter moved past {@code counter}. */
    public record Steal(String shardId, String owner, long counter) {
    }

    /** Leases to take, in this order, and at most one steal (null for none). */
    public record Decision(List<String> take, Steal steal) {
        public static final Decision NONE = new Decision(List.of(), null);

        public Decision {
            take = List.copyOf(take);
        }
    }

    /**
     * The shards that may be processed: not finished (checkpointed at SHARD_END), and each parent either finished or
     * no longer listed (aged out of the stream). A child of an unfinished parent waits.
     */
    public static List<LeaseInfo> processable(List<LeaseInfo> leases) {
        Map<String, LeaseInfo> byShard = new HashMap<>();
        leases.forEach(l -> byShard.put(l.shardId(), l));
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
        for (LeaseInfo l : eligible) {
            if (held.contains(l.shardId())) {
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
        int floor = n / w;
        int target = (n + w - 1) / w;
        int mine = held.size();
        if (mine >= target) {
            return Decision.NONE;
        }
        if (!free.isEmpty()) {
            Collections.shuffle(free, random);
            return new Decision(free.subList(0, Math.min(free.size(), target - mine)), null);
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
        if (theirs.size() - mine < 2 || (mine >= floor && theirs.size() <= target)) {
            return Decision.NONE;
        }
        LeaseInfo victim = theirs.get(random.nextInt(theirs.size()));
        return new Decision(List.of(), new Steal(victim.shardId(), busiest, victim.leaseCounter()));
    }
}
