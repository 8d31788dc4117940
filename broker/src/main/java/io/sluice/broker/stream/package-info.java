/**
 * The stream domain: streams, shards, hash-key routing, limits and iterators.
 *
 * <pre>
 *  PutRecords ─► WritePath: validate every entry ─► route by hash key ─► one ShardAppend per shard
 *                         ─► DataGroups.append (group commit, Raft) ─► results back in request order
 *  GetRecords ─► ReadPath: decode iterator ─► leader check ─► shard log read ─► next iterator (long poll if empty)
 *  CreateStream… ─► ControlPlane ─► MetadataGroup.submit ─► answer after the local apply
 * </pre>
 *
 * It depends on replication only through {@link io.sluice.broker.replication.MetadataGroup} and
 * {@link io.sluice.broker.replication.DataGroups}, and on storage for reads.
 */
package io.sluice.broker.stream;
