package io.sluice.client.producer.internal;

/** Monotonic time for the producer's deadlines, injectable so tests drive it instead of sleeping. */
public interface Time {
    Time SYSTEM = System::nanoTime;

    long nanoTime();

    default long millis() {
        return nanoTime() / 1_000_000;
    }
}
