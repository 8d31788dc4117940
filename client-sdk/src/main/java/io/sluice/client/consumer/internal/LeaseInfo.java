package io.sluice.client.consumer.internal;

import java.util.List;

/**
 * A shard's lease as the cluster listed it (leases.proto {@code Lease}) in domain terms.
 *
 * @param owner      the owning worker, empty when unowned
 * @param expiresAtMs cluster time the lease expires at, 0 when unowned
 * @param checkpoint a sequence number, {@link #SHARD_END}, or null when never checkpointed
 */
public record LeaseInfo(String shardId, String owner, long leaseCounter, long expiresAtMs, String checkpoint,
                        List<String> parentShardIds) {
    public static final String SHARD_END = "SHARD_END";

    public LeaseInfo {
        parentShardIds = List.copyOf(parentShardIds);
    }

    /** Checkpointed at SHARD_END: nothing left to process. */
    public boolean finished() {
        return SHARD_END.equals(checkpoint);
    }

    /** Held by some worker at cluster time {@code nowMs}. */
    public boolean heldAt(long nowMs) {
        return !owner.isEmpty() && expiresAtMs > nowMs;
    }
}
