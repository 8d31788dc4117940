package io.sluice.bench.load;

import com.google.protobuf.ByteString;
import io.sluice.common.HashKey;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import java.util.Random;

/**
 * The records the tool puts: {@code keyCount} partition keys ({@code key-000000} ...), each with its shard worked out
 * once (MD5 of the key, looked up in the stream's hash key ranges) and its request entry built once. Every record
 * carries the same random payload, so building a batch allocates nothing per record. Immutable, shared by the
 * producers.
 */
final class KeySpace {
    private final PutRecordsRequestEntry[] entries;
    private final int[] shardOfKey;
    private final int recordBytes;
    private final int dataBytes;

    KeySpace(int keyCount, int recordSizeBytes, long seed, ShardMap shards) {
        byte[] payload = new byte[recordSizeBytes];
        new Random(seed).nextBytes(payload);
        ByteString data = ByteString.copyFrom(payload);
        int width = keyBytes(keyCount) - 4;
        entries = new PutRecordsRequestEntry[keyCount];
        shardOfKey = new int[keyCount];
        for (int i = 0; i < keyCount; i++) {
            String key = "key-" + String.format("%0" + width + "d", i);
            entries[i] = PutRecordsRequestEntry.newBuilder().setPartitionKey(key).setData(data).build();
            shardOfKey[i] = shards.shardOf(HashKey.ofPartitionKey(key));
        }
        this.recordBytes = recordSizeBytes + keyBytes(keyCount);
        this.dataBytes = recordSizeBytes;
    }

    /** UTF-8 length of every partition key for {@code keyCount} keys: "key-" and at least 6 digits. */
    static int keyBytes(int keyCount) {
        return 4 + Math.max(6, String.valueOf(Math.max(0, keyCount - 1)).length());
    }

    int size() {
        return entries.length;
    }

    PutRecordsRequestEntry entry(int key) {
        return entries[key];
    }

    int shardOf(int key) {
        return shardOfKey[key];
    }

    /** Data + partition key of every record, as the broker counts it against the request size limit. */
    int recordBytes() {
        return recordBytes;
    }

    /** Data bytes of every record: what MB/s counts. */
    int dataBytes() {
        return dataBytes;
    }
}
