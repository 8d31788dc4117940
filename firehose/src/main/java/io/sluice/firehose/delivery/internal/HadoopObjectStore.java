package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * A destination on a Hadoop FileSystem, in practice {@code s3a://bucket/prefix} through Hadoop's S3A connector.
 *
 * <p>S3A uploads an object when its output stream is closed (one PUT, or a multipart upload completed at close)
 * and the object becomes visible only then, complete. Its streams are abortable
 * ({@code fs.capability.outputstream.abortable}): a write that fails is aborted, which drops the buffered blocks
 * and aborts the multipart upload, so nothing becomes visible and nothing stays open. A process killed mid-put
 * leaves at most an unfinished multipart upload, invisible, which {@link #cleanUpAbandoned} aborts when a shard is
 * taken again. S3 objects are durable once the PUT returns.
 *
 * <p>A filesystem whose streams cannot be aborted (HDFS, a local filesystem through Hadoop) makes a file visible
 * as soon as it is created; there an object is written to a hidden temporary file next to its target
 * ({@code .NAME.UUID.tmp}) and renamed to the target once complete, and a failed write closes and deletes the
 * temporary file.
 *
 * <p>{@link #putIfAbsent} is a conditional PUT ({@code If-None-Match: *}) where S3A offers conditional creation,
 * else {@code create(path, overwrite=false)}, a check followed by the write, where two writers racing may both
 * succeed.
 */
public final class HadoopObjectStore implements ObjectStore {
    private static final Logger LOG = LoggerFactory.getLogger(HadoopObjectStore.class);

    private final URI root;
    private final FileSystem fs;
    private final Path rootPath;
    private final boolean abortable;
    private final boolean conditionalCreate;

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
        this.abortable = fs.hasPathCapability(rootPath, CommonPathCapabilities.ABORTABLE_STREAM);
        this.conditionalCreate = abortable && fs.hasPathCapability(rootPath,
                Options.CreateFileOptionKeys.FS_OPTION_CREATE_CONDITIONAL_OVERWRITE);
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) throws IOException {
        Path target = path(key);
        if (abortable) {
            write(fs.create(target, true), data, offset, length);
            return;
        }
        Path tmp = tempFor(target);
        try {
            write(fs.create(tmp, false), data, offset, length);
            // Hadoop's rename does not replace: remove the old object first (readers may see none for a moment,
            // never a partial one).
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Where the filesystem supports conditional creation ({@code fs.option.create.conditional.overwrite}, S3A from
     * Hadoop 3.4.2 with {@code fs.s3a.create.conditional.enabled}, the default), the object is written with one
     * PUT carrying {@code If-None-Match: *}, atomic on the store (AWS S3 and stores that implement it); otherwise
     * S3A checks for the object at create and writes at close, and two writers racing may both succeed.
     */
    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        return putIfAbsent(key, data, () -> { });
    }

    /** Whether {@link #putIfAbsent} is one conditional request on this store. */
    public boolean conditionalCreate() {
        return conditionalCreate;
    }

    boolean putIfAbsent(String key, byte[] data, IoRunnable beforeClose) throws IOException {
        Path p = path(key);
        if (!abortable) {
            if (fs.exists(p)) {
                return false;
            }
            Path tmp = tempFor(p);
            try {
                write(fs.create(tmp, false), data, 0, data.length);
                beforeClose.run();
                return fs.rename(tmp, p); // false when the target exists (HDFS, local): atomic there
            } finally {
                deleteQuietly(tmp);
            }
        }
        if (conditionalCreate) {
            FSDataOutputStreamBuilder<FSDataOutputStream, ?> builder = fs.createFile(p);
            builder.must(Options.CreateFileOptionKeys.FS_OPTION_CREATE_CONDITIONAL_OVERWRITE, true);
            FSDataOutputStream out = builder.build();
            try {
                out.write(data);
                beforeClose.run();
            } catch (IOException | RuntimeException e) {
                abortOrClose(out, e);
                throw e;
            }
            try {
                out.close(); // PUT with If-None-Match: *
            } catch (RemoteFileChangedException | FileAlreadyExistsException e) {
                return false; // 412 Precondition Failed: the object exists (written by another, or by a lost try)
            }
            return true;
        }
        FSDataOutputStream out;
        try {
            out = fs.create(p, false); // checks, then writes at close: racy
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try {
            out.write(data, 0, data.length);
            beforeClose.run();
        } catch (IOException | RuntimeException e) {
            abortOrClose(out, e);
            throw e;
        }
        out.close();
        return true;
    }

    /** Runs between writing and closing in {@link #putIfAbsent(String, byte[], IoRunnable)}; for race tests. */
    @FunctionalInterface
    interface IoRunnable {
        void run() throws IOException;
    }

    /**
     * Writes and closes {@code out}. On a failure the stream is aborted where it can be (nothing becomes visible)
     * and closed otherwise, so that it never stays open.
     */
    private static void write(FSDataOutputStream out, byte[] data, int offset, int length) throws IOException {
        try {
            out.write(data, offset, length);
        } catch (IOException | RuntimeException e) {
            abortOrClose(out, e);
            throw e;
        }
        out.close(); // S3A aborts the upload itself when completing it fails
    }

    private static void abortOrClose(FSDataOutputStream out, Exception failure) {
        try {
            out.abort();
            return;
        } catch (UnsupportedOperationException notAbortable) {
            // only reached for the temporary files of non-abortable filesystems: close them (then deleted)
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static Path tempFor(Path target) {
        return new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
    }

    private void deleteQuietly(Path p) {
        try {
            fs.delete(p, false);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", p, e.toString());
        }
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
    public List<StoredObject> list(String dir) throws IOException {
        List<StoredObject> out = new ArrayList<>();
        FileStatus[] statuses;
        try {
            statuses = fs.listStatus(path(dir));
        } catch (FileNotFoundException e) {
            return List.of();
        }
        for (FileStatus st : statuses) {
            String name = st.getPath().getName();
            if (st.isFile() && !name.startsWith(".")) {
                out.add(new StoredObject(dir + "/" + name, st.getModificationTime()));
            }
        }
        return out;
    }

    /**
     * On S3A, lists the unfinished multipart uploads under the destination and aborts the shard's (one listing of
     * uploads in progress, not of objects). On other filesystems, walks the destination for the shard's hidden
     * temporary files and deletes them.
     */
    @Override
    public int cleanUpAbandoned(String deliveryStream, String shardId) throws IOException {
        Leftovers leftovers = new Leftovers(deliveryStream, shardId);
        String rootKey = rootPath.toUri().getPath().replaceFirst("^/", "");
        String keyPrefix = rootKey.isEmpty() || rootKey.endsWith("/") ? rootKey : rootKey + "/";
        int removed = 0;
        if (fs instanceof S3AFileSystem s3a) {
            for (MultipartUpload upload : s3a.listMultipartUploads(keyPrefix)) {
                String key = upload.key();
                if (key.startsWith(keyPrefix) && leftovers.isShardKey(key.substring(keyPrefix.length()))) {
                    LOG.info("aborting the unfinished upload {} of s3a://{}/{} (started {})", upload.uploadId(),
                            rootPath.toUri().getHost(), key, upload.initiated());
                    s3a.abortMultipartUpload(key, upload.uploadId());
                    removed++;
                }
            }
            return removed;
        }
        if (!fs.exists(rootPath)) {
            return 0;
        }
        String rootString = rootPath.toUri().getPath().replaceFirst("/$", "");
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(rootPath, true);
        while (files.hasNext()) {
            Path p = files.next().getPath();
            String dir = p.getParent().toUri().getPath().substring(rootString.length()).replaceFirst("^/", "");
            if (leftovers.isTemporaryFile(dir, p.getName()) && fs.delete(p, false)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public String uriOf(String key) {
        return path(key).toString();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    /**
     * The path of a relative key. A "." or ".." path element would leave (or alias) the destination, so it is
     * refused; dots inside an element ({@code 1.0..2.0}, {@code orders..v2-shardId-...}) are ordinary characters.
     */
    private Path path(String key) {
        if (key.isEmpty() || key.startsWith("/")) {
            throw new IllegalArgumentException("not a relative object key: " + key);
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("not a relative object key (a . or .. path element): " + key);
            }
        }
        return new Path(rootPath, key);
    }

    @Override
    public String toString() {
        return "HadoopObjectStore[" + root + "]";
    }
}
