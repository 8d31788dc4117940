package io.sluice.broker.storage;

import io.sluice.broker.storage.ShardKey;
import io.sluice.proto.internal.v1.EntryRecord;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The committed records of one shard, in one Chronicle queue (one excerpt per record).
 *
 * <p>Excerpt layout: {@code position:long, arrivalMs:long, entryKey:long, ordinal:int, keyLen:int, key:UTF-8,
 * dataLen:int, data}. {@code entryKey} is {@code raftIndex << 16 | appendOrdinalInEntry} and {@code ordinal} the
 * record's place in its append: together they tell a replayed Raft entry (after a crash, entries after the last
 * snapshot are applied again) which of its records are already here, so none is stored twice and a record half
 * written when the process died is completed.
 *
 * <p>Positions are contiguous within a roll cycle, so a cycle directory ({@code firstPosition -> cycle}, one entry per
 * cycle file) turns a position into a Chronicle index without scanning. Retention deletes whole cycle files.
 *
 * <p>Threads: {@link #append} is called only by the owning replication group's apply thread; reads may come from any
 * thread and see records up to {@link #nextPosition()}, which is published after a record is fully written.
 */
public final class ShardLog implements Closeable {
    private static final int MAX_BLOCK = 64 << 20;

    private final ShardKey key;
    private final Path dir;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final ConcurrentSkipListMap<Long, Integer> cycleByFirstPosition = new ConcurrentSkipListMap<>();
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();
    // Owned by the apply thread; published through nextPosition.
    private ExcerptAppender appender;
    private Thread appenderThread;
    private long lastEntryKey = -1;
    private int lastOrdinal = -1;
    private long lastArrivalMs;
    private volatile long nextPosition;
    private volatile boolean closed;

    ShardLog(ShardKey key, Path dir, RollCycle rollCycle, TimeProvider time, long minNextPosition,
             long minLastArrivalMs) {
        this.key = key;
        this.dir = dir;
        this.rollCycle = rollCycle;
        this.queue = SingleChronicleQueueBuilder.single(dir.toFile())
                .rollCycle(rollCycle)
                .timeProvider(time)
                .blockSize(MAX_BLOCK)
                .syncMode(SyncMode.SYNC) // makes sync() a real msync(MS_SYNC); appends themselves never sync
                .build();
        this.nextPosition = minNextPosition;
        this.lastArrivalMs = minLastArrivalMs;
        recover();
    }

    public static RollCycle defaultRollCycle() {
        return RollCycles.FAST_HOURLY;
    }

    private void recover() {
        if (queue.firstCycle() > queue.lastCycle() || queue.lastCycle() < 0) {
            return; // nothing stored yet
        }
        NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle());
        try (ExcerptTailer tailer = queue.createTailer()) {
            for (long cycle : cycles) {
                if (!tailer.moveToIndex(rollCycle.toIndex((int) cycle, 0))) {
                    continue;
                }
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (dc.isPresent()) {
                        cycleByFirstPosition.put(dc.wire().bytes().readLong(), (int) cycle);
                    }
                }
            }
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (dc.isPresent()) {
                        Bytes<?> b = dc.wire().bytes();
                        long position = b.readLong();
                        long arrival = b.readLong();
                        lastEntryKey = b.readLong();
                        lastOrdinal = b.readInt();
                        nextPosition = Math.max(nextPosition, position + 1);
                        lastArrivalMs = Math.max(lastArrivalMs, arrival);
                    }
                }
            }
        }
    }

    public ShardKey key() {
        return key;
    }

    /** Position the next appended record will get; records below it (and at or above {@link #firstPosition()}) can
     * be read. */
    public long nextPosition() {
        return nextPosition;
    }

    public long lastArrivalMs() {
        return lastArrivalMs;
    }

    /** The oldest position still retained (== nextPosition when the shard holds no records). */
    public long firstPosition() {
        Map.Entry<Long, Integer> first = cycleByFirstPosition.firstEntry();
        return first == null ? nextPosition : first.getKey();
    }

    /**
     * Appends one append's records unless a previous run of the same Raft entry stored them already.
     *
     * @param entryKey      {@code raftIndex << 16 | appendOrdinalInEntry}, increasing across calls
     * @param arrivalTimeMs the leader's timestamp; raised to the shard's last arrival time if lower
     * @return the position of the append's first record
     */
    public synchronized long append(long entryKey, long arrivalTimeMs, List<EntryRecord> records) {
        if (closed) {
            throw new IllegalStateException("shard log " + key + " is closed");
        }
        if (entryKey < lastEntryKey) {
            return -1; // stored before a restart, below the last append; nobody waits for its result
        }
        if (entryKey == lastEntryKey && lastOrdinal >= records.size() - 1) {
            return nextPosition - records.size(); // stored completely before a restart
        }
        int from = entryKey == lastEntryKey ? lastOrdinal + 1 : 0;
        long arrival = Math.max(arrivalTimeMs, lastArrivalMs);
        claimAppender();
        long first = nextPosition - from;
        for (int i = from; i < records.size(); i++) {
            EntryRecord r = records.get(i);
            writeExcerpt(nextPosition, arrival, entryKey, i, r.getPartitionKey().getBytes(StandardCharsets.UTF_8),
                    r.getData().toByteArray());
        }
        lastEntryKey = entryKey;
        lastOrdinal = records.size() - 1;
        lastArrivalMs = arrival;
        for (Runnable l : appendListeners) {
            l.run();
        }
        return first;
    }

    /**
     * Stores copies of another replica's records (snapshot install), keeping their positions, arrival times and
     * entry keys. Records below {@link #nextPosition()} are skipped (already here). The first new record must be at
     * {@link #nextPosition()}, except in an empty log, which then starts at that record's position (the source had
     * already dropped older records by retention).
     *
     * @throws IllegalStateException if the records leave a gap after this log's last record
     */
    public synchronized void appendCopies(List<StoredRecord> records) {
        if (closed) {
            throw new IllegalStateException("shard log " + key + " is closed");
        }
        claimAppender();
        for (StoredRecord r : records) {
            if (r.position() < nextPosition) {
                continue;
            }
            if (r.position() > nextPosition) {
                if (!cycleByFirstPosition.isEmpty()) {
                    throw new IllegalStateException("shard log " + key + " ends before position " + nextPosition
                            + " but the copied records start at " + r.position());
                }
                nextPosition = r.position();
            }
            writeExcerpt(r.position(), r.arrivalTimeMs(), r.entryKey(), r.ordinal(),
                    r.partitionKey().getBytes(StandardCharsets.UTF_8), r.data());
            lastEntryKey = r.entryKey();
            lastOrdinal = r.ordinal();
            lastArrivalMs = Math.max(lastArrivalMs, r.arrivalTimeMs());
        }
        for (Runnable l : appendListeners) {
            l.run();
        }
    }

    /** Binds the appender to the calling thread (Ratis may re-create a group's apply thread; installs run on
     * another thread). */
    private void claimAppender() {
        if (appender == null) {
            appender = queue.createAppender();
            appenderThread = Thread.currentThread();
        } else if (appenderThread != Thread.currentThread()) {
            appender.singleThreadedCheckReset();
            appenderThread = Thread.currentThread();
        }
    }

    /** Writes one excerpt at {@code position} (== nextPosition) and publishes it. */
    private void writeExcerpt(long position, long arrival, long entryKey, int ordinal, byte[] keyBytes, byte[] data) {
        try (DocumentContext dc = appender.writingDocument()) {
            try {
                Bytes<?> b = dc.wire().bytes();
                b.writeLong(position);
                b.writeLong(arrival);
                b.writeLong(entryKey);
                b.writeInt(ordinal);
                b.writeInt(keyBytes.length);
                b.write(keyBytes);
                b.writeInt(data.length);
                b.write(data);
            } catch (RuntimeException e) {
                dc.rollbackOnClose(); // otherwise Chronicle commits the partial excerpt
                throw e;
            }
        }
        long index = appender.lastIndexAppended();
        long seq = rollCycle.toSequenceNumber(index);
        if (seq == 0 || cycleByFirstPosition.isEmpty()) {
            cycleByFirstPosition.put(position - seq, rollCycle.toCycle(index));
        }
        nextPosition = position + 1;
    }

    /**
     * Reads records from {@code position} on, stopping before {@link #nextPosition()}, after {@code maxRecords}, or
     * before the record that would take the total over {@code maxBytes} (at least one record is returned when any is
     * available, so a single large record cannot block a reader).
     */
    public List<StoredRecord> read(long position, int maxRecords, long maxBytes) {
        long end = nextPosition;
        List<StoredRecord> out = new ArrayList<>();
        if (position >= end || closed) {
            return out;
        }
        position = Math.max(position, firstPosition());
        long bytes = 0;
        try (ExcerptTailer tailer = queue.createTailer()) {
            if (!moveTo(tailer, position)) {
                return out;
            }
            while (position < end && out.size() < maxRecords) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    StoredRecord r = decode(dc.wire().bytes());
                    if (r.position() != position) {
                        throw new IllegalStateException("shard log " + key + " is corrupt: expected position "
                                + position + ", found " + r.position());
                    }
                    bytes += r.sizeBytes();
                    if (bytes > maxBytes && !out.isEmpty()) {
                        break;
                    }
                    out.add(r);
                    position++;
                }
            }
        }
        return out;
    }

    /** The first position whose arrival time is >= {@code timestampMs} (nextPosition if none). */
    public long positionAtTimestamp(long timestampMs) {
        long lo = firstPosition();
        long hi = nextPosition;
        try (ExcerptTailer tailer = queue.createTailer()) {
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                long arrival = arrivalAt(tailer, mid);
                if (arrival < timestampMs) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
        }
        return lo;
    }

    /** Arrival time of the record at {@code position}, which must be readable. */
    public long arrivalTimeAt(long position) {
        try (ExcerptTailer tailer = queue.createTailer()) {
            return arrivalAt(tailer, position);
        }
    }

    private long arrivalAt(ExcerptTailer tailer, long position) {
        if (!moveTo(tailer, position)) {
            throw new IllegalStateException("shard log " + key + " has no record at position " + position);
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            Bytes<?> b = dc.wire().bytes();
            b.readLong();
            return b.readLong();
        }
    }

    private boolean moveTo(ExcerptTailer tailer, long position) {
        Map.Entry<Long, Integer> cycle = cycleByFirstPosition.floorEntry(position);
        if (cycle == null) {
            return false;
        }
        return tailer.moveToIndex(rollCycle.toIndex(cycle.getValue(), position - cycle.getKey()));
    }

    private static StoredRecord decode(Bytes<?> b) {
        long position = b.readLong();
        long arrival = b.readLong();
        long entryKey = b.readLong();
        int ordinal = b.readInt();
        byte[] keyBytes = new byte[b.readInt()];
        b.read(keyBytes);
        byte[] data = new byte[b.readInt()];
        b.read(data);
        return new StoredRecord(position, arrival, new String(keyBytes, StandardCharsets.UTF_8), data, entryKey,
                ordinal);
    }

    /**
     * Retention: deletes whole roll-cycle files whose records all arrived before {@code cutoffMs}, oldest first and
     * never the newest cycle (it holds the last record, which replay after a restart relies on). Records thus live
     * from their retention period up to one roll cycle longer.
     *
     * @return the number of records dropped
     */
    public synchronized long trimBefore(long cutoffMs) {
        long dropped = 0;
        while (!closed && cycleByFirstPosition.size() > 1) {
            Map.Entry<Long, Integer> oldest = cycleByFirstPosition.firstEntry();
            long nextCycleStart = cycleByFirstPosition.higherKey(oldest.getKey());
            if (arrivalTimeAt(nextCycleStart - 1) >= cutoffMs) {
                break;
            }
            // Readers that find the cycle gone start again from firstPosition(), so drop it from the directory first.
            cycleByFirstPosition.remove(oldest.getKey());
            Path file = dir.resolve(cycleFileName(oldest.getValue()));
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                cycleByFirstPosition.put(oldest.getKey(), oldest.getValue());
                throw new UncheckedIOException("cannot delete " + file, e);
            }
            dropped += nextCycleStart - oldest.getKey();
        }
        if (dropped > 0) {
            queue.refreshDirectoryListing();
        }
        return dropped;
    }

    private String cycleFileName(int cycle) {
        return DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli((long) cycle * rollCycle.lengthInMillis())) + SingleChronicleQueue.SUFFIX;
    }

    /** Called (on the apply thread) after each append; used to wake push subscriptions. */
    public void addAppendListener(Runnable listener) {
        appendListeners.add(listener);
    }

    public void removeAppendListener(Runnable listener) {
        appendListeners.remove(listener);
    }

    /**
     * Writes the newest roll-cycle file's dirty pages back to disk (fdatasync of the file, which on Linux covers the
     * pages written through Chronicle's mapping) without taking this log's lock, so appends go on meanwhile. It
     * changes nothing that readers or a replay see; it leaves less for {@link #sync()}, which a Raft snapshot calls
     * on the group's apply thread. Without it, that msync wrote everything appended since the previous snapshot
     * (tens of MB per shard at a few MB/s), and the group's appends (so push delivery and put acks) stopped for a
     * second or more. Call it from a thread of its own: it waits for the disk.
     *
     * @return false when there was no file to write back (an empty or closed log, or the file was deleted meanwhile)
     */
    public boolean writeBack() throws IOException {
        Map.Entry<Long, Integer> newest = cycleByFirstPosition.lastEntry();
        if (newest == null || closed) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(cycleFileName(newest.getValue())),
                StandardOpenOption.READ)) {
            ch.force(false);
            return true;
        } catch (NoSuchFileException e) {
            return false; // deleted meanwhile (retention, a deleted stream)
        }
    }

    /** Forces appended records to disk (msync); called before a snapshot claims them. */
    public synchronized void sync() {
        if (appender != null) {
            claimAppender();
            appender.sync();
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (appender != null) {
            appender.close();
        }
        queue.close();
    }
}
