package io.sluice.client.consumer.internal;

import java.util.List;

/**
 * The Leases RPCs (leases.proto) for one worker of one application over one stream. Implementations retry while the
 * cluster is briefly unavailable and then throw a {@link io.sluice.common.SluiceException}; a lease that is not the
 * worker's any more fails with {@code LEASE_LOST}. Thread-safe.
 */
public interface LeaseClient {
    /** Every shard's lease, and the cluster time of the listing. */
    Listing list();

    /** Takes a lease: unowned, expired or already this worker's; or, with {@code steal}, at {@code expectedCounter}. */
    LeaseInfo acquire(String shardId, boolean steal, long expectedCounter);

    /** Extends the leases held (shard id, counter) in one call. */
    RenewResult renew(List<Held> leases);

    /** Gives a lease up at once; LEASE_LOST if it was not held with that counter. */
    void release(String shardId, long leaseCounter);

    /** Records {@code sequenceNumber} (or SHARD_END) as the shard's checkpoint under the lease counter. */
    LeaseInfo checkpoint(String shardId, long leaseCounter, String sequenceNumber);

    record Listing(List<LeaseInfo> leases, long nowMs) {
        public Listing {
            leases = List.copyOf(leases);
        }
    }

    record Held(String shardId, long leaseCounter) {
    }

    record RenewResult(List<LeaseInfo> renewed, List<String> lostShardIds) {
        public RenewResult {
            renewed = List.copyOf(renewed);
            lostShardIds = List.copyOf(lostShardIds);
        }
    }
}
