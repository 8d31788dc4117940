package io.sluice.firehose.delivery;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The destination of a delivery stream: a tree of objects under a root URI, addressed by relative keys
 * ({@code 2024/05/01/12/orders-shardId-000000000001-100-250.parquet}).
 *
 * <p>Contract: {@link #put} is atomic: a reader sees either no object (or the previous one under that key) or the
 * complete new one, never a partial object, even if the process dies mid-put. After {@link #put} returns the
 * object is durable. Implementations are thread-safe; the caller closes the store.
 */
public interface ObjectStore extends Closeable {
    /** Writes (or replaces) the object {@code key} with {@code length} bytes of {@code data} from {@code offset}. */
    void put(String key, byte[] data, int offset, int length) throws IOException;

    /**
     * Writes the object only if no object {@code key} exists, atomically: link(2) on {@code file://}, a PUT with
     * {@code If-None-Match: *} on S3A (Hadoop's conditional create). Where the store cannot do this atomically (S3A
     * with {@code fs.s3a.create.conditional.enabled=false} checks, then writes), two concurrent writers may both
     * succeed; see docs/firehose.md.
     *
     * @return false when an object was there already (it is left as it was)
     */
    boolean putIfAbsent(String key, byte[] data) throws IOException;

    /** The object's bytes, or empty when there is none. */
    Optional<byte[]> get(String key) throws IOException;

    /** Removes the object if present. */
    void delete(String key) throws IOException;

    /** An object's key (relative to the destination) and when it was last written, in ms since the epoch. */
    record StoredObject(String key, long modifiedMs) {
    }

    /**
     * The visible objects directly in {@code dir} (a key prefix without a trailing slash; not those of its
     * subdirectories, nor hidden temporary files); empty when there is none.
     */
    List<StoredObject> list(String dir) throws IOException;

    /**
     * Removes what writers of this delivery stream's shard left invisible when they died mid-write: hidden temporary
     * files ({@code file://}, and Hadoop filesystems that cannot abort a stream) and unfinished multipart uploads
     * ({@code s3a://}) of the shard's objects and batch intents. Called when the shard is taken: any writer still
     * at work on it has lost its lease, and whatever it was writing will be written again.
     *
     * @return how many leftovers were removed
     */
    int cleanUpAbandoned(String deliveryStream, String shardId) throws IOException;

    /** The full URI of a key, for logs and errors. */
    String uriOf(String key);
}
