package io.sluice.client.producer;

/**
 * A snapshot of a producer's counters since it was built.
 *
 * @param recordsSent          records acknowledged (their futures completed normally)
 * @param recordsFailed        records whose futures completed exceptionally after they were accepted by put (local
 *                             validation failures and puts that timed out blocking are not counted)
 * @param recordsRetried       record sends that were retries (a record retried twice counts twice)
 * @param batchesSent          shard batches sent, retries included
 * @param requestsSent         PutRecords calls made
 * @param averageBatchRecords  records per shard batch sent, on average
 * @param averageBatchBytes    bytes (data + partition keys) per shard batch sent, on average
 * @param ackLatencyP50Millis  median time from put to acknowledgement, ms
 * @param ackLatencyP99Millis  99th percentile of the same, ms
 * @param ackLatencyMaxMillis  the largest, ms
 * @param bufferedBytes        bytes of records put but not yet acknowledged or failed, now
 */
public record ProducerMetrics(long recordsSent, long recordsFailed, long recordsRetried, long batchesSent,
                              long requestsSent, double averageBatchRecords, double averageBatchBytes,
                              double ackLatencyP50Millis, double ackLatencyP99Millis, double ackLatencyMaxMillis,
                              long bufferedBytes) {
}
