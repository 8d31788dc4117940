package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.ObjectStore;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.UUID;

/**
 * A {@code file:///dir} destination. An object is written to a hidden temporary file in its target directory
 * ({@code .NAME.UUID.tmp}), fsync'd, then renamed over the target in one step (rename(2) is atomic), and the
 * directory is fsync'd (and so is the parent of every directory created for it), so readers see either the old
 * object or the complete new one and a put survives a crash once it returns. A process killed mid-put leaves at most a hidden {@code .tmp} file, which readers ignore
 * (Hadoop, Spark and DuckDB's {@code *.parquet} globs skip dot-files). {@link #putIfAbsent} links the temporary
 * file to the target (link(2) fails if the target exists), so it is atomic here.
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;

    public LocalObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) throws IOException {
        Path target = resolve(key);
        Path tmp = writeTemp(target, data, offset, length);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename atomically within " + target.getParent() + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(target.getParent());
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        Path target = resolve(key);
        if (Files.exists(target)) {
            return false;
        }
        Path tmp = writeTemp(target, data, 0, data.length);
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(target.getParent());
        return true;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(resolve(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Path target = resolve(key);
        if (Files.deleteIfExists(target)) {
            fsyncDir(target.getParent());
        }
    }

    @Override
    public List<StoredObject> list(String dir) throws IOException {
        Path d = resolve(dir);
        List<StoredObject> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(f, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // removed meanwhile
                }
                if (a.isRegularFile() && !name.startsWith(".")) {
                    out.add(new StoredObject(dir + "/" + name, a.lastModifiedTime().toMillis()));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return out;
    }

    /**
     * Walks the destination's directory tree once (cost grows with the number of files under the destination) and
     * deletes the shard's hidden temporary files.
     */
    @Override
    public int cleanUpAbandoned(String deliveryStream, String shardId) throws IOException {
        Leftovers leftovers = new Leftovers(deliveryStream, shardId);
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int[] removed = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String dir = root.relativize(file.getParent()).toString().replace(File.separatorChar, '/');
                if (attrs.isRegularFile() && leftovers.isTemporaryFile(dir, file.getFileName().toString())
                        && Files.deleteIfExists(file)) {
                    removed[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // removed meanwhile, or unreadable: not ours to judge
            }
        });
        return removed[0];
    }

    @Override
    public String uriOf(String key) {
        return resolve(key).toUri().toString();
    }

    @Override
    public void close() {
    }

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IllegalArgumentException("key escapes the destination: " + key);
        }
        return p;
    }

    private static Path writeTemp(Path target, byte[] data, int offset, int length) throws IOException {
        createDirectoriesDurably(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data, offset, length);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    /**
     * Creates {@code dir} and its missing ancestors, and fsyncs the directory holding each new entry: the object's
     * own directory is fsync'd after the rename, but a directory created for it survives a power loss only once its
     * parent's entry is durable too (a put must be durable when it returns, since the checkpoint follows).
     */
    private static void createDirectoriesDurably(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p); // the shallowest ends on top
        }
        Files.createDirectories(dir);
        for (Path created : missing) {
            fsyncDir(created.getParent());
        }
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
