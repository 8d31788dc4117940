/**
 * Apache Ratis behind the replication interfaces: one {@link io.sluice.broker.replication.ratis.BrokerRaft} per
 * broker hosting the metadata group and this broker's data groups (multi-raft), their state machines (thin wrappers
 * of the apply units), group commit, snapshots, and snapshot install with shard data copied over the internal
 * listener ({@link io.sluice.broker.replication.ratis.ReplicaSync} fetches, {@code ReplicaSyncService} serves).
 * Ratis's relocated protobuf is converted in {@link io.sluice.broker.replication.ratis.RatisBytes} only.
 */
package io.sluice.broker.replication.ratis;
