/**
 * A Sluice broker. {@link io.sluice.broker.Broker} is the composition root: it builds and starts the layers below,
 * which call one another in one direction only (enforced by {@code BrokerArchitectureTest}):
 *
 * <pre>
 *  io.sluice.broker (root: Broker, BrokerMain)
 *     │
 *     ▼
 *  grpc         gRPC adapters of the client port: decode calls, answer through GrpcCalls (error catalogue)
 *     │
 *     ▼
 *  stream       the stream domain: control plane, write path (validate → route → append), read path, iterators
 *     │
 *     ▼
 *  replication  what the domain needs from consensus (MetadataGroup, DataGroups) and the closed apply units
 *     │  ▲          (DataApplier); replication.ratis implements them with Apache Ratis and serves the
 *     │  └─ ratis    broker-to-broker internal listener
 *     ▼
 *  metadata     the metadata group's state and how commands change it (pure)
 *  storage      Chronicle Queue shard logs
 *  config       typed configuration (read by every layer)
 * </pre>
 */
package io.sluice.broker;
