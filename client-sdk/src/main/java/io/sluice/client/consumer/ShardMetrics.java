package io.sluice.client.consumer;

/**
 * What a worker knows about one shard it holds, as of the moment {@link SluiceConsumer#metrics()} was called.
 *
 * @param shardId            the shard
 * @param leaseCounter       the fencing counter this worker holds the lease with
 * @param millisBehindLatest how far the last record read (or the position, when idle) is behind the newest record of
 *                           the shard, as the broker last reported it; 0 when caught up
 * @param recordsProcessed   records handed to the processor under this lease
 * @param recordsPerSecond   processing rate over the last 10 seconds
 * @param prefetchedRecords  records read but not yet handed to the processor
 * @param lastCheckpoint     the last checkpoint: a sequence number, "SHARD_END", or null when none
 * @param delivery           how records currently arrive (PUSH may have fallen back to POLLING)
 */
public record ShardMetrics(String shardId, long leaseCounter, long millisBehindLatest, long recordsProcessed,
                           double recordsPerSecond, int prefetchedRecords, String lastCheckpoint, Delivery delivery) {
}
