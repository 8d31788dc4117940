package io.sluice.client.consumer;

/**
 * Makes a {@link RecordProcessor} for each lease the worker takes. Called from the consumer's lease thread; must
 * be thread-safe if it shares state between processors.
 */
@FunctionalInterface
public interface RecordProcessorFactory {
    RecordProcessor create(String shardId);
}
