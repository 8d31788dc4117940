/**
 * A PutRecords load tool for a running Sluice cluster, in the manner of the OpenMessaging Benchmark: a fixed or
 * maximum offered rate, per-interval and final throughput, and HdrHistogram ack latency measured from each record's
 * intended send time at a fixed rate.
 *
 * <pre>
 *  LoadMain ── WorkloadOptions (flags)
 *     └─ LoadRun: ClusterMetadata (wait, ListShards/CreateStream, DescribeCluster) ──► ShardMap, ShardRouter
 *          │                                         LeaderRefresher ──(every few s)──► ShardRouter leaders
 *          ├─ Producer × N (own thread): RateSchedule ─► KeySpace (key → shard) ─► ShardBatcher (per shard:
 *          │     count / bytes / linger) ─► in-flight window ─► PutRecordsSender ── async gRPC ──► shard's leader
 *          │                                                           │ callbacks
 *          └─ Reporter (main thread) ◄── LoadStats (HdrHistogram Recorder, counters) ◄──┘
 * </pre>
 */
package io.sluice.bench.load;
