/**
 * Committed shard data in Chronicle Queue: one {@link io.sluice.broker.storage.ShardLog} per shard, positions
 * contiguous per shard, retention by whole roll cycles, replay-safe appends. The lowest layer: depends on nothing
 * else of the broker.
 */
package io.sluice.broker.storage;
