package io.sluice.firehose.delivery;

/**
 * Records that a shard has been delivered up to a sequence number (inclusive). Given by the record source: a
 * consumer-lease checkpoint for a Sluice stream source.
 */
@FunctionalInterface
public interface Checkpointer {
    /**
     * Called on the shard's delivery thread once every object holding records up to {@code sequenceNumber} is
     * completely written. Must not return before the checkpoint is durable.
     *
     * @throws Exception when the checkpoint was not stored (for instance the lease was lost); the shard's
     *                   {@link ShardDelivery} then fails and must be restarted from the last stored checkpoint
     */
    void checkpoint(String sequenceNumber) throws Exception;

    /**
     * Throws when this writer may no longer own the shard (its lease may have expired, or will within a safety
     * margin): called right before a batch intent is written and before every attempt to write an object, so a
     * writer that was paused past its lease (GC pause, frozen VM, partitioned from the cluster but not from the
     * destination) stops before it writes. The delivery then fails without writing. The default checks nothing.
     */
    default void checkOwnership() throws Exception {
    }
}
