package io.sluice.firehose.delivery;

import io.sluice.common.SluiceException;
import java.time.Duration;

/**
 * When a shard's buffered records are delivered: once they add up to {@code sizeMib} MiB of record data, or once
 * {@code intervalSeconds} have passed since the first of them was buffered, whichever comes first. An interval of 0
 * delivers what each poll brought at once.
 *
 * @param sizeMib         1..128 MiB of record data (as put, before conversion)
 * @param intervalSeconds 0..900 seconds
 */
public record BufferingHints(int sizeMib, int intervalSeconds) {
    public static final int MIN_SIZE_MIB = 1;
    public static final int MAX_SIZE_MIB = 128;
    public static final int MAX_INTERVAL_SECONDS = 900;
    public static final BufferingHints DEFAULTS = new BufferingHints(5, 300);

    /**
     * @throws SluiceException INVALID_ARGUMENT naming {@code field}.size_in_mibs or .interval_in_seconds
     */
    public BufferingHints validate(String field) {
        if (sizeMib < MIN_SIZE_MIB || sizeMib > MAX_SIZE_MIB) {
            throw SluiceException.invalidArgument(field + ".size_in_mibs", MIN_SIZE_MIB + ".." + MAX_SIZE_MIB + " MiB",
                    sizeMib + " MiB");
        }
        if (intervalSeconds < 0 || intervalSeconds > MAX_INTERVAL_SECONDS) {
            throw SluiceException.invalidArgument(field + ".interval_in_seconds", "0.." + MAX_INTERVAL_SECONDS
                    + " seconds", intervalSeconds + " seconds");
        }
        return this;
    }

    public long sizeBytes() {
        return (long) sizeMib << 20;
    }

    public Duration interval() {
        return Duration.ofSeconds(intervalSeconds);
    }
}
