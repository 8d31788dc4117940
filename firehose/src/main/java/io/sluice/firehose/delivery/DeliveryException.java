package io.sluice.firehose.delivery;

/**
 * A shard's delivery could not continue: a write to the destination failed after its retries, the checkpoint was
 * refused (lease lost), or another writer delivered a different batch for the same records. The
 * {@link ShardDelivery} is unusable afterwards; a new one, started from the shard's last checkpoint, writes the
 * same objects again under the same names.
 */
public final class DeliveryException extends Exception {
    public DeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
