/**
 * Where delivered records come from: a Sluice stream read with the consumer SDK, one worker per delivery stream
 * ({@code DeliveryStreamWorker}), one {@code ShardDeliveryProcessor} per shard lease feeding a
 * {@link io.sluice.firehose.delivery.ShardDelivery} and checkpointing through the lease. Direct puts are read the
 * same way from their backing stream.
 */
package io.sluice.firehose.source;
