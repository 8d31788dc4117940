package io.sluice.client.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** Coordinators of several workers stepped by hand over an in-memory lease table and a test clock. */
class LeaseCoordinatorTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration RENEW = Duration.ofSeconds(1);

    private final TestClock clock = new TestClock();
    private final FakeLeases cluster = new FakeLeases(clock, 12);
    private final ManualExecutor pool = new ManualExecutor();
    private final Map<String, List<String>> events = new HashMap<>();
    private final Map<String, LeaseCoordinator> workers = new HashMap<>();

    private LeaseCoordinator worker(String id) {
        return worker(id, cluster.client(id, LEASE.toMillis()));
    }

    private LeaseCoordinator worker(String id, LeaseClient client) {
        ShardConsumer.Settings s = new ShardConsumer.Settings(client, FakeFetcher::new, 100, 1 << 20, pool, clock,
                new LongAdder());
        LeaseCoordinator c = new LeaseCoordinator(id, client,
                (lease, start) -> new ShardConsumer(lease, start, processor(id + "/" + lease.shardId()), s),
                StartPosition.trimHorizon(), LEASE, RENEW, clock, new Random(id.hashCode()));
        workers.put(id, c);
        return c;
    }

    private RecordProcessor processor(String name) {
        List<String> log = events.computeIfAbsent(name, n -> new ArrayList<>());
        return new RecordProcessor() {
            @Override
            public void initialize(String shardId, StartPosition start) {
                log.add("initialize");
            }

            @Override
            public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long behind) {
                log.add("process");
            }

            @Override
            public void leaseLost() {
                log.add("leaseLost");
            }

            @Override
            public void shardEnded(Checkpointer checkpointer) {
                checkpointer.checkpointShardEnd();
            }

            @Override
            public void shutdownRequested(Checkpointer checkpointer) {
                log.add("shutdownRequested");
            }
        };
    }

    /** One cycle of each worker in turn, the clock moved by a renew interval, processors run. */
    private void round(String... ids) {
        for (String id : ids) {
            workers.get(id).runOnce();
        }
        pool.runAll();
        clock.advance(RENEW);
    }

    private Set<String> heldLocally(String id) {
        return workers.get(id).heldShards();
    }

    private void assertNoShardHeldTwice() {
        Set<String> seen = new HashSet<>();
        for (LeaseCoordinator c : workers.values()) {
            for (String s : c.heldShards()) {
                assertThat(seen.add(s)).as("%s held by two workers", s).isTrue();
            }
        }
    }

    @Test
    void threeWorkers_shareTwelveShardsFourEach_takingOverOneLeasePerCycle() {
        worker("a");
        round("a");
        assertThat(heldLocally("a")).hasSize(12);
        worker("b");
        worker("c");
        int rounds = 0;
        while (!(cluster.countOwnedBy("a") == 4 && cluster.countOwnedBy("b") == 4 && cluster.countOwnedBy("c") == 4
                && heldLocally("a").size() == 4)) {
            int stealsBefore = steals();
            round("a", "b", "c");
            assertThat(steals() - stealsBefore).as("at most one steal per worker per cycle").isLessThanOrEqualTo(2);
            assertThat(++rounds).as("rounds to balance").isLessThan(20);
        }
        round("a", "b", "c"); // a learns about the last steal at its next renewal
        assertNoShardHeldTwice();
        assertThat(heldLocally("a")).hasSize(4);
        assertThat(heldLocally("b")).hasSize(4);
        assertThat(heldLocally("c")).hasSize(4);
        assertThat(workers.get("a").leasesLost()).isEqualTo(8);
        assertThat(workers.get("b").leasesStolen() + workers.get("c").leasesStolen()).isEqualTo(8);
        long lostCallbacks = events.entrySet().stream().filter(e -> e.getKey().startsWith("a/"))
                .filter(e -> e.getValue().contains("leaseLost")).count();
        assertThat(lostCallbacks).as("every lease a lost was reported to its processor").isEqualTo(8);
    }

    private int steals() {
        return (int) cluster.calls.stream().filter(s -> s.contains("steal@")).count();
    }

    @Test
    void aCollisionOnAFreeLease_isMadeUpForInTheSameCycle() {
        LeaseClient a = cluster.client("a", LEASE.toMillis());
        for (int i = 0; i < 4; i++) {
            a.acquire(FakeLeases.shard(i), false, 0);
        }
        LeaseClient other = cluster.client("x", LEASE.toMillis());
        LeaseClient b = cluster.client("b", LEASE.toMillis());
        // Between b's listing and each of its first two acquires, worker x takes that very shard.
        LeaseClient racing = new LeaseClient() {
            int raced;

            @Override
            public Listing list() {
                return b.list();
            }

            @Override
            public LeaseInfo acquire(String shardId, boolean steal, long expectedCounter) {
                if (raced++ < 2) {
                    other.acquire(shardId, false, 0);
                }
                return b.acquire(shardId, steal, expectedCounter);
            }

            @Override
            public RenewResult renew(List<Held> leases) {
                return b.renew(leases);
            }

            @Override
            public void release(String shardId, long leaseCounter) {
                b.release(shardId, leaseCounter);
            }

            @Override
            public LeaseInfo checkpoint(String shardId, long leaseCounter, String sequenceNumber) {
                return b.checkpoint(shardId, leaseCounter, sequenceNumber);
            }
        };
        worker("b", racing).runOnce();
        assertThat(cluster.countOwnedBy("x")).isEqualTo(2);
        // b saw a (4) and 8 free leases: its share of 12 over 2 workers is 6, which it gets despite losing 2 races.
        assertThat(heldLocally("b")).hasSize(6);
    }

    @Test
    void aWorkerThatStopsRenewing_losesItsShardsToTheOthers_withinOneLeaseDurationAndOneCycle() {
        worker("a");
        worker("b");
        for (int i = 0; i < 10 && !(heldLocally("a").size() == 6 && heldLocally("b").size() == 6); i++) {
            round("a", "b");
        }
        assertThat(heldLocally("b")).hasSize(6);
        // b is killed: it neither renews nor releases. Its leases expire one lease duration after its last renewal.
        Duration waited = Duration.ZERO;
        while (heldLocally("a").size() < 12) {
            round("a");
            waited = waited.plus(RENEW);
            assertThat(waited).isLessThanOrEqualTo(LEASE.plus(RENEW));
        }
        assertThat(cluster.countOwnedBy("a")).isEqualTo(12);
    }

    @Test
    void renewalListingALeaseLost_endsItsProcessorWithLeaseLost() {
        worker("a");
        round("a");
        String shard = FakeLeases.shard(5);
        cluster.client("thief", LEASE.toMillis()).acquire(shard, true, cluster.row(shard).counter);
        workers.get("a").runOnce();
        pool.runAll();
        assertThat(heldLocally("a")).doesNotContain(shard);
        assertThat(events.get("a/" + shard)).containsExactly("initialize", "leaseLost");
        assertThat(workers.get("a").leasesLost()).isEqualTo(1);
    }

    @Test
    void anUnreachableCluster_makesLeasesExpireLocally_andTheProcessorsStop() {
        worker("a");
        round("a");
        cluster.unavailable = true;
        clock.advance(LEASE);
        workers.get("a").runOnce();
        pool.runAll();
        assertThat(heldLocally("a")).isEmpty();
        assertThat(events.values()).allSatisfy(log -> assertThat(log).endsWith("leaseLost"));
    }

    @Test
    void beginShutdown_releasesEveryLeaseAfterShutdownRequested_andTakesNoMore() {
        worker("a");
        round("a");
        workers.get("a").beginShutdown();
        pool.runAll();
        assertThat(heldLocally("a")).isEmpty();
        assertThat(cluster.countOwnedBy("a")).isZero();
        assertThat(events.values()).allSatisfy(log -> assertThat(log).containsExactly("initialize",
                "shutdownRequested"));
        int calls = cluster.calls.size();
        workers.get("a").runOnce();
        assertThat(cluster.calls.subList(calls, cluster.calls.size())).noneMatch(s -> s.contains("acquire"));
    }

    @Test
    void aConsumerThatEnded_isNoLongerListedAsHeld_evenBeforeItsRemovalRan() {
        worker("a");
        round("a");
        LeaseCoordinator a = workers.get("a");
        ShardConsumer c = a.consumers().get(0);
        AtomicReference<Set<String>> seen = new AtomicReference<>();
        // Registered after the coordinator's own callback, so it runs before it (as close() may): what does it see?
        c.done().whenComplete((outcome, error) -> seen.set(a.heldShards()));
        c.requestShutdown();
        pool.runAll();
        assertThat(seen.get()).hasSize(11).doesNotContain(c.shardId());
        assertThat(a.shardMetrics()).hasSize(11);
    }

    @Test
    void aFinishedParentHoldsNoLease_andItsChildStartsAtTrimHorizon() {
        cluster.row(FakeLeases.shard(0)).checkpoint = LeaseInfo.SHARD_END;
        cluster.row(FakeLeases.shard(1)).parents = List.of(FakeLeases.shard(0));
        cluster.row(FakeLeases.shard(2)).parents = List.of(FakeLeases.shard(3)); // parent 3 not finished
        Map<String, StartPosition> starts = new HashMap<>();
        LeaseClient client = cluster.client("a", LEASE.toMillis());
        ShardConsumer.Settings s = new ShardConsumer.Settings(client, FakeFetcher::new, 100, 1 << 20, pool, clock,
                new LongAdder());
        LeaseCoordinator a = new LeaseCoordinator("a", client, (lease, start) -> {
            starts.put(lease.shardId(), start);
            return new ShardConsumer(lease, start, processor("a/" + lease.shardId()), s);
        }, StartPosition.latest(), LEASE, RENEW, clock, new Random(1));
        a.runOnce();
        assertThat(a.heldShards()).hasSize(10).doesNotContain(FakeLeases.shard(0), FakeLeases.shard(2));
        assertThat(starts.get(FakeLeases.shard(1))).isEqualTo(StartPosition.trimHorizon());
        assertThat(starts.get(FakeLeases.shard(4))).isEqualTo(StartPosition.latest());
    }

    @Test
    void aProcessorFactoryThatThrows_givesTheLeaseBack() {
        LeaseClient client = cluster.client("a", LEASE.toMillis());
        LeaseCoordinator a = new LeaseCoordinator("a", client, (lease, start) -> {
            throw new IllegalStateException("no processor today");
        }, StartPosition.latest(), LEASE, RENEW, clock, new Random(1));
        a.runOnce();
        assertThat(a.heldShards()).isEmpty();
        assertThat(cluster.countOwnedBy("a")).isZero();
    }
}
