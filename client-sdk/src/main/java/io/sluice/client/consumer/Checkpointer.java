package io.sluice.client.consumer;

import io.sluice.common.SluiceException;

/**
 * Records how far a shard was processed, in the cluster, under the lease the worker holds (its fencing counter).
 * Each call is one synchronous Checkpoint RPC, retried while the cluster is briefly unavailable.
 *
 * <p>Thread-safe: may be called from the processor's callbacks or, for processors that finish work asynchronously,
 * from any thread while the lease is held.
 *
 * <p>Failures are {@link SluiceException}s: {@code LEASE_LOST} when the lease is no longer this worker's (the
 * checkpoint was refused because the lease counter is stale; the processor then receives
 * {@link RecordProcessor#leaseLost()} and no more records), {@code UNAVAILABLE} when the cluster did not answer in
 * time (nothing is known to be lost; try again later).
 */
public interface Checkpointer {
    /** Checkpoints at the last record delivered so far to {@link RecordProcessor#processRecords}. */
    void checkpoint();

    /**
     * Checkpoints at a record already delivered: everything up to and including it was processed.
     *
     * @throws IllegalArgumentException when the sequence number is not a sequence number of this stream, lies after
     *                                  the last record delivered, or before the last checkpoint
     * @throws IllegalStateException    after {@link #checkpointShardEnd()}
     */
    void checkpoint(String sequenceNumber);

    /** Same as {@code checkpoint(record.sequenceNumber())}. */
    default void checkpoint(ConsumerRecord record) {
        checkpoint(record.sequenceNumber());
    }

    /**
     * Marks the shard finished, which lets its child shards start. Only allowed in
     * {@link RecordProcessor#shardEnded}.
     *
     * @throws IllegalStateException when the shard has not ended
     */
    void checkpointShardEnd();

    /** The last checkpoint recorded: a sequence number, "SHARD_END", or null when the shard has none. */
    String lastCheckpoint();

    /**
     * How much longer, in milliseconds by the consumer's clock, the lease is known to be held: until the validity
     * its last successful renewal (or its acquisition) gave it, counted from when that request was sent, so it ends
     * no later than the cluster's expiry (clock-rate drift aside). Zero or negative once that time has passed or the
     * lease was lost or given up. For processors that write to systems the lease does not fence, to stop before the
     * cluster may have given the shard to another worker. Thread-safe.
     *
     * <p>The default, for implementations outside the SDK, is {@link Long#MAX_VALUE} (unknown).
     */
    default long millisUntilLeaseExpiry() {
        return Long.MAX_VALUE;
    }

    /**
     * Gives the lease up without a checkpoint, from any thread (for instance a timer whose work for the shard failed
     * outside a callback): the consumer stops reading the shard, checkpoints are refused from now on, the processor
     * gets {@link RecordProcessor#leaseLost()} (if it was initialized) and no other call, and the lease is released,
     * so the shard is processed again from its last checkpoint by whichever worker takes it next (maybe this one).
     * No effect once the processor has had its last callback.
     *
     * @throws UnsupportedOperationException in implementations outside the SDK (the default)
     */
    default void giveUpLease() {
        throw new UnsupportedOperationException("giveUpLease");
    }
}
