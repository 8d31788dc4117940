package io.sluice.client.producer.internal;

import io.sluice.client.producer.ProducerMetrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** The producer's counters and its put-to-acknowledgement latency histogram. Thread-safe. */
public final class MetricsRecorder {
    private static final long MAX_LATENCY_MICROS = TimeUnit.HOURS.toMicros(1);

    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchRecords = new LongAdder();
    private final LongAdder batchBytes = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final Histogram latencyMicros = new ConcurrentHistogram(MAX_LATENCY_MICROS, 2);

    public void recordSent(long latencyNanos) {
        sent.increment();
        latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, latencyNanos / 1000)));
    }

    public void recordFailed() {
        failed.increment();
    }

    public void recordBatch(int records, int bytes, boolean retry) {
        batches.increment();
        batchRecords.add(records);
        batchBytes.add(bytes);
        if (retry) {
            retried.add(records);
        }
    }

    public void recordRequest() {
        requests.increment();
    }

    public ProducerMetrics snapshot(long bufferedBytes) {
        long b = batches.sum();
        Histogram h = latencyMicros.copy();
        return new ProducerMetrics(sent.sum(), failed.sum(), retried.sum(), b, requests.sum(),
                b == 0 ? 0 : (double) batchRecords.sum() / b, b == 0 ? 0 : (double) batchBytes.sum() / b,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
                bufferedBytes);
    }
}
