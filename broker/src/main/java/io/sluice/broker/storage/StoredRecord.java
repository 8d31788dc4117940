package io.sluice.broker.storage;

/**
 * A committed record as a shard log holds it.
 *
 * @param position       0-based place in the shard
 * @param arrivalTimeMs  arrival timestamp (non-decreasing within the shard)
 * @param partitionKey   as put
 * @param data           as put
 * @param entryKey       {@code raftIndex << 16 | appendOrdinalInEntry} of the Raft entry that stored it
 * @param ordinal        the record's place in its append
 */
public record StoredRecord(long position, long arrivalTimeMs, String partitionKey, byte[] data, long entryKey,
                           int ordinal) {
    /** Bytes that count against GetRecords' byte cap: data plus the UTF-8 key. */
    public int sizeBytes() {
        return data.length + io.sluice.common.Limits.utf8Length(partitionKey);
    }
}
