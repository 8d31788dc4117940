package io.sluice.firehose.delivery;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters of one delivery stream (or of a whole process), shared by its shards' deliveries. Thread-safe.
 * Freshness is, per delivered record, the time from its arrival in the stream until the object holding it was
 * complete, in ms.
 */
public final class DeliveryMetrics {
    private final LongAdder incomingRecords = new LongAdder();
    private final LongAdder incomingBytes = new LongAdder();
    private final LongAdder deliveredObjects = new LongAdder();
    private final LongAdder deliveredRecords = new LongAdder();
    private final LongAdder deliveredBytes = new LongAdder();
    private final LongAdder failedRecords = new LongAdder();
    private final LongAdder errorObjects = new LongAdder();
    private final LongAdder writeRetries = new LongAdder();
    private final LongAdder deliveryFailures = new LongAdder();
    private final Recorder freshnessMs = new Recorder(3);
    private final Histogram freshnessTotal = new Histogram(3);

    void recordIncoming(int bytes) {
        incomingRecords.increment();
        incomingBytes.add(bytes);
    }

    void recordObject(long records, long bytes) {
        deliveredObjects.increment();
        deliveredRecords.add(records);
        deliveredBytes.add(bytes);
    }

    void recordErrorObject(long records) {
        errorObjects.increment();
        failedRecords.add(records);
    }

    void recordFreshness(long ms) {
        freshnessMs.recordValue(Math.max(0, ms));
    }

    public void recordRetry() {
        writeRetries.increment();
    }

    void recordDeliveryFailure() {
        deliveryFailures.increment();
    }

    public long incomingRecords() {
        return incomingRecords.sum();
    }

    public long incomingBytes() {
        return incomingBytes.sum();
    }

    /** Objects delivered under the prefix (error objects not included). */
    public long deliveredObjects() {
        return deliveredObjects.sum();
    }

    /** Records delivered under the prefix (records that failed conversion not included). */
    public long deliveredRecords() {
        return deliveredRecords.sum();
    }

    /** Bytes of the objects delivered under the prefix, as stored (encoded, compressed). */
    public long deliveredBytes() {
        return deliveredBytes.sum();
    }

    /** Records that failed conversion and were delivered to the error prefix. */
    public long failedRecords() {
        return failedRecords.sum();
    }

    public long errorObjects() {
        return errorObjects.sum();
    }

    /** Writes to the destination that failed and were retried. */
    public long writeRetries() {
        return writeRetries.sum();
    }

    /** Shard deliveries that failed (to be restarted from their checkpoint). */
    public long deliveryFailures() {
        return deliveryFailures.sum();
    }

    /** Freshness of every record delivered so far, ms (a copy). */
    public synchronized Histogram freshnessHistogram() {
        freshnessTotal.add(freshnessMs.getIntervalHistogram());
        return freshnessTotal.copy();
    }
}
