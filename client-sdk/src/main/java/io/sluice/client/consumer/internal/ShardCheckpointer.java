package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;

/**
 * The {@link Checkpointer} of one lease: checkpoints carry the lease counter the worker took the lease with, so the
 * cluster refuses them (LEASE_LOST) once another worker has taken the shard. A refusal marks the lease lost and tells
 * the shard's consumer, which then stops the processor with {@code leaseLost()}.
 *
 * <p>Thread-safe. Checkpoint calls are serialized (one RPC at a time per lease) so that the cluster sees them in
 * the order they were made.
 */
public final class ShardCheckpointer implements Checkpointer {
    private final String shardId;
    private final long leaseCounter;
    private final LeaseClient leases;
    private final Runnable onLeaseLost;
    private final java.util.function.LongSupplier millisUntilLeaseExpiry;
    private final Runnable onGiveUp;
    private final Object rpcLock = new Object();
    // Guarded by this.
    private SequenceNumber lastDelivered;
    private String lastDeliveredText;
    private String lastCheckpoint;
    private boolean shardEnded;
    private volatile boolean lost;

    /**
     * @param checkpoint  the lease's checkpoint when it was taken (null when none)
     * @param onLeaseLost run once, on the calling thread, when a checkpoint is refused with LEASE_LOST
     */
    public ShardCheckpointer(String shardId, long leaseCounter, String checkpoint, LeaseClient leases,
                             Runnable onLeaseLost) {
        this(shardId, leaseCounter, checkpoint, leases, onLeaseLost, () -> Long.MAX_VALUE, () -> {
            throw new UnsupportedOperationException("giveUpLease");
        });
    }

    /**
     * @param millisUntilLeaseExpiry how long the lease is still known to be held (see
     *                               {@link Checkpointer#millisUntilLeaseExpiry()})
     * @param onGiveUp               run by {@link #giveUpLease()}, after checkpoints are refused from then on
     */
    public ShardCheckpointer(String shardId, long leaseCounter, String checkpoint, LeaseClient leases,
                             Runnable onLeaseLost, java.util.function.LongSupplier millisUntilLeaseExpiry,
                             Runnable onGiveUp) {
        this.millisUntilLeaseExpiry = millisUntilLeaseExpiry;
        this.onGiveUp = onGiveUp;
        this.shardId = shardId;
        this.leaseCounter = leaseCounter;
        this.lastCheckpoint = checkpoint;
        this.leases = leases;
        this.onLeaseLost = onLeaseLost;
    }

    /** Called by the shard's consumer before records are handed to the processor. */
    public synchronized void delivered(String lastSequenceNumber) {
        lastDelivered = SequenceNumber.parse(lastSequenceNumber, "sequenceNumber");
        lastDeliveredText = lastSequenceNumber;
    }

    /** Called by the shard's consumer before {@code shardEnded}: SHARD_END may be checkpointed from now on. */
    public synchronized void allowShardEnd() {
        shardEnded = true;
    }

    /** The lease is gone (renewal said so, or it expired locally): no checkpoint will be attempted. */
    public void markLost() {
        lost = true;
    }

    public boolean lost() {
        return lost;
    }

    @Override
    public long millisUntilLeaseExpiry() {
        return lost ? 0 : millisUntilLeaseExpiry.getAsLong();
    }

    @Override
    public void giveUpLease() {
        onGiveUp.run();
    }

    public synchronized boolean checkpointedShardEnd() {
        return LeaseInfo.SHARD_END.equals(lastCheckpoint);
    }

    @Override
    public void checkpoint() {
        String at;
        synchronized (this) {
            if (lastDeliveredText == null) {
                return; // nothing delivered yet: the lease's checkpoint already says where the shard stands
            }
            at = lastDeliveredText;
        }
        checkpoint(at);
    }

    @Override
    public void checkpoint(String sequenceNumber) {
        SequenceNumber seq;
        try {
            seq = SequenceNumber.parse(sequenceNumber, "sequenceNumber");
        } catch (SluiceException e) {
            throw new IllegalArgumentException(e.reason(), e);
        }
        synchronized (this) {
            if (lastDelivered == null || seq.streamId() != lastDelivered.streamId()
                    || seq.compareTo(lastDelivered) > 0) {
                throw new IllegalArgumentException("sequenceNumber: " + sequenceNumber + " is not a record of "
                        + shardId + " delivered so far (the last one delivered is " + lastDeliveredText + ")");
            }
            if (LeaseInfo.SHARD_END.equals(lastCheckpoint)) {
                throw new IllegalStateException(shardId + " is already checkpointed at SHARD_END");
            }
            if (lastCheckpoint != null) {
                SequenceNumber previous = SequenceNumber.parse(lastCheckpoint, "checkpoint");
                if (seq.compareTo(previous) < 0) {
                    throw new IllegalArgumentException("sequenceNumber: " + sequenceNumber
                            + " lies before the last checkpoint " + lastCheckpoint + " of " + shardId);
                }
                if (seq.compareTo(previous) == 0) {
                    return;
                }
            }
        }
        send(sequenceNumber, seq);
    }

    @Override
    public void checkpointShardEnd() {
        synchronized (this) {
            if (!shardEnded) {
                throw new IllegalStateException(shardId + " has not ended: SHARD_END may only be checkpointed in "
                        + "shardEnded()");
            }
        }
        send(LeaseInfo.SHARD_END, null);
    }

    private synchronized boolean covered(SequenceNumber seq) {
        return LeaseInfo.SHARD_END.equals(lastCheckpoint)
                || lastCheckpoint != null && seq.compareTo(SequenceNumber.parse(lastCheckpoint, "checkpoint")) <= 0;
    }

    @Override
    public synchronized String lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Sends {@code value} ({@code seq} parsed, null for SHARD_END) unless a later checkpoint already covers it. */
    private void send(String value, SequenceNumber seq) {
        synchronized (rpcLock) {
            if (seq != null && covered(seq)) {
                return; // another thread checkpointed further meanwhile
            }
            if (lost) {
                throw SluiceException.of(ErrorCode.LEASE_LOST, "the lease of " + shardId + " (counter "
                        + leaseCounter + ") was lost; the checkpoint was not sent");
            }
            try {
                leases.checkpoint(shardId, leaseCounter, value);
            } catch (SluiceException e) {
                if (e.code() == ErrorCode.LEASE_LOST) {
                    lost = true;
                    onLeaseLost.run();
                }
                throw e;
            }
            synchronized (this) {
                if (!LeaseInfo.SHARD_END.equals(lastCheckpoint)) {
                    lastCheckpoint = value;
                }
            }
        }
    }
}
