package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An {@code s3a://bucket/prefix} destination through Hadoop's S3A connector. S3A uploads an object when its output
 * stream is closed (one PUT, or a multipart upload completed at close) and the object becomes visible only then,
 * complete: a process killed mid-put leaves no object (at most an unfinished multipart upload, invisible, which a
 * bucket lifecycle rule or {@code fs.s3a.multipart.purge} removes). S3 objects are durable once the PUT returns.
 *
 * <p>{@link #putIfAbsent} is {@code create(path, overwrite=false)}, which S3A implements as a check followed by
 * the write (or a conditional PUT where the store and Hadoop support it); two writers racing may both succeed.
 */
public final class HadoopObjectStore implements ObjectStore {
    private final URI root;
    private final FileSystem fs;
    private final Path rootPath;

    /**
     * @param root       {@code s3a://bucket[/prefix]}
     * @param properties Hadoop configuration ({@code fs.s3a.endpoint}, credentials, ...) on top of defaults
     */
    public HadoopObjectStore(URI root, Map<String, String> properties) throws IOException {
        this.root = root;
        Configuration conf = new Configuration();
        properties.forEach(conf::set);
        this.fs = FileSystem.newInstance(root, conf);
        this.rootPath = new Path(root);
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) throws IOException {
        FSDataOutputStream out = fs.create(path(key), true);
        try {
            out.write(data, offset, length);
        } catch (IOException | RuntimeException e) {
            abort(out);
            throw e;
        }
        out.close();
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        Path p = path(key);
        FSDataOutputStream out;
        try {
            out = fs.create(p, false);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try {
            out.write(data);
        } catch (IOException | RuntimeException e) {
            abort(out);
            throw e;
        }
        try {
            out.close();
        } catch (FileAlreadyExistsException e) {
            return false; // a conditional PUT lost the race
        }
        return true;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        try (InputStream in = fs.open(path(key))) {
            return Optional.of(in.readAllBytes());
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String key) throws IOException {
        fs.delete(path(key), false);
    }

    @Override
    public String uriOf(String key) {
        return path(key).toString();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    private Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..")) {
            throw new IllegalArgumentException("not a relative object key: " + key);
        }
        return new Path(rootPath, key);
    }

    /** Drops an upload without making it visible (S3A streams are abortable). */
    private static void abort(FSDataOutputStream out) {
        try {
            out.abort();
        } catch (UnsupportedOperationException e) {
            // not abortable: leave it unclosed rather than publish a partial object
        }
    }

    @Override
    public String toString() {
        return "HadoopObjectStore[" + root + "]";
    }
}
