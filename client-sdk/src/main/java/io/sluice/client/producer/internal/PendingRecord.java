package io.sluice.client.producer.internal;

import io.sluice.client.producer.PutResult;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import java.util.concurrent.CompletableFuture;

/**
 * A record accepted by put and waiting for its outcome: the wire entry (built once, on the caller's thread), the
 * bytes it holds in the buffer, and the future the caller got.
 *
 * @param entry     what PutRecords carries
 * @param sizeBytes data + UTF-8 partition key, as the broker's limits count it; reserved in the buffer
 * @param putNanos  when put accepted it ({@link Time#nanoTime()}), for the latency histogram
 * @param future    completed exactly once, with the record's outcome
 */
public record PendingRecord(PutRecordsRequestEntry entry, int sizeBytes, long putNanos,
                            CompletableFuture<PutResult> future) {
}
