package io.sluice.client.consumer.internal;

import java.time.Clock;

/** Events per second over a sliding window of whole seconds. Thread-safe. */
public final class RateMeter {
    private final Clock clock;
    private final long[] counts;
    private final long[] seconds;
    private final long startMs;

    public RateMeter(Clock clock, int windowSeconds) {
        this.clock = clock;
        this.counts = new long[windowSeconds];
        this.seconds = new long[windowSeconds];
        this.startMs = clock.millis();
        java.util.Arrays.fill(seconds, -1);
    }

    public synchronized void record(long n) {
        long second = clock.millis() / 1000;
        int slot = (int) Math.floorMod(second, (long) counts.length);
        if (seconds[slot] != second) {
            seconds[slot] = second;
            counts[slot] = 0;
        }
        counts[slot] += n;
    }

    /** Events per second over the window (or since creation, when younger than the window). */
    public synchronized double perSecond() {
        long nowMs = clock.millis();
        long now = nowMs / 1000;
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (seconds[i] > now - counts.length && seconds[i] <= now) {
                sum += counts[i];
            }
        }
        double spanMs = Math.min((long) counts.length * 1000, Math.max(1000, nowMs - startMs));
        return sum * 1000.0 / spanMs;
    }
}
