package io.sluice.client.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class LeaseBalancerProperties {
    private static final long NOW = 1_000;

    /**
     * Workers taking turns (each acting on a fresh listing, as the coordinator does every cycle) end up within one
     * lease of each other, from any start, with at most one steal per worker per round, so within shards + 2 rounds.
     */
    @Property(tries = 300)
    void workersConverge_toEvenShares_oneStealPerTurn(@ForAll @IntRange(min = 1, max = 40) int shards,
                                                      @ForAll @IntRange(min = 1, max = 8) int workers,
                                                      @ForAll long seed) {
        Random random = new Random(seed);
        // Owner per shard ("" = free); counters as the cluster keeps them.
        Map<String, String> owner = new TreeMap<>();
        Map<String, Long> counter = new TreeMap<>();
        for (int i = 0; i < shards; i++) {
            int start = random.nextInt(workers + 1); // workers == free
            owner.put(FakeLeases.shard(i), start == workers ? "" : "w" + start);
            counter.put(FakeLeases.shard(i), 1L);
        }
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < workers; k++) {
            ids.add("w" + k);
        }
        int rounds = 0;
        boolean changed = true;
        while (changed) {
            assertThat(rounds).as("rounds to converge for %d shards over %d workers", shards, workers)
                    .isLessThanOrEqualTo(shards + 2);
            changed = false;
            Collections.shuffle(ids, random);
            for (String w : ids) {
                List<LeaseInfo> listing = new ArrayList<>();
                Set<String> held = new HashSet<>();
                owner.forEach((s, o) -> {
                    listing.add(new LeaseInfo(s, o, counter.get(s), o.isEmpty() ? 0 : NOW + 10_000, null,
                            List.of()));
                    if (o.equals(w)) {
                        held.add(s);
                    }
                });
                LeaseBalancer.Decision d = LeaseBalancer.decide(w, listing, held, NOW, random);
                int got = 0;
                for (String s : d.candidates()) {
                    if (got < d.wanted() && owner.get(s).isEmpty()) {
                        owner.put(s, w);
                        counter.merge(s, 1L, Long::sum);
                        got++;
                        changed = true;
                    }
                }
                assertThat(got).as("free leases taken").isEqualTo(Math.min(d.wanted(), d.candidates().size()));
                if (d.steal() != null) {
                    assertThat(d.candidates()).isEmpty();
                    assertThat(owner.get(d.steal().shardId())).isEqualTo(d.steal().owner()).isNotEqualTo(w);
                    owner.put(d.steal().shardId(), w);
                    counter.merge(d.steal().shardId(), 1L, Long::sum);
                    changed = true;
                }
            }
            rounds++;
        }
        assertThat(owner.values()).as("every shard is held").doesNotContain("");
        int[] counts = new int[workers];
        owner.values().forEach(o -> counts[Integer.parseInt(o.substring(1))]++);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int c : counts) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        assertThat(max - min).as("spread of %s", java.util.Arrays.toString(counts)).isLessThanOrEqualTo(1);
    }
}
