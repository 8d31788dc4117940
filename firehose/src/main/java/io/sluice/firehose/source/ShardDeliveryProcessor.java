package io.sluice.firehose.source;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.StartPosition;
import io.sluice.firehose.delivery.DeliveryException;
import io.sluice.firehose.delivery.ShardDelivery;
import io.sluice.firehose.delivery.SourceRecord;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shard's {@link ShardDelivery} under the consumer SDK's lease for that shard: records are added as they
 * are read, batches are checkpointed through the lease's checkpointer (so a checkpoint from a worker that lost the
 * lease is refused), and a timer calls {@link #maybeFlush()} so that a quiet shard still delivers on time.
 *
 * <p>Before it writes a batch intent or an object, the delivery checks that the lease is still known to be held
 * for at least {@code leaseMarginMs} more ({@link Checkpointer#millisUntilLeaseExpiry()}); otherwise it fails
 * without writing.
 *
 * <p>A failed delivery (destination down past the retries, lease lost at the checkpoint or about to expire, an
 * unexpected exception) ends the lease without a checkpoint: in a callback by throwing, on the timer by
 * {@link Checkpointer#giveUpLease()}, since the consumer calls back only when records come and a quiet shard
 * would otherwise keep its lease with nothing delivered. The shard is then read again from its last checkpoint and
 * the same objects are written again (see docs/firehose.md). A timed delivery whose destination writes fail past
 * the retries is the exception: the cut batch is kept and the timer tries its writes again at every check. Until
 * the processor has ended, a failed shard keeps reporting its oldest undelivered record for the freshness metric.
 *
 * <p>Thread-safety: the consumer's callbacks and the flush timer both call in; {@code lock} guards the delivery.
 * The timer only tries the lock: a shard busy in a callback (or a long delivery) is skipped, not waited for.
 * {@link #processingEnded()} takes no lock.
 */
final class ShardDeliveryProcessor implements RecordProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(ShardDeliveryProcessor.class);

    private final String deliveryStream;
    private final DeliveryFactory factory;
    private final long leaseMarginMs;
    private final Runnable onEnded;
    private final ReentrantLock lock = new ReentrantLock();
    /** Set once, in initialize; read without the lock by processingEnded. */
    private volatile ShardDelivery delivery;
    private volatile Checkpointer checkpointer;
    private volatile Throwable failure;
    private volatile boolean ended;
    private String shardId = "?";
    /** Arrival time of the oldest record buffered, Long.MAX_VALUE when none; read without the lock by metrics. */
    private volatile long oldestBufferedArrivalMs = Long.MAX_VALUE;

    /** Makes the shard's delivery once the shard is known; the checkpointer stores the lease's checkpoint. */
    @FunctionalInterface
    interface DeliveryFactory {
        ShardDelivery create(String shardId, io.sluice.firehose.delivery.Checkpointer checkpointer);
    }

    ShardDeliveryProcessor(String deliveryStream, DeliveryFactory factory) {
        this(deliveryStream, factory, 0, () -> { });
    }

    /**
     * @param leaseMarginMs how long the lease must still be known to be held when a write starts
     * @param onEnded       run once when the lease's processing is over, however it ended
     */
    ShardDeliveryProcessor(String deliveryStream, DeliveryFactory factory, long leaseMarginMs, Runnable onEnded) {
        this.deliveryStream = deliveryStream;
        this.factory = factory;
        this.leaseMarginMs = leaseMarginMs;
        this.onEnded = onEnded;
    }

    @Override
    public void initialize(String shardId, StartPosition start) {
        lock.lock();
        try {
            this.shardId = shardId;
            ShardDelivery d = factory.create(shardId, new LeaseCheckpointer(shardId));
            delivery = d;
            d.cleanUpAbandoned(start.type() == StartPosition.Type.AFTER_SEQUENCE_NUMBER ? start.sequenceNumber()
                    : null);
            LOG.info("{}/{}: delivering from {}", deliveryStream, shardId, start);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e; // the consumer releases the lease; processingEnded follows
        } finally {
            lock.unlock();
        }
    }

    /** The lease's checkpointer, and the lease's validity as the consumer knows it. */
    private final class LeaseCheckpointer implements io.sluice.firehose.delivery.Checkpointer {
        private final String shard;

        LeaseCheckpointer(String shard) {
            this.shard = shard;
        }

        @Override
        public void checkpoint(String sequenceNumber) {
            lease().checkpoint(sequenceNumber);
        }

        @Override
        public void checkOwnership() {
            if (ended) {
                throw new IllegalStateException("the lease of " + shard + " has ended");
            }
            long left = lease().millisUntilLeaseExpiry();
            if (left < leaseMarginMs) {
                throw new IllegalStateException("the lease of " + shard + " is known to be held for " + left
                        + " ms more, less than the safety margin of " + leaseMarginMs + " ms");
            }
        }

        private Checkpointer lease() {
            Checkpointer c = checkpointer;
            if (c == null) {
                throw new IllegalStateException("no checkpointer yet for " + shard);
            }
            return c;
        }
    }

    @Override
    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long millisBehindLatest) {
        lock.lock();
        try {
            this.checkpointer = checkpointer;
            throwIfFailed();
            long oldestBefore = oldestBufferedArrivalMs;
            try {
                for (ConsumerRecord r : records) {
                    delivery.add(new SourceRecord(r.shardId(), r.sequenceNumber(), r.approximateArrivalTimestampMs(),
                            r.partitionKey(), r.data().toByteArray()));
                }
                delivery.maybeFlush();
                updateOldest();
            } catch (DeliveryException | RuntimeException | Error e) {
                long oldest = oldestBefore;
                for (ConsumerRecord r : records) {
                    oldest = Math.min(oldest, r.approximateArrivalTimestampMs());
                }
                failed(e, oldest);
                throwIfFailed();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records the failure, drops the buffers (and their share of the memory budget), and keeps {@code oldest} as
     * the shard's oldest undelivered record until the processor ends.
     */
    private void failed(Throwable e, long oldest) {
        failure = e;
        oldestBufferedArrivalMs = oldest;
        ShardDelivery d = delivery;
        if (d != null) {
            d.abandon();
        }
        if (!(e instanceof DeliveryException)) {
            LOG.error("{}/{}: unexpected failure; the shard will be read again from its last checkpoint",
                    deliveryStream, shardId, e);
        }
    }

    private void updateOldest() {
        ShardDelivery d = delivery;
        oldestBufferedArrivalMs = d == null || failure != null || ended ? Long.MAX_VALUE
                : d.oldestBufferedArrivalMs().orElse(Long.MAX_VALUE);
    }

    /** Arrival time of the oldest record this shard has not delivered, or Long.MAX_VALUE; lock-free. */
    long oldestBufferedArrivalMs() {
        return oldestBufferedArrivalMs;
    }

    /** Whether the lease's processing is over: no more flushes, and the processor can be forgotten. */
    boolean finished() {
        return ended;
    }

    /**
     * Called by the flush timer: delivers the shard's batch if its interval has passed. Skips the shard when it is
     * busy (a callback or another delivery holds it). A failure that is not a retryable write failure gives the lease
     * up, so the shard is read again from its checkpoint without waiting for a record.
     */
    void maybeFlush() {
        if (ended || failure != null || !lock.tryLock()) {
            return;
        }
        try {
            if (delivery == null || failure != null || ended || checkpointer == null) {
                return;
            }
            long oldestBefore = oldestBufferedArrivalMs;
            try {
                delivery.maybeFlush();
                updateOldest();
            } catch (DeliveryException e) {
                if (e.retryable()) {
                    // The cut batch is kept: the next tick writes it again.
                    LOG.warn("{}: {}; trying again at the next check", deliveryStream, e.getMessage());
                    updateOldest();
                } else {
                    LOG.warn("{}: {}; giving the lease up: the shard will be read again from its last checkpoint",
                            deliveryStream, e.getMessage());
                    failed(e, oldestBefore);
                    giveUp();
                }
            } catch (RuntimeException | Error e) {
                failed(e, oldestBefore);
                giveUp();
            }
        } finally {
            lock.unlock();
        }
    }

    private void giveUp() {
        try {
            checkpointer.giveUpLease();
        } catch (RuntimeException e) {
            LOG.warn("{}/{}: could not give the lease up ({}); it ends at the next record or when it expires",
                    deliveryStream, shardId, e.toString());
        }
    }

    @Override
    public void leaseLost() {
        lock.lock();
        try {
            ended = true;
            oldestBufferedArrivalMs = Long.MAX_VALUE;
            ShardDelivery d = delivery;
            if (d != null) {
                d.abandon();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void shardEnded(Checkpointer checkpointer) {
        lock.lock();
        try {
            this.checkpointer = checkpointer;
            flushForGood();
            checkpointer.checkpointShardEnd();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void shutdownRequested(Checkpointer checkpointer) {
        lock.lock();
        try {
            this.checkpointer = checkpointer;
            flushForGood();
        } finally {
            lock.unlock();
        }
    }

    private void flushForGood() {
        throwIfFailed();
        try {
            delivery.flush();
        } catch (DeliveryException | RuntimeException | Error e) {
            failed(e, oldestBufferedArrivalMs);
            throwIfFailed();
        } finally {
            ended = true;
            oldestBufferedArrivalMs = Long.MAX_VALUE;
        }
    }

    /**
     * The lease's processing is over, however it ended (also when {@code initialize} never ran): the buffers' share
     * of the memory budget is given back and the processor leaves the flush timer's list. Lock-free: a callback may
     * still be stuck in a write when the consumer stops at once.
     */
    @Override
    public void processingEnded() {
        ended = true;
        oldestBufferedArrivalMs = Long.MAX_VALUE;
        ShardDelivery d = delivery;
        if (d != null) {
            d.releaseBudget();
        }
        onEnded.run();
    }

    private void throwIfFailed() {
        Throwable f = failure;
        if (f != null) {
            ShardDelivery d = delivery;
            if (d != null) {
                d.abandon();
            }
            if (f instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(f.getMessage(), f);
        }
    }
}
