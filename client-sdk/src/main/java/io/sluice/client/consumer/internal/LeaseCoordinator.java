package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.ShardMetrics;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's leases: renews the ones it holds, takes and steals others as {@link LeaseBalancer} decides, starts a
 * {@link ShardConsumer} for each lease taken and stops it when the lease is lost. {@link #runOnce()} is one cycle
 * (one RenewLeases call for every lease held, a local expiry check, one ListLeases and the takes it leads to) and
 * returns when the next is due; a thin driver runs it on one thread, tests call it directly.
 *
 * <p>A lease counts as lost when renewal lists it lost, or when it was not renewed for a whole lease duration by the
 * local clock (the cluster may have given it away meanwhile; any checkpoint would be refused anyway). Each shard
 * consumer also checks that local validity itself before every batch, so it stops on time between two cycles.
 *
 * <p>Threading: {@code runOnce} and {@link #beginShutdown} run on the coordinator thread; shard consumers remove
 * their lease from {@link #held} from processing threads when they end; the metrics may be read anywhere.
 */
public final class LeaseCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

    /** Makes (without starting) the consumer of a lease just taken, reading from {@code start}. */
    @FunctionalInterface
    public interface ConsumerFactory {
        ShardConsumer create(LeaseInfo lease, StartPosition start);
    }

    private final String workerId;
    private final LeaseClient leases;
    private final ConsumerFactory consumers;
    private final StartPosition initialPosition;
    private final Clock clock;
    private final Random random;
    private final long leaseDurationMs;
    private final long renewIntervalMs;
    private final Map<String, ShardConsumer> held = new ConcurrentHashMap<>();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong stolen = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean taking = true;

    public LeaseCoordinator(String workerId, LeaseClient leases, ConsumerFactory consumers,
                            StartPosition initialPosition, Duration leaseDuration, Duration renewInterval, Clock clock,
                            Random random) {
        this.workerId = workerId;
        this.leases = leases;
        this.consumers = consumers;
        this.initialPosition = initialPosition;
        this.leaseDurationMs = leaseDuration.toMillis();
        this.renewIntervalMs = renewInterval.toMillis();
        this.clock = clock;
        this.random = random;
    }

    /** One cycle; returns the milliseconds until the next. */
    public long runOnce() {
        long startMs = clock.millis();
        renew();
        expireLocally();
        if (taking) {
            balance();
        }
        return Math.max(0, renewIntervalMs - (clock.millis() - startMs));
    }

    private void renew() {
        List<LeaseClient.Held> refs = new ArrayList<>();
        held.forEach((shard, c) -> refs.add(new LeaseClient.Held(shard, c.leaseCounter())));
        if (refs.isEmpty()) {
            return;
        }
        long sentMs = clock.millis();
        LeaseClient.RenewResult result;
        try {
            result = leases.renew(refs);
        } catch (SluiceException e) {
            LOG.warn("worker {}: renewing {} lease(s) failed: {}", workerId, refs.size(), e.getMessage());
            return;
        }
        for (LeaseInfo l : result.renewed()) {
            ShardConsumer c = held.get(l.shardId());
            if (c != null && c.leaseCounter() == l.leaseCounter()) {
                c.extendLease(sentMs + leaseDurationMs);
            }
        }
        for (String shard : result.lostShardIds()) {
            ShardConsumer c = held.get(shard);
            if (c != null && refs.contains(new LeaseClient.Held(shard, c.leaseCounter()))) {
                LOG.info("worker {}: lease of {} lost (taken over or expired)", workerId, shard);
                drop(shard, c);
            }
        }
    }

    private void expireLocally() {
        long now = clock.millis();
        held.forEach((shard, c) -> {
            if (now >= c.leaseValidUntilMs()) {
                LOG.warn("worker {}: lease of {} not renewed for {} ms; treating it as lost", workerId, shard,
                        leaseDurationMs);
                drop(shard, c);
            }
        });
    }

    private void drop(String shard, ShardConsumer c) {
        if (held.remove(shard, c)) {
            lost.incrementAndGet();
            c.leaseLost();
        }
    }

    private void balance() {
        LeaseClient.Listing listing;
        try {
            listing = leases.list();
        } catch (SluiceException e) {
            LOG.warn("worker {}: listing leases failed: {}", workerId, e.getMessage());
            return;
        }
        LeaseBalancer.Decision d = LeaseBalancer.decide(workerId, listing.leases(), Set.copyOf(held.keySet()),
                listing.nowMs(), random);
        int got = 0;
        for (String shard : d.candidates()) {
            if (got >= d.wanted()) {
                break;
            }
            if (take(shard, false, 0, listing.leases())) {
                got++;
            }
        }
        if (d.steal() != null) {
            LOG.info("worker {}: taking {} from {} (holds more than its share) for balance", workerId,
                    d.steal().shardId(), d.steal().owner());
            take(d.steal().shardId(), true, d.steal().counter(), listing.leases());
        }
    }

    /** Acquires and starts a shard; false when another worker was quicker or the cluster did not answer. */
    private boolean take(String shard, boolean steal, long expectedCounter, List<LeaseInfo> listing) {
        if (!taking || held.containsKey(shard)) {
            return false;
        }
        long sentMs = clock.millis();
        LeaseInfo lease;
        try {
            lease = leases.acquire(shard, steal, expectedCounter);
        } catch (SluiceException e) {
            if (e.code() != ErrorCode.LEASE_LOST) {
                LOG.warn("worker {}: taking the lease of {} failed: {}", workerId, shard, e.getMessage());
            }
            return false;
        }
        if (lease.finished()) {
            release(lease);
            return false;
        }
        StartPosition start = LeaseBalancer.startPosition(lease, listing, initialPosition);
        ShardConsumer consumer;
        try {
            consumer = consumers.create(lease, start);
        } catch (RuntimeException e) {
            LOG.error("worker {}: making the processor of {} failed; giving the lease up", workerId, shard, e);
            release(lease);
            return false;
        }
        (steal ? stolen : taken).incrementAndGet();
        consumer.extendLease(sentMs + leaseDurationMs);
        held.put(shard, consumer);
        consumer.done().whenComplete((outcome, error) -> {
            if (held.remove(shard, consumer) && outcome == ShardConsumer.Outcome.LEASE_LOST) {
                lost.incrementAndGet(); // a refused checkpoint (losses found by renewal are counted in drop)
            }
        });
        consumer.start();
        return true;
    }

    private void release(LeaseInfo lease) {
        try {
            leases.release(lease.shardId(), lease.leaseCounter());
        } catch (SluiceException e) {
            LOG.debug("worker {}: release of {} failed: {}", workerId, lease.shardId(), e.getMessage());
        }
    }

    /** Stops taking leases and asks every shard consumer to shut down gracefully (checkpoint, then release). */
    public void beginShutdown() {
        taking = false;
        held.values().forEach(ShardConsumer::requestShutdown);
    }

    /**
     * The shard consumers running now. One whose {@code done()} completed has released or lost its lease already, even
     * if the callback that removes it from {@link #held} has not run yet (dependents of a future run in no set order),
     * so it is left out here and in the other views.
     */
    public List<ShardConsumer> consumers() {
        return held.values().stream().filter(c -> !c.done().isDone()).toList();
    }

    /** The shards held now. */
    public Set<String> heldShards() {
        Set<String> out = new HashSet<>();
        consumers().forEach(c -> out.add(c.shardId()));
        return out;
    }

    /** Per-shard metrics, sorted by shard id. */
    public List<ShardMetrics> shardMetrics() {
        List<ShardMetrics> out = new ArrayList<>();
        consumers().forEach(c -> out.add(c.metrics()));
        out.sort(Comparator.comparing(ShardMetrics::shardId));
        return out;
    }

    public long leasesTaken() {
        return taken.get();
    }

    public long leasesStolen() {
        return stolen.get();
    }

    public long leasesLost() {
        return lost.get();
    }
}
