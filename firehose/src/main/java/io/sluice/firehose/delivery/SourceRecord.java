package io.sluice.firehose.delivery;

import java.util.Objects;

/**
 * A record read from a Sluice stream, as Firehose delivers it.
 *
 * @param shardId        the shard it was read from
 * @param sequenceNumber its sequence number in that shard (decimal)
 * @param arrivalTimeMs  when the shard's group leader accepted it, ms since the epoch
 * @param partitionKey   the partition key it was put with
 * @param data           its payload, exactly as put; not copied, not to be modified
 */
public record SourceRecord(String shardId, String sequenceNumber, long arrivalTimeMs, String partitionKey,
                           byte[] data) {
    public SourceRecord {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        Objects.requireNonNull(partitionKey, "partitionKey");
        Objects.requireNonNull(data, "data");
    }
}
