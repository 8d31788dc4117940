/**
 * The producer SDK: {@link io.sluice.client.producer.Producer} (the contract), {@link
 * io.sluice.client.producer.SluiceProducer} (against a cluster), {@link io.sluice.client.producer.FakeProducer} (for
 * users' unit tests), their settings ({@link io.sluice.client.producer.ProducerConfig}) and results.
 *
 * <pre>
 *  put(stream, key, data)                          caller's thread: validate (Limits), route by the cached shard map,
 *    │                                             reserve buffer memory (may block up to max.block.ms)
 *    ▼
 *  RecordAccumulator  shard → [batch, batch, …]    linger.ms, batch.max.records / batch.max.bytes
 *    │ drain (ready batches)
 *    ▼
 *  Sender.runOnce()                                I/O thread: group batches by group leader → PutRecords
 *    │                                             (≤ 500 records, ≤ 5 MiB per call)
 *    ▼
 *  BatchOutcomes                                   ack → future; retriable → back to the accumulator after backoff;
 *                                                  otherwise, or past delivery.timeout.ms → future fails
 *  MetadataCache                                   ListShards (shard → range, group) and DescribeCluster (group →
 *                                                  leader), refreshed on failures and stale answers
 * </pre>
 *
 * The machinery lives in {@code internal}; only the types here are the public API. See docs/producer.md.
 */
package io.sluice.client.producer;
