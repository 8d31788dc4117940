package io.sluice.bench.load;

/**
 * Intended send times of a fixed-rate stream of records: record {@code k} is due at {@code start + k / rate}, whatever
 * happened to the records before it. Latency measured from these times includes any time the producer fell behind
 * (coordinated-omission free, as OpenMessaging Benchmark and wrk2 measure).
 *
 * <p>Not thread-safe: owned by one producer.
 */
final class RateSchedule {
    private final long startNanos;
    private final double intervalNanos;
    private long next; // index of the next record to hand out

    /**
     * @param startNanos        when record 0 is due (a {@link System#nanoTime()} value)
     * @param recordsPerSecond  this schedule's rate, &gt; 0
     */
    RateSchedule(long startNanos, double recordsPerSecond) {
        if (!(recordsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0 records/s: " + recordsPerSecond);
        }
        this.startNanos = startNanos;
        this.intervalNanos = 1e9 / recordsPerSecond;
    }

    /**
     * The schedule of producer {@code index} of {@code count} sharing {@code totalRecordsPerSecond}: each runs at
     * 1/count of the rate, offset so that together they are evenly spaced.
     */
    static RateSchedule share(long startNanos, double totalRecordsPerSecond, int index, int count) {
        long offset = (long) (index * 1e9 / totalRecordsPerSecond);
        return new RateSchedule(startNanos + offset, totalRecordsPerSecond / count);
    }

    /** When the next record is due; computed from its index, so rounding never accumulates. */
    long nextDueNanos() {
        return startNanos + (long) (next * intervalNanos);
    }

    /** Hands out the next record: returns its intended send time and moves on. */
    long take() {
        long due = nextDueNanos();
        next++;
        return due;
    }

    /** Records handed out so far. */
    long taken() {
        return next;
    }
}
