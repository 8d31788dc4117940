package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.ShardMetrics;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.SluiceException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one lease's {@link RecordProcessor}: initialize, then batches from the prefetch buffer, then exactly one of
 * leaseLost / shardEnded / shutdownRequested. Every callback runs inside {@link #step()}, and at most one step of a
 * shard runs at a time (a step is scheduled on the processing pool only when none is scheduled or running), which is
 * what makes a processor's callbacks sequential. Signals from other threads (lease lost, shutdown, new data) only set
 * flags and schedule a step.
 *
 * <p>Ending: on lease loss the fetcher stops and prefetched records are dropped before {@code leaseLost()}. The lease
 * is also treated as lost, before a batch would be handed over, once the local clock passes the validity the
 * coordinator last extended it to ({@link #extendLease}): renewals that keep failing must not let a worker go on
 * processing a shard that the cluster may already have given to another. On
 * shutdown the processor checkpoints in {@code shutdownRequested} and the lease is released at once; after
 * {@code shardEnded} (which must checkpoint SHARD_END) the lease is released. A callback that throws ends the
 * processor and releases the lease without a checkpoint, so the shard is read again from its last checkpoint; so
 * does {@link #giveUp()} (the processor's {@code Checkpointer.giveUpLease()}, from any thread), after
 * {@code leaseLost()}. Whatever the end, the processor's {@code processingEnded()} follows once.
 */
public final class ShardConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(ShardConsumer.class);

    /** How a lease's processing ended. */
    public enum Outcome { LEASE_LOST, SHARD_ENDED, SHUT_DOWN, FAILED }

    private enum State { NEW, PROCESSING }

    private final String shardId;
    private final long leaseCounter;
    private final StartPosition start;
    private final RecordProcessor processor;
    private final LeaseClient leases;
    private final Executor pool;
    private final PrefetchBuffer buffer;
    private final Fetcher fetcher;
    private final ShardCheckpointer checkpointer;
    private final RateMeter rate;
    private final Clock clock;
    private final LongAdder processedByWorker;
    private final AtomicLong processed = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private volatile boolean lostSignal;
    private volatile boolean shutdownSignal;
    private volatile boolean giveUpSignal;
    private volatile long millisBehindLatest;
    private volatile long leaseValidUntilMs = Long.MAX_VALUE;
    // Owned by the running step.
    private State state = State.NEW;

    /**
     * What a shard consumer needs besides its lease and processor; shared by every shard of a worker.
     *
     * @param processedByWorker counts the records handed to processors, over every lease of the worker
     */
    public record Settings(LeaseClient leases, Fetcher.Factory fetchers, int maxPrefetchRecords, long maxPrefetchBytes,
                           Executor pool, Clock clock, LongAdder processedByWorker) {
    }

    /**
     * @param lease the lease as acquired: its counter fences this consumer's checkpoints
     * @param start where reading starts (see {@link LeaseBalancer#startPosition})
     */
    public ShardConsumer(LeaseInfo lease, StartPosition start, RecordProcessor processor, Settings s) {
        this.shardId = lease.shardId();
        this.leaseCounter = lease.leaseCounter();
        this.start = start;
        this.processor = processor;
        this.clock = s.clock();
        this.processedByWorker = s.processedByWorker();
        this.leases = s.leases();
        this.pool = s.pool();
        this.buffer = new PrefetchBuffer(s.maxPrefetchRecords(), s.maxPrefetchBytes(), this::schedule);
        this.fetcher = s.fetchers().create(shardId, buffer);
        this.checkpointer = new ShardCheckpointer(shardId, leaseCounter, lease.checkpoint(), s.leases(),
                this::schedule, this::millisUntilLeaseExpiry, this::giveUp);
        this.rate = new RateMeter(s.clock(), 10);
    }

    public String shardId() {
        return shardId;
    }

    public long leaseCounter() {
        return leaseCounter;
    }

    /** Completes once the processor got its last callback (and the lease was released, when it is to be). */
    public CompletableFuture<Outcome> done() {
        return done;
    }

    public void start() {
        schedule();
    }

    /** The lease is held at least until {@code untilMs} (local clock); never shortens it. */
    public void extendLease(long untilMs) {
        if (untilMs > leaseValidUntilMs || leaseValidUntilMs == Long.MAX_VALUE) {
            leaseValidUntilMs = untilMs;
        }
    }

    /** Local clock time until which the lease is known to be held, {@code Long.MAX_VALUE} when never set. */
    public long leaseValidUntilMs() {
        return leaseValidUntilMs;
    }

    private long millisUntilLeaseExpiry() {
        long until = leaseValidUntilMs;
        return until == Long.MAX_VALUE ? Long.MAX_VALUE : until - clock.millis();
    }

    /**
     * The processor gives the lease up ({@link io.sluice.client.consumer.Checkpointer#giveUpLease()}), from any
     * thread: checkpoints are refused from now on; the next step calls {@code leaseLost()} and releases the lease.
     */
    public void giveUp() {
        giveUpSignal = true;
        checkpointer.markLost();
        schedule();
    }

    /** The lease is gone (renewal said so, or it expired locally). */
    public void leaseLost() {
        checkpointer.markLost();
        lostSignal = true;
        schedule();
    }

    /** Graceful shutdown: let the processor checkpoint, then release the lease. */
    public void requestShutdown() {
        shutdownSignal = true;
        schedule();
    }

    /**
     * Ends at once without further callbacks or RPCs, as a crashed worker would (the lease expires in the
     * cluster).
     */
    public void abandon() {
        checkpointer.markLost();
        fetcher.stop();
        buffer.clear();
        complete(Outcome.LEASE_LOST);
    }

    private void complete(Outcome outcome) {
        if (done.complete(outcome)) {
            try {
                processor.processingEnded();
            } catch (RuntimeException e) {
                LOG.warn("{}: processingEnded threw", shardId, e);
            }
        }
    }

    public ShardMetrics metrics() {
        long idle = buffer.idleMillisBehindLatest();
        return new ShardMetrics(shardId, leaseCounter, idle >= 0 ? idle : millisBehindLatest, processed.get(),
                rate.perSecond(), buffer.records(), checkpointer.lastCheckpoint(), fetcher.currentDelivery());
    }

    void schedule() {
        if (!done.isDone() && scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(this::run);
            } catch (RejectedExecutionException e) {
                scheduled.set(false); // the pool is gone: the worker is shutting down at once
            }
        }
    }

    private void run() {
        try {
            step();
        } catch (RuntimeException | Error e) {
            LOG.error("{}: unexpected failure of the shard consumer", shardId, e);
            end(Outcome.FAILED, true);
        } finally {
            scheduled.set(false);
        }
        if (hasWork()) {
            schedule();
        }
    }

    private boolean hasWork() {
        return !done.isDone() && (giveUpSignal || lostSignal || shutdownSignal || checkpointer.lost() || state == State.NEW
                || !buffer.isEmpty());
    }

    /** One unit of work; package-private so that tests can drive a consumer without a pool. */
    void step() {
        if (done.isDone()) {
            return;
        }
        if (giveUpSignal) {
            fetcher.stop();
            buffer.clear();
            if (state != State.NEW) {
                callback("leaseLost", processor::leaseLost);
            }
            LOG.info("{}: the processor gave the lease (counter {}) up; releasing it without a checkpoint", shardId,
                    leaseCounter);
            end(Outcome.FAILED, true);
            return;
        }
        if (lostSignal || checkpointer.lost()) {
            fetcher.stop();
            buffer.clear();
            if (state != State.NEW) {
                callback("leaseLost", processor::leaseLost);
            }
            end(Outcome.LEASE_LOST, false);
            return;
        }
        if (shutdownSignal) {
            fetcher.stop();
            buffer.clear();
            if (state != State.NEW) {
                callback("shutdownRequested", () -> processor.shutdownRequested(checkpointer));
            }
            // A checkpoint refused here ends the processor too: it already had its last callback.
            end(checkpointer.lost() ? Outcome.LEASE_LOST : Outcome.SHUT_DOWN, !checkpointer.lost());
            return;
        }
        if (state == State.NEW) {
            if (callback("initialize", () -> processor.initialize(shardId, start))) {
                state = State.PROCESSING;
                fetcher.start(start);
            }
            return;
        }
        if (buffer.isEmpty()) {
            return;
        }
        if (clock.millis() >= leaseValidUntilMs) {
            LOG.warn("{}: lease (counter {}) not renewed in time; stopping before the next batch", shardId,
                    leaseCounter);
            leaseLost();
            return;
        }
        FetchedBatch batch = buffer.poll();
        if (batch == null) {
            return; // abandoned meanwhile
        }
        if (!batch.records().isEmpty()) {
            checkpointer.delivered(batch.lastSequenceNumber());
            millisBehindLatest = batch.millisBehindLatest();
            int n = batch.records().size();
            processed.addAndGet(n);
            processedByWorker.add(n);
            rate.record(n);
            if (!callback("processRecords", () -> processor.processRecords(batch.records(), checkpointer,
                    batch.millisBehindLatest())) || checkpointer.lost()) {
                return;
            }
        }
        if (batch.shardEnd()) {
            fetcher.stop();
            checkpointer.allowShardEnd();
            boolean ok = callback("shardEnded", () -> processor.shardEnded(checkpointer));
            if (checkpointer.lost()) {
                end(Outcome.LEASE_LOST, false);
                return;
            }
            if (!ok) {
                return;
            }
            if (!checkpointer.checkpointedShardEnd()) {
                LOG.error("{}: the processor returned from shardEnded without checkpointer.checkpointShardEnd(); "
                        + "the lease is released and the shard will be processed again from its last checkpoint",
                        shardId);
                end(Outcome.FAILED, true);
                return;
            }
            end(Outcome.SHARD_ENDED, true);
        }
    }

    /**
     * Runs a processor callback. False when it threw, in which case the processor is finished (lease released)
     * unless the failure was a refused checkpoint, which the next step reports as leaseLost.
     */
    private boolean callback(String name, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException e) {
            if (checkpointer.lost()) {
                LOG.info("{}: {} ended with the lease lost: {}", shardId, name, e.getMessage());
                return false;
            }
            if (name.equals("leaseLost")) {
                LOG.warn("{}: leaseLost threw", shardId, e);
                return false;
            }
            LOG.error("{}: {} threw; the processor gets no more calls, and the lease is released without a "
                    + "checkpoint", shardId, name, e);
            fetcher.stop();
            buffer.clear();
            end(Outcome.FAILED, true);
            return false;
        }
    }

    private void end(Outcome outcome, boolean release) {
        if (done.isDone()) {
            return;
        }
        fetcher.stop();
        buffer.clear();
        if (release) {
            try {
                leases.release(shardId, leaseCounter);
            } catch (SluiceException e) {
                LOG.warn("{}: could not release the lease (counter {}); it will expire: {}", shardId, leaseCounter,
                        e.getMessage());
            }
        }
        complete(outcome);
    }
}
