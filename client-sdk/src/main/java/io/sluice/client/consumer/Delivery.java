package io.sluice.client.consumer;

/** How records reach the consumer. */
public enum Delivery {
    /**
     * SubscribeToShard at the shard's leader: the broker pushes records as they are applied. A shard whose
     * subscription fails three times in a row without delivering anything falls back to polling for 30 s, then
     * tries push again.
     */
    PUSH,
    /** GetRecords in a loop, waiting the poll interval whenever a call returns nothing. */
    POLLING
}
