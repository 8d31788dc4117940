package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.StartPosition;

/** Reads one shard into a {@link PrefetchBuffer}; {@link ShardFetcher} over gRPC, fakes in tests. */
public interface Fetcher {
    /** Starts reading at {@code from}; batches go to the buffer the fetcher was made with. */
    void start(StartPosition from);

    /** Stops reading; batches still in flight may be dropped. Idempotent. */
    void stop();

    /** How records arrive now. */
    Delivery currentDelivery();

    /** Makes the fetcher of one shard. */
    @FunctionalInterface
    interface Factory {
        Fetcher create(String shardId, PrefetchBuffer buffer);
    }
}
