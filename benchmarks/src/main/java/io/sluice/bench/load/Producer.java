package io.sluice.bench.load;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer: makes records at its share of the rate (or as fast as its in-flight window allows), batches them per
 * shard and keeps at most {@code maxInFlight} PutRecords calls outstanding, without a thread per call.
 *
 * <p>The work is a {@link #runOnce} step that returns when it next needs to run; {@link #run} is the thin driver
 * that parks the producer's thread until then (or until a call finishes). Tests drive the step directly.
 *
 * <p>Threads: {@link #runOnce} and everything it touches (batcher, schedule, random) belong to the driver thread.
 * Completion callbacks, on gRPC threads, only decrement {@link #inFlight} and unpark the driver. {@link #stop} may be
 * called from any thread.
 */
final class Producer implements Runnable {
    /** Sends a batch asynchronously. */
    interface BatchSender {
        /** Starts the call for {@code batch}; {@code done} runs exactly once when it has finished, on any thread. */
        void send(Batch batch, Runnable done);
    }

    /** Longest park, so that a lost wake-up costs at most this much. */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** At max rate, records made per step before the step returns (to read the clock again). */
    static final int MAX_RATE_RECORDS_PER_STEP = 4096;

    private final KeySpace keys;
    private final ShardBatcher batcher;
    private final RateSchedule schedule; // null at max rate
    private final SplittableRandom random;
    private final BatchSender sender;
    private final int maxInFlight;
    private final int maxReady;
    private final long tickNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Runnable onCallDone = this::onCallDone;
    private volatile Thread driver;
    private volatile boolean stopping;
    private volatile long lagNanos;

    /**
     * @param schedule     intended send times at a fixed rate, or null for max rate
     * @param lingerNanos  the batcher's linger; also sets how often a fixed-rate producer wakes to make records
     */
    Producer(KeySpace keys, ShardBatcher batcher, RateSchedule schedule, long seed, BatchSender sender,
             int maxInFlight, long lingerNanos) {
        this.keys = keys;
        this.batcher = batcher;
        this.schedule = schedule;
        this.random = new SplittableRandom(seed);
        this.sender = sender;
        this.maxInFlight = maxInFlight;
        // a fixed-rate producer that cannot send stops making records once this many batches wait; the records
        // it makes later keep their intended times, so the stall shows in the latency
        this.maxReady = Math.max(16, 2 * maxInFlight);
        // records are made in bursts every tick; a batch still leaves at its first record's intended time + linger,
        // so the tick adds latency only when linger is shorter than it
        this.tickNanos = Math.max(TimeUnit.MICROSECONDS.toNanos(50),
                Math.min(TimeUnit.MILLISECONDS.toNanos(1), lingerNanos / 2));
    }

    /**
     * One step at time {@code nowNanos}: makes the records that are due, closes batches whose linger has passed, and
     * sends closed batches while the in-flight window has room. Returns when the step should run again.
     */
    long runOnce(long nowNanos) {
        if (stopping) {
            batcher.closeAll();
        } else if (schedule != null) {
            while (schedule.nextDueNanos() <= nowNanos && batcher.readyCount() < maxReady) {
                addRecord(schedule.take());
            }
            lagNanos = Math.max(0, nowNanos - schedule.nextDueNanos());
        } else {
            for (int n = 0; n < MAX_RATE_RECORDS_PER_STEP; n++) {
                sendReady();
                if (batcher.hasReady()) {
                    break; // the window is full
                }
                addRecord(nowNanos);
            }
        }
        batcher.closeExpired(nowNanos);
        sendReady();
        if (batcher.hasReady() || stopping) {
            return nowNanos + MAX_PARK_NANOS; // waiting for calls to finish; onCallDone unparks us sooner
        }
        long wake = batcher.nextLingerDeadlineNanos();
        if (schedule == null) {
            return nowNanos; // the window has room: keep making records
        }
        return Math.min(wake, Math.max(schedule.nextDueNanos(), nowNanos + tickNanos));
    }

    private void addRecord(long intendedNanos) {
        int key = random.nextInt(keys.size());
        batcher.add(keys.shardOf(key), keys.entry(key), keys.recordBytes(), intendedNanos);
    }

    private void sendReady() {
        while (batcher.hasReady() && inFlight.get() < maxInFlight) {
            inFlight.incrementAndGet(); // only this thread increments, so the check above holds
            sender.send(batcher.pollReady(), onCallDone);
        }
    }

    private void onCallDone() {
        inFlight.decrementAndGet();
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d);
        }
    }

    /** Stops making records; batches already made are still sent. Any thread. */
    void stop() {
        stopping = true;
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d);
        }
    }

    /** Stopped, and every record made has been sent and answered. */
    boolean done() {
        return stopping && !batcher.hasOpen() && !batcher.hasReady() && inFlight.get() == 0;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** How far a fixed-rate producer is behind its schedule (0 at max rate or when on time). */
    long lagNanos() {
        return lagNanos;
    }

    /** The driver: runs steps on the calling thread until {@link #done()}. */
    @Override
    public void run() {
        driver = Thread.currentThread();
        while (!done()) {
            long wake = runOnce(System.nanoTime());
            long wait = wake - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, Math.min(wait, MAX_PARK_NANOS));
            }
        }
    }
}
