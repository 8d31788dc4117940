package io.sluice.firehose.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Abortable;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A local Hadoop filesystem ({@code faulty:///path}) whose output streams fail after {@code faulty.fail.after.bytes}
 * bytes (negative: never) and count how many are still open. With {@code faulty.abortable=true} its streams behave
 * like S3A's: the file appears only on close, and {@code abort()} drops it; otherwise, like HDFS, the file is
 * visible from {@code create} on and a stream cannot be aborted.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
    static final AtomicInteger OPEN = new AtomicInteger();
    static final AtomicInteger ABORTED = new AtomicInteger();

    private long failAfter;
    private boolean abortable;

    static Configuration settings(boolean abortable, long failAfterBytes) {
        Configuration c = new Configuration(false);
        c.set("fs.faulty.impl", FaultyFileSystem.class.getName());
        c.setBoolean("fs.faulty.impl.disable.cache", true);
        c.setBoolean("faulty.abortable", abortable);
        c.setLong("faulty.fail.after.bytes", failAfterBytes);
        return c;
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        failAfter = conf.getLong("faulty.fail.after.bytes", -1);
        abortable = conf.getBoolean("faulty.abortable", false);
    }

    @Override
    public String getScheme() {
        return "faulty";
    }

    @Override
    public URI getUri() {
        return URI.create("faulty:///");
    }

    @Override
    public boolean hasPathCapability(Path path, String capability) throws IOException {
        if (capability.equals(CommonPathCapabilities.ABORTABLE_STREAM)) {
            return abortable;
        }
        return super.hasPathCapability(path, capability);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        return create(f, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        if (!overwrite && exists(f)) {
            throw new org.apache.hadoop.fs.FileAlreadyExistsException(f.toString());
        }
        OutputStream s = abortable ? new Buffered(f) : new Counting(createForReal(f));
        OPEN.incrementAndGet();
        return new FSDataOutputStream(s, statistics);
    }

    private FSDataOutputStream createForReal(Path f) throws IOException {
        return super.create(f, true, 4096, (short) 1, 1 << 20, null);
    }

    /** Passes bytes through to the visible file; fails after the limit. */
    private final class Counting extends OutputStream {
        private final OutputStream out;
        private long written;
        private boolean closed;

        Counting(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failAfter >= 0 && written + len > failAfter) {
                int n = (int) Math.max(0, failAfter - written);
                out.write(b, off, n);
                written += n;
                throw new IOException("injected failure after " + written + " bytes");
            }
            out.write(b, off, len);
            written += len;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                OPEN.decrementAndGet();
                out.close();
            }
        }
    }

    /** Publishes the file only on close, as S3A does; abortable. */
    private final class Buffered extends OutputStream implements Abortable, StreamCapabilities {
        private final Path target;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private boolean closed;

        Buffered(Path target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failAfter >= 0 && buffer.size() + len > failAfter) {
                throw new IOException("injected failure after " + buffer.size() + " bytes");
            }
            buffer.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                OPEN.decrementAndGet();
                try (FSDataOutputStream out = createForReal(target)) {
                    buffer.writeTo(out);
                }
            }
        }

        @Override
        public AbortableResult abort() {
            boolean already = closed;
            if (!closed) {
                closed = true;
                OPEN.decrementAndGet();
                ABORTED.incrementAndGet();
            }
            return new AbortableResult() {
                @Override
                public boolean alreadyClosed() {
                    return already;
                }

                @Override
                public IOException anyCleanupException() {
                    return null;
                }
            };
        }

        @Override
        public boolean hasCapability(String capability) {
            return capability.equals(StreamCapabilities.ABORTABLE_STREAM);
        }
    }
}
