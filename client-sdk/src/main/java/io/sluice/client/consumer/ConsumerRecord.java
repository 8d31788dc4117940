package io.sluice.client.consumer;

import com.google.protobuf.ByteString;

/**
 * A record as delivered to {@link RecordProcessor#processRecords}. Immutable.
 *
 * @param shardId                        the shard it was read from
 * @param sequenceNumber                 unique within the shard, increasing in put order (decimal, compare as
 *                                       {@link io.sluice.common.SequenceNumber})
 * @param approximateArrivalTimestampMs  when the shard's leader accepted it, ms since the epoch
 * @param partitionKey                   the key given at put time
 * @param data                           the payload, exactly as put
 */
public record ConsumerRecord(String shardId, String sequenceNumber, long approximateArrivalTimestampMs,
                             String partitionKey, ByteString data) {
}
