/**
 * The consumer SDK: workers of a consumer application share a stream's shards through leases kept in the cluster's
 * metadata group (leases.proto) and run a {@link io.sluice.client.consumer.RecordProcessor} per shard held.
 *
 * <p>Contracts live here: {@link io.sluice.client.consumer.SluiceConsumer} and its builder,
 * {@link io.sluice.client.consumer.RecordProcessor} / {@link io.sluice.client.consumer.RecordProcessorFactory},
 * {@link io.sluice.client.consumer.Checkpointer}, the record and position types, and metrics. The machinery is in
 * {@code internal}:
 *
 * <pre>
 *   lease thread:  LeaseCoordinator.runOnce ── RenewLeases / ListLeases / AcquireLease ──► metadata group
 *                        │ LeaseBalancer.decide (pure)
 *                        ▼ starts / stops
 *   per lease:     ShardConsumer ◄── PrefetchBuffer ◄── ShardFetcher ◄── Subscription (SubscribeToShard, push)
 *                        │ processing pool, one step              │                or Poller (GetRecords)
 *                        ▼ at a time per shard                    └── at the shard's leader (BrokerChannels)
 *                  RecordProcessor ── ShardCheckpointer ── Checkpoint(counter) ──► metadata group
 * </pre>
 *
 * See docs/consumer.md for options, semantics and guarantees.
 */
package io.sluice.client.consumer;
