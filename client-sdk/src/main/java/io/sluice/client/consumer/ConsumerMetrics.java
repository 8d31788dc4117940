package io.sluice.client.consumer;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A snapshot of one worker: the shards it holds (sorted by shard id) and totals since it started.
 *
 * @param workerId         the worker
 * @param shards           one entry per lease held
 * @param recordsProcessed records handed to processors since the worker started, over every lease it held
 * @param leasesTaken      leases taken (unowned, expired or released ones)
 * @param leasesStolen     leases taken from a busier worker for balance
 * @param leasesLost       leases lost (taken over, expired, or refused a checkpoint)
 */
public record ConsumerMetrics(String workerId, List<ShardMetrics> shards, long recordsProcessed, long leasesTaken,
                              long leasesStolen, long leasesLost) {
    public ConsumerMetrics {
        shards = List.copyOf(shards);
    }

    /** The ids of the shards held. */
    public Set<String> shardIds() {
        Set<String> ids = new TreeSet<>();
        shards.forEach(s -> ids.add(s.shardId()));
        return ids;
    }

    /** The processing rate summed over the shards held (each over its last 10 seconds). */
    public double recordsPerSecond() {
        return shards.stream().mapToDouble(ShardMetrics::recordsPerSecond).sum();
    }

    /** The largest lag over the shards held, 0 when none is held. */
    public long maxMillisBehindLatest() {
        return shards.stream().mapToLong(ShardMetrics::millisBehindLatest).max().orElse(0);
    }
}
