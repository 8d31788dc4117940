package io.sluice.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the calls achieved: acknowledged records and bytes, failed records by error code, and the ack latency of every
 * acknowledged record in an HdrHistogram {@link Recorder} (microseconds, 3 significant digits).
 *
 * <p>Thread-safe: written by gRPC callbacks on any thread, read by the reporter. Counters only grow; the reporter
 * takes differences between snapshots.
 */
final class LoadStats {
    /** Latencies above this are recorded as this (an hour, in microseconds). */
    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Recorder latencyMicros = new Recorder(HIGHEST_MICROS, 3);
    private final LongAdder sentRecords = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder ackedRecords = new LongAdder();
    private final LongAdder ackedDataBytes = new LongAdder();
    private final LongAdder failedRecords = new LongAdder();
    private final LongAdder failedRequests = new LongAdder();
    private final Map<String, LongAdder> failuresByCode = new ConcurrentHashMap<>();
    private final Map<String, String> firstMessageByCode = new ConcurrentHashMap<>();

    void recordSent(int records) {
        sentRecords.add(records);
        requests.increment();
    }

    void recordAcked(int records, long dataBytes) {
        ackedRecords.add(records);
        ackedDataBytes.add(dataBytes);
    }

    void recordLatency(long nanos, int records) {
        latencyMicros.recordValueWithCount(Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1000)), records);
    }

    /** {@code records} failed with {@code code}; the first message seen for each code is kept for the summary. */
    void recordFailed(String code, int records, String message) {
        failedRecords.add(records);
        failuresByCode.computeIfAbsent(code, c -> new LongAdder()).add(records);
        firstMessageByCode.putIfAbsent(code, message == null ? "" : message);
    }

    /** A whole call failed (its records are counted by {@link #recordFailed} too). */
    void recordFailedRequest() {
        failedRequests.increment();
    }

    /** The counters now. */
    Counts counts() {
        return new Counts(sentRecords.sum(), requests.sum(), ackedRecords.sum(), ackedDataBytes.sum(),
                failedRecords.sum(), failedRequests.sum());
    }

    /** Latencies recorded since the last call (the first call: since start); resets the interval. */
    Histogram takeIntervalHistogram() {
        return latencyMicros.getIntervalHistogram();
    }

    /** Failed records by error code, and the first message of each code. */
    Map<String, Long> failuresByCode() {
        Map<String, Long> out = new TreeMap<>();
        failuresByCode.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    String firstMessage(String code) {
        return firstMessageByCode.getOrDefault(code, "");
    }

    /** Cumulative counters at one moment. */
    record Counts(long sentRecords, long requests, long ackedRecords, long ackedDataBytes, long failedRecords,
                  long failedRequests) {
        Counts minus(Counts o) {
            return new Counts(sentRecords - o.sentRecords, requests - o.requests, ackedRecords - o.ackedRecords,
                    ackedDataBytes - o.ackedDataBytes, failedRecords - o.failedRecords,
                    failedRequests - o.failedRequests);
        }
    }
}
