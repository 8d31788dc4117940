package io.sluice.client.producer;

import io.sluice.common.SequenceNumber;
import java.util.Optional;

/**
 * Where an acknowledged record was stored.
 *
 * @param shardId        the shard that stores it, e.g. {@code shardId-000000000003}
 * @param sequenceNumber its sequence number in that shard, or {@code null} when an idempotent producer's retry was
 *                       answered DUPLICATE_SEQUENCE: the record is stored exactly once, but the broker no longer
 *                       remembers where (see docs/producer.md)
 */
public record PutResult(String shardId, SequenceNumber sequenceNumber) {
    /** Whether the sequence number is known (always, except after a DUPLICATE_SEQUENCE answer). */
    public boolean sequenceNumberKnown() {
        return sequenceNumber != null;
    }

    public Optional<SequenceNumber> sequenceNumberIfKnown() {
        return Optional.ofNullable(sequenceNumber);
    }
}
