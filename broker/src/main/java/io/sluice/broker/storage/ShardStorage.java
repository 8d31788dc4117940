package io.sluice.broker.storage;

import io.sluice.broker.storage.ShardKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;

/**
 * All shard logs of one broker, under {@code <data.dir>/shards/<streamId>-<shardIndex>/}, opened on first use.
 *
 * <p>One Chronicle queue per shard (rather than one per replication group with a per-shard index) keeps a read of
 * one shard from touching others and lets retention and DeleteStream remove whole files. Idle queues cost a mapped
 * block and two file handles each; see docs/storage.md.
 *
 * <p>Thread-safe: opening is atomic per shard; deletion closes the log first.
 */
public final class ShardStorage implements AutoCloseable {
    private final Path root;
    private final RollCycle rollCycle;
    private final TimeProvider time;
    private final Map<ShardKey, ShardLog> open = new ConcurrentHashMap<>();

    public ShardStorage(Path root) {
        this(root, ShardLog.defaultRollCycle());
    }

    public ShardStorage(Path root, RollCycle rollCycle) {
        this(root, rollCycle, SystemTimeProvider.INSTANCE);
    }

    /** {@code time} decides which roll cycle (file) an append goes to: the broker's clock. */
    public ShardStorage(Path root, RollCycle rollCycle, TimeProvider time) {
        this.root = root;
        this.rollCycle = rollCycle;
        this.time = time;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create shard directory " + root, e);
        }
    }

    /** The shard's log, opened (and created) if needed, never going below the given counters. */
    public ShardLog log(ShardKey key, long minNextPosition, long minLastArrivalMs) {
        return open.computeIfAbsent(key,
                k -> new ShardLog(k, root.resolve(k.dirName()), rollCycle, time, minNextPosition, minLastArrivalMs));
    }

    public ShardLog log(ShardKey key) {
        return log(key, 0, 0);
    }

    /** The log if this broker holds data for the shard, else null. Never creates one. */
    public ShardLog existing(ShardKey key) {
        ShardLog log = open.get(key);
        if (log != null) {
            return log;
        }
        return Files.isDirectory(root.resolve(key.dirName())) ? log(key) : null;
    }

    /** Keys of shards with a directory on disk or an open log. */
    public List<ShardKey> shardsOnDisk() {
        List<ShardKey> keys = new ArrayList<>(open.keySet());
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+-\\d+")).forEach(n -> {
                String[] parts = n.split("-");
                ShardKey k = new ShardKey(Long.parseLong(parts[0]), Integer.parseInt(parts[1]));
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return keys;
    }

    /** Deletes a shard's log and opens an empty one in its place (a replica copy that cannot be continued). */
    public ShardLog recreate(ShardKey key) {
        ShardLog old = open.remove(key);
        if (old != null) {
            old.close();
        }
        deleteTree(root.resolve(key.dirName()));
        return log(key);
    }

    /** The logs open now (shards with data are opened when first written or read after a start). */
    public Map<ShardKey, ShardLog> openLogs() {
        return Map.copyOf(open);
    }

    /** Closes and removes one shard's log (its stream was deleted). */
    public void delete(ShardKey key) {
        ShardLog log = open.remove(key);
        if (log != null) {
            log.close();
        }
        deleteTree(root.resolve(key.dirName()));
    }

    /** Writes every open shard log's newest file back to disk (see {@link ShardLog#writeBack}); failures are left
     * to the next snapshot's sync, which reports them. */
    public void writeBackAll() {
        for (ShardLog log : openLogs().values()) {
            try {
                log.writeBack();
            } catch (IOException | RuntimeException e) {
                // the next snapshot syncs this log anyway, and fails loudly if the disk does
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile by another deleter: what we wanted
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    @Override
    public void close() {
        open.values().forEach(ShardLog::close);
        open.clear();
    }
}
