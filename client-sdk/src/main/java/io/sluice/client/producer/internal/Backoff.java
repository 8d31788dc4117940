package io.sluice.client.producer.internal;

import java.util.Random;

/**
 * Exponential backoff with jitter: attempt n waits {@code base * 2^(n-1)} ms, capped at {@code max}, then scaled by a
 * random factor in [0.8, 1.2] (and capped at {@code max} again), so that producers that failed together do not retry
 * together.
 *
 * <p>Threads: owned by the sender thread (the {@link Random} is not shared).
 */
public final class Backoff {
    static final double JITTER = 0.2;

    private final long baseMs;
    private final long maxMs;
    private final Random random;

    public Backoff(long baseMs, long maxMs, Random random) {
        if (baseMs < 1 || maxMs < baseMs) {
            throw new IllegalArgumentException("backoff needs 1 <= base <= max, got " + baseMs + ", " + maxMs);
        }
        this.baseMs = baseMs;
        this.maxMs = maxMs;
        this.random = random;
    }

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    public long delayMs(int attempt) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 62);
        double exponential = Math.min((double) maxMs, baseMs * Math.pow(2, doublings));
        double factor = 1 - JITTER + 2 * JITTER * random.nextDouble();
        return Math.max(1, Math.min(maxMs, Math.round(exponential * factor)));
    }
}
