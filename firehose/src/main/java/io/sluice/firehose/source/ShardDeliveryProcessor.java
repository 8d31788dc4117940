package io.sluice.firehose.source;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.StartPosition;
import io.sluice.firehose.delivery.DeliveryException;
import io.sluice.firehose.delivery.ShardDelivery;
import io.sluice.firehose.delivery.SourceRecord;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shard's {@link ShardDelivery} under the consumer SDK's lease for that shard: records are added as they
 * are read, batches are checkpointed through the lease's checkpointer (so a checkpoint from a worker that lost the
 * lease is refused), and a timer calls {@link #maybeFlush()} so that a quiet shard still delivers on time.
 *
 * <p>A failed delivery (destination down past the retries, lease lost at the checkpoint) makes the next callback
 * throw, which ends the lease without a checkpoint: the shard is read again from its last checkpoint and the same
 * objects are written again (see docs/firehose.md). A timed delivery whose destination writes fail past the
 * retries is the exception: the consumer calls back only when records come, so a quiet shard would never get that
 * next callback; the cut batch is kept instead and the timer tries its writes again at every check.
 *
 * <p>Thread-safety: the consumer's callbacks and the flush timer both call in; every method is synchronized on this
 * processor, which guards {@code delivery} and {@code failure}.
 */
final class ShardDeliveryProcessor implements RecordProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(ShardDeliveryProcessor.class);

    private final String deliveryStream;
    private final DeliveryFactory factory;
    private ShardDelivery delivery;
    private Checkpointer checkpointer;
    private DeliveryException failure;
    private boolean ended;
    /** Arrival time of the oldest record buffered, Long.MAX_VALUE when none; read without the lock by metrics. */
    private volatile long oldestBufferedArrivalMs = Long.MAX_VALUE;

    /** Makes the shard's delivery once the shard is known; the checkpointer stores the lease's checkpoint. */
    @FunctionalInterface
    interface DeliveryFactory {
        ShardDelivery create(String shardId, io.sluice.firehose.delivery.Checkpointer checkpointer);
    }

    ShardDeliveryProcessor(String deliveryStream, DeliveryFactory factory) {
        this.deliveryStream = deliveryStream;
        this.factory = factory;
    }

    @Override
    public synchronized void initialize(String shardId, StartPosition start) {
        delivery = factory.create(shardId, sequenceNumber -> {
            Checkpointer c = checkpointer;
            if (c == null) {
                throw new IllegalStateException("no checkpointer yet for " + shardId);
            }
            c.checkpoint(sequenceNumber);
        });
        delivery.cleanUpAbandoned();
        LOG.info("{}/{}: delivering from {}", deliveryStream, shardId, start);
    }

    @Override
    public synchronized void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer,
                                            long millisBehindLatest) {
        this.checkpointer = checkpointer;
        throwIfFailed();
        try {
            for (ConsumerRecord r : records) {
                delivery.add(new SourceRecord(r.shardId(), r.sequenceNumber(), r.approximateArrivalTimestampMs(),
                        r.partitionKey(), r.data().toByteArray()));
            }
            delivery.maybeFlush();
        } catch (DeliveryException e) {
            failure = e;
            throwIfFailed();
        } finally {
            updateOldest();
        }
    }

    private void updateOldest() {
        oldestBufferedArrivalMs = delivery == null || failure != null || ended ? Long.MAX_VALUE
                : delivery.oldestBufferedArrivalMs().orElse(Long.MAX_VALUE);
    }

    /** Arrival time of the oldest record this shard has buffered, or Long.MAX_VALUE; lock-free. */
    long oldestBufferedArrivalMs() {
        return oldestBufferedArrivalMs;
    }

    /** Whether the lease ended (lost, shard ended, shut down) or the delivery failed: no more flushes. */
    synchronized boolean finished() {
        return ended || failure != null;
    }

    /** Called by the flush timer: delivers the shard's batch if its interval has passed. */
    synchronized void maybeFlush() {
        if (delivery == null || failure != null || ended || checkpointer == null) {
            return;
        }
        try {
            delivery.maybeFlush();
        } catch (DeliveryException e) {
            if (e.retryable()) {
                // The cut batch is kept: the next tick writes it again. Failing here would stall a quiet shard:
                // the consumer calls back only with records, so nothing would release the lease.
                LOG.warn("{}: {}; trying again at the next check", deliveryStream, e.getMessage());
            } else {
                failure = e;
                LOG.warn("{}: {}; the shard will be read again from its last checkpoint", deliveryStream,
                        e.getMessage());
            }
        } finally {
            updateOldest();
        }
    }

    @Override
    public synchronized void leaseLost() {
        ended = true;
        oldestBufferedArrivalMs = Long.MAX_VALUE;
        if (delivery != null) {
            delivery.abandon();
        }
    }

    @Override
    public synchronized void shardEnded(Checkpointer checkpointer) {
        this.checkpointer = checkpointer;
        flushForGood();
        checkpointer.checkpointShardEnd();
    }

    @Override
    public synchronized void shutdownRequested(Checkpointer checkpointer) {
        this.checkpointer = checkpointer;
        flushForGood();
    }

    private void flushForGood() {
        throwIfFailed();
        ended = true;
        oldestBufferedArrivalMs = Long.MAX_VALUE;
        try {
            delivery.flush();
        } catch (DeliveryException e) {
            failure = e;
            throwIfFailed();
        }
    }

    private void throwIfFailed() {
        if (failure != null) {
            if (delivery != null) {
                delivery.abandon();
            }
            throw new IllegalStateException(failure.getMessage(), failure);
        }
    }
}
