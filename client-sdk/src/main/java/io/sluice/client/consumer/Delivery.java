package io.sluice.client.consumer;

/** How records reach the consumer. */
public enum Delivery {
    /**
     * SubscribeToShard at the shard's leader: the broker pushes records as they are applied. A shard whose
     * subscription fails repeatedly without delivering anything falls back to polling for a while.
     */
    PUSH,
    /** GetRecords in a loop, waiting the poll interval whenever a call returns nothing. */
    POLLING
}
