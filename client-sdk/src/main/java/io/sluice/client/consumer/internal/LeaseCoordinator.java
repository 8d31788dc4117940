package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.ShardMetrics;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's leases: renews the ones it holds, takes and steals others as {@link LeaseBalancer} decides, starts a
 * {@link ShardConsumer} for each lease taken and stops it when the lease is lost. {@link #runOnce()} is one cycle
 * (one RenewLeases call for every lease held, a local expiry check, one ListLeases and the takes it leads to) and
 * returns when the next is due; a thin driver runs it on one thread, tests call it directly.
 *
 * <p>A lease counts as lost when renewal lists it lost, or when it was not renewed for a whole lease duration by the
 * local clock (the cluster may have given it away meanwhile; any checkpoint would be refused anyway).
 *
 * <p>Threading: {@code runOnce} and {@link #beginShutdown} run on the coordinator thread; shard consumers remove
 * their lease from {@link #held} from processing threads when they end; {@link #metrics} may be read anywhere.
 */
public final class LeaseCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

    private final String workerId;
    private final LeaseClient leases;
    private final Function<LeaseInfo, ShardConsumer> consumers;
    private final Clock clock;
    private final Random random;
    private final long leaseDurationMs;
    private final long renewIntervalMs;
    private final Map<String, HeldLease> held = new ConcurrentHashMap<>();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong stolen = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong processedByEnded = new AtomicLong();
    private volatile boolean taking = true;

    /** A lease this worker holds, and until when (local clock) it is sure to hold it without another renewal. */
    private static final class HeldLease {
        final ShardConsumer consumer;
        volatile long validUntilMs;

        HeldLease(ShardConsumer consumer, long validUntilMs) {
            this.consumer = consumer;
            this.validUntilMs = validUntilMs;
        }
    }

    /** {@code consumers} makes (without starting) the consumer of a lease just taken. */
    public LeaseCoordinator(String workerId, LeaseClient leases, Function<LeaseInfo, ShardConsumer> consumers,
                            Duration leaseDuration, Duration renewInterval, Clock clock, Random random) {
        this.workerId = workerId;
        this.leases = leases;
        this.consumers = consumers;
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
        held.forEach((shard, h) -> refs.add(new LeaseClient.Held(shard, h.consumer.leaseCounter())));
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
            HeldLease h = held.get(l.shardId());
            if (h != null && h.consumer.leaseCounter() == l.leaseCounter()) {
                h.validUntilMs = sentMs + leaseDurationMs;
            }
        }
        for (String shard : result.lostShardIds()) {
            HeldLease h = held.get(shard);
            if (h != null && refs.contains(new LeaseClient.Held(shard, h.consumer.leaseCounter()))) {
                LOG.info("worker {}: lease of {} lost (taken over or expired)", workerId, shard);
                drop(shard, h);
            }
        }
    }

    private void expireLocally() {
        long now = clock.millis();
        held.forEach((shard, h) -> {
            if (now >= h.validUntilMs) {
                LOG.warn("worker {}: lease of {} not renewed for {} ms; treating it as lost", workerId, shard,
                        leaseDurationMs);
                drop(shard, h);
            }
        });
    }

    private void drop(String shard, HeldLease h) {
        if (held.remove(shard, h)) {
            lost.incrementAndGet();
            h.consumer.leaseLost();
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
        for (String shard : d.take()) {
            take(shard, false, 0);
        }
        if (d.steal() != null) {
            LOG.info("worker {}: taking {} from {} (holds more than its share) for balance", workerId,
                    d.steal().shardId(), d.steal().owner());
            take(d.steal().shardId(), true, d.steal().counter());
        }
    }

    private void take(String shard, boolean steal, long expectedCounter) {
        if (!taking) {
            return;
        }
        long sentMs = clock.millis();
        LeaseInfo lease;
        try {
            lease = leases.acquire(shard, steal, expectedCounter);
        } catch (SluiceException e) {
            if (e.code() != ErrorCode.LEASE_LOST) {
                LOG.warn("worker {}: taking the lease of {} failed: {}", workerId, shard, e.getMessage());
            }
            return; // another worker was quicker
        }
        if (lease.finished()) {
            release(lease);
            return;
        }
        (steal ? stolen : taken).incrementAndGet();
        ShardConsumer consumer = consumers.apply(lease);
        HeldLease h = new HeldLease(consumer, sentMs + leaseDurationMs);
        held.put(shard, h);
        consumer.done().whenComplete((outcome, error) -> {
            if (held.remove(shard, h) && outcome == ShardConsumer.Outcome.LEASE_LOST) {
                lost.incrementAndGet(); // a refused checkpoint (losses found by renewal are counted in drop)
            }
            processedByEnded.addAndGet(consumer.metrics().recordsProcessed());
        });
        consumer.start();
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
        held.values().forEach(h -> h.consumer.requestShutdown());
    }

    /** The shard consumers running now. */
    public List<ShardConsumer> consumers() {
        return held.values().stream().map(h -> h.consumer).toList();
    }

    public boolean holdsNone() {
        return held.isEmpty();
    }

    /** Per-shard metrics, sorted by shard id. */
    public List<ShardMetrics> shardMetrics() {
        List<ShardMetrics> out = new ArrayList<>();
        held.values().forEach(h -> out.add(h.consumer.metrics()));
        out.sort(Comparator.comparing(ShardMetrics::shardId));
        return out;
    }

    /** Records processed under leases that have ended. */
    public long recordsProcessedByEndedLeases() {
        return processedByEnded.get();
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
