package io.sluice.client.consumer;

import java.util.List;

/**
 * Processes the records of one shard for as long as this worker holds the shard's lease. A
 * {@link RecordProcessorFactory} makes one instance per lease taken: when a lease is taken again later (by this or
 * another worker), a new instance starts from the shard's last checkpoint.
 *
 * <p>Lifecycle: {@link #initialize} once, then {@link #processRecords} any number of times, then exactly one of
 * {@link #leaseLost}, {@link #shardEnded} or {@link #shutdownRequested}, after which the instance gets no more calls.
 * An instance whose lease ends before {@code initialize} was called (lost at once, or the worker shut down) gets no
 * call at all.
 * If a callback throws, the instance gets no more calls either; the lease is released without a checkpoint, so the
 * shard is processed again from its last checkpoint (see docs/consumer.md).
 *
 * <p>Threading: the callbacks of one instance are made one at a time, each after the previous one returned, from
 * the consumer's processing pool (not always the same thread; each call happens-after the previous one, so the
 * instance needs no locking of its own). Different shards' processors run concurrently. A callback that blocks holds
 * up its shard only, and a pool thread.
 *
 * <p>Delivery is at least once: records processed after the last successful checkpoint are delivered again to the
 * next owner of the lease, e.g. after a crash or when the lease is taken over.
 */
public interface RecordProcessor {
    /**
     * Called once before any records. {@code start} is where reading begins: after the shard's checkpoint, or the
     * consumer's initial position when the shard has none.
     */
    void initialize(String shardId, StartPosition start);

    /**
     * Records of the shard in sequence-number order, continuing without gaps from the previous call (or from the
     * start position). Never called with an empty list.
     *
     * @param checkpointer   records progress; see {@link Checkpointer}
     * @param millisBehindLatest how far the last record of this batch is behind the newest record of the shard
     */
    void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long millisBehindLatest);

    /**
     * The lease was taken by another worker, expired, or a checkpoint was refused with LEASE_LOST. Records not yet
     * processed are dropped and checkpoints are no longer possible: there is nothing to do but release resources.
     */
    void leaseLost();

    /**
     * The shard is closed and every record of it was delivered. The processor must call
     * {@link Checkpointer#checkpointShardEnd()}: child shards start only after their parents are checkpointed at
     * SHARD_END.
     */
    void shardEnded(Checkpointer checkpointer);

    /**
     * The consumer is shutting down gracefully. Checkpoint what was processed: the lease is released as soon as this
     * returns, and the next owner starts after the last checkpoint.
     */
    void shutdownRequested(Checkpointer checkpointer);

    /**
     * The lease's processing is over, whatever the outcome: after the last callback, after a callback threw, after
     * the worker stopped at once ({@code shutdownNow}), and also when the lease ended before {@link #initialize} was
     * called (no other call at all). Called exactly once, possibly from a thread other than the callbacks' (and, when
     * the worker stops at once, while a callback may still be running), so it must be thread-safe and quick: release
     * what the instance holds. The default does nothing.
     */
    default void processingEnded() {
    }
}
