package io.sluice.firehose.delivery;

import java.time.Duration;

/**
 * How often and how patiently a failed write to the destination is retried before the shard's delivery fails
 * (and is restarted from its last checkpoint). Writes are idempotent (deterministic names), so retrying is safe.
 *
 * @param maxAttempts    1..100 attempts per write, the first included
 * @param initialBackoff wait after the first failure; doubles per attempt
 * @param maxBackoff     upper bound of the wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(200), Duration.ofSeconds(10));

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** The wait before attempt {@code attempt} (2 for the first retry). */
    public Duration backoffBefore(int attempt) {
        long ms = initialBackoff.toMillis();
        for (int i = 2; i < attempt && ms < maxBackoff.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }
}
