package io.sluice.firehose.delivery;

import java.time.Duration;

/** Waits between retries; injected so that tests never sleep. */
@FunctionalInterface
public interface Sleeper {
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration d) throws InterruptedException;
}
