/**
 * The delivery core of Firehose, independent of where records come from: a shard's records go in, in sequence
 * order; complete objects come out in an {@link io.sluice.firehose.delivery.ObjectStore}, followed by a checkpoint.
 *
 * <pre>
 *  record source (consumer SDK lease for one shard)
 *      │ SourceRecord, in sequence order
 *      ▼
 *  ShardDelivery ── RecordConverter (JSON → Avro / raw / JSON lines; failures → error line)
 *      │            PrefixTemplate (!{timestamp:…}, !{partitionKey:…})
 *      ▼
 *  ShardBatch: one ObjectEncoder per key prefix (Parquet via parquet-avro, or JSON lines), in memory
 *      │ size hint reached / interval passed / partitions cap / a replayed batch's end
 *      ▼
 *  BatchIntent (first, last) stored ──► ObjectStore.put every object ──► Checkpointer ──► intent removed
 * </pre>
 *
 * Contracts (configuration, record, store, checkpointer, metrics) live here; the machinery is in
 * {@code internal}. docs/firehose.md gives the exactly-once argument.
 */
package io.sluice.firehose.delivery;
