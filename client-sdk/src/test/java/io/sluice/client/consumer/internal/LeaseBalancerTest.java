package io.sluice.client.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.consumer.StartPosition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaseBalancerTest {
    private static final long NOW = 1_000_000;
    private static final long LIVE = NOW + 10_000;

    private static String shard(int i) {
        return FakeLeases.shard(i);
    }

    private static LeaseInfo unowned(int i) {
        return new LeaseInfo(shard(i), "", 0, 0, null, List.of());
    }

    private static LeaseInfo owned(int i, String owner, long counter) {
        return new LeaseInfo(shard(i), owner, counter, LIVE, null, List.of());
    }

    /** {@code counts[k]} leases owned by worker "w" + k, in shard order. */
    private static List<LeaseInfo> distribution(int... counts) {
        List<LeaseInfo> out = new ArrayList<>();
        int s = 0;
        for (int k = 0; k < counts.length; k++) {
            for (int j = 0; j < counts[k]; j++) {
                out.add(owned(s++, "w" + k, 1));
            }
        }
        return out;
    }

    private static Set<String> ownedBy(List<LeaseInfo> leases, String worker) {
        Set<String> out = new HashSet<>();
        leases.stream().filter(l -> l.owner().equals(worker)).forEach(l -> out.add(l.shardId()));
        return out;
    }

    @Test
    void aLoneWorker_takesEveryFreeLease() {
        List<LeaseInfo> leases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            leases.add(unowned(i));
        }
        LeaseBalancer.Decision d = LeaseBalancer.decide("w0", leases, Set.of(), NOW, new Random(1));
        assertThat(d.wanted()).isEqualTo(12);
        assertThat(d.candidates()).hasSize(12).doesNotHaveDuplicates();
        assertThat(d.steal()).isNull();
    }

    @Test
    void belowItsShare_aWorkerWantsOnlyUpToTheShare_butMayTryEveryFreeLease() {
        // w0 holds 4, w1 holds 4, 4 are free: w2's share of 12 over 3 workers is 4.
        List<LeaseInfo> leases = distribution(4, 4);
        for (int i = 8; i < 12; i++) {
            leases.add(unowned(i));
        }
        LeaseBalancer.Decision d = LeaseBalancer.decide("w2", leases, Set.of(), NOW, new Random(1));
        assertThat(d.wanted()).isEqualTo(4);
        assertThat(d.candidates()).containsExactlyInAnyOrder(shard(8), shard(9), shard(10), shard(11));

        // w0 (4 held) with 4 free among 2 workers: its share is 6, it wants 2 and may try all 4 (collisions).
        LeaseBalancer.Decision d0 = LeaseBalancer.decide("w0", leases, ownedBy(leases, "w0"), NOW, new Random(1));
        assertThat(d0.wanted()).isEqualTo(2);
        assertThat(d0.candidates()).hasSize(4);
    }

    @Test
    void expiredLeases_andOwnLeasesNotHeldLocally_areFree() {
        List<LeaseInfo> leases = List.of(
                new LeaseInfo(shard(0), "dead", 3, NOW, null, List.of()), // expires exactly now: free
                new LeaseInfo(shard(1), "w0", 2, LIVE, "7", List.of()), // listed as mine, not held: free
                owned(2, "w1", 1));
        LeaseBalancer.Decision d = LeaseBalancer.decide("w0", leases, Set.of(), NOW, new Random(1));
        assertThat(d.candidates()).containsExactlyInAnyOrder(shard(0), shard(1));
        // "dead" no longer counts as a worker: 3 shards over w0 and w1, w0's share is 2.
        assertThat(d.wanted()).isEqualTo(2);
    }

    @Test
    void evenWorkers_doNothing() {
        List<LeaseInfo> leases = distribution(4, 4, 4);
        for (int k = 0; k < 3; k++) {
            assertThat(LeaseBalancer.decide("w" + k, leases, ownedBy(leases, "w" + k), NOW, new Random(1)))
                    .isEqualTo(LeaseBalancer.Decision.NONE);
        }
        // 13 over 3: 5/4/4 is as even as it gets.
        List<LeaseInfo> odd = distribution(5, 4, 4);
        for (int k = 0; k < 3; k++) {
            assertThat(LeaseBalancer.decide("w" + k, odd, ownedBy(odd, "w" + k), NOW, new Random(1)))
                    .isEqualTo(LeaseBalancer.Decision.NONE);
        }
    }

    @Test
    void aNewWorker_stealsOneLeaseAtATime_fromTheBusiest() {
        List<LeaseInfo> leases = distribution(5, 7); // w2 is new
        LeaseBalancer.Decision d = LeaseBalancer.decide("w2", leases, Set.of(), NOW, new Random(1));
        assertThat(d.candidates()).isEmpty();
        assertThat(d.steal()).isNotNull();
        assertThat(d.steal().owner()).isEqualTo("w1");
        assertThat(ownedBy(leases, "w1")).contains(d.steal().shardId());
        assertThat(d.steal().counter()).isEqualTo(1);
    }

    @Test
    void tiesForBusiest_goToTheSmallestWorkerId() {
        LeaseBalancer.Decision d = LeaseBalancer.decide("w2", distribution(6, 6), Set.of(), NOW, new Random(7));
        assertThat(d.steal().owner()).isEqualTo("w0");
    }

    @Test
    void noSteal_whileAFreeLeaseRemains_orWhenTheDifferenceIsOne() {
        List<LeaseInfo> leases = distribution(6, 5);
        leases.add(unowned(11));
        LeaseBalancer.Decision d = LeaseBalancer.decide("w1", leases, ownedBy(leases, "w1"), NOW, new Random(1));
        assertThat(d.steal()).isNull();
        assertThat(d.candidates()).containsExactly(shard(11));

        List<LeaseInfo> close = distribution(5, 4, 3); // 12 over 3: a share of 4 each
        LeaseBalancer.Decision d2 = LeaseBalancer.decide("w1", close, ownedBy(close, "w1"), NOW, new Random(1));
        assertThat(d2).as("w1 (4) vs busiest w0 (5): difference 1").isEqualTo(LeaseBalancer.Decision.NONE);
        LeaseBalancer.Decision d3 = LeaseBalancer.decide("w2", close, ownedBy(close, "w2"), NOW, new Random(1));
        assertThat(d3.steal()).as("w2 (3) vs w0 (5)").isNotNull();
        assertThat(d3.steal().owner()).isEqualTo("w0");
    }

    @Test
    void aWorkerAtOrAboveItsShare_takesNothing_evenWhenLeasesAreFree() {
        List<LeaseInfo> leases = distribution(4, 4, 4);
        leases.add(unowned(12)); // share of 13 over 3 is 5 for whoever takes it
        assertThat(LeaseBalancer.decide("w0", leases, ownedBy(leases, "w0"), NOW, new Random(1)).wanted())
                .isEqualTo(1);
        List<LeaseInfo> more = distribution(5, 4, 4);
        more.add(unowned(13));
        assertThat(LeaseBalancer.decide("w0", more, ownedBy(more, "w0"), NOW, new Random(1)))
                .as("w0 holds 5, the share of 14 over 3 is at most 5").isEqualTo(LeaseBalancer.Decision.NONE);
    }

    @Test
    void finishedShards_areNotProcessed_andChildrenWaitForEveryParent() {
        LeaseInfo parentA = new LeaseInfo(shard(0), "", 1, 0, LeaseInfo.SHARD_END, List.of());
        LeaseInfo parentB = new LeaseInfo(shard(1), "w1", 1, LIVE, "42", List.of());
        LeaseInfo merged = new LeaseInfo(shard(2), "", 0, 0, null, List.of(shard(0), shard(1)));
        LeaseInfo orphan = new LeaseInfo(shard(3), "", 0, 0, null, List.of(shard(9))); // parent aged out
        List<LeaseInfo> leases = List.of(parentA, parentB, merged, orphan);

        assertThat(LeaseBalancer.processable(leases)).extracting(LeaseInfo::shardId)
                .containsExactly(shard(1), shard(3));
        LeaseBalancer.Decision d = LeaseBalancer.decide("w0", leases, Set.of(), NOW, new Random(1));
        assertThat(d.candidates()).containsExactly(shard(3));

        LeaseInfo parentBDone = new LeaseInfo(shard(1), "", 2, 0, LeaseInfo.SHARD_END, List.of());
        assertThat(LeaseBalancer.processable(List.of(parentA, parentBDone, merged, orphan)))
                .extracting(LeaseInfo::shardId).containsExactly(shard(2), shard(3));
    }

    @Test
    void startPosition_afterTheCheckpoint_elseTrimHorizonForAChildOfAFinishedParent_elseTheInitialPosition() {
        StartPosition latest = StartPosition.latest();
        LeaseInfo parent = new LeaseInfo(shard(0), "", 1, 0, LeaseInfo.SHARD_END, List.of());
        LeaseInfo child = new LeaseInfo(shard(1), "w0", 1, LIVE, null, List.of(shard(0)));
        LeaseInfo checkpointedChild = new LeaseInfo(shard(1), "w0", 1, LIVE, "123", List.of(shard(0)));
        LeaseInfo orphan = new LeaseInfo(shard(2), "w0", 1, LIVE, null, List.of(shard(9)));
        LeaseInfo plain = new LeaseInfo(shard(3), "w0", 1, LIVE, null, List.of());
        List<LeaseInfo> listing = List.of(parent, child, orphan, plain);

        assertThat(LeaseBalancer.startPosition(checkpointedChild, listing, latest))
                .isEqualTo(StartPosition.afterSequenceNumber("123"));
        assertThat(LeaseBalancer.startPosition(child, listing, latest)).isEqualTo(StartPosition.trimHorizon());
        assertThat(LeaseBalancer.startPosition(orphan, listing, latest)).isEqualTo(latest);
        StartPosition at = StartPosition.atTimestamp(Instant.ofEpochMilli(5));
        assertThat(LeaseBalancer.startPosition(plain, listing, at)).isEqualTo(at);
    }
}
