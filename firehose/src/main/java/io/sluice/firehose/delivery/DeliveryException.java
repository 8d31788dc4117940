package io.sluice.firehose.delivery;

/**
 * A shard's delivery could not continue: a write to the destination failed after its retries, the checkpoint was
 * refused (lease lost), or another writer delivered a different batch for the same records. Unless
 * {@link #retryable()}, the {@link ShardDelivery} is unusable afterwards; a new one, started from the shard's last
 * checkpoint, writes the same objects again under the same names.
 */
public final class DeliveryException extends Exception {
    private final boolean retryable;

    public DeliveryException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public DeliveryException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * True when only the destination writes of a timed delivery ({@link ShardDelivery#maybeFlush()}) failed: the
     * batch is kept, encoded, and the next {@code maybeFlush()} tries its writes again; the instance stays usable.
     */
    public boolean retryable() {
        return retryable;
    }
}
