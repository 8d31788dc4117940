package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.ConsumerRecord;
import java.util.List;

/**
 * Records read from a shard in one call or push event, in order, with the lag the broker reported after them.
 * {@code shardEnd} marks the end of a closed shard (after these records, nothing more will come).
 */
public record FetchedBatch(List<ConsumerRecord> records, long millisBehindLatest, boolean shardEnd) {
    public FetchedBatch {
        records = List.copyOf(records);
    }

    /** Payload and key bytes: what the prefetch limit counts. */
    public long bytes() {
        long n = 0;
        for (ConsumerRecord r : records) {
            n += r.data().size() + r.partitionKey().length();
        }
        return n;
    }

    public String lastSequenceNumber() {
        return records.isEmpty() ? null : records.get(records.size() - 1).sequenceNumber();
    }
}
