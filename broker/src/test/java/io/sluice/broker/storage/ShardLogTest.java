package io.sluice.broker.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.broker.storage.ShardKey;
import io.sluice.proto.internal.v1.EntryRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardLogTest {
    @TempDir
    Path dir;

    private static List<EntryRecord> records(String prefix, int n, int size) {
        List<EntryRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[size];
            data[0] = (byte) i;
            out.add(EntryRecord.newBuilder().setPartitionKey(prefix + i).setData(ByteString.copyFrom(data)).build());
        }
        return out;
    }

    @Test
    void appendThenRead_returnsRecordsInOrderWithContiguousPositions() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.log(new ShardKey(7, 0));
            assertThat(log.append(1L << 16, 1000, records("a", 3, 10))).isZero();
            assertThat(log.append(2L << 16, 900, records("b", 2, 10))).isEqualTo(3);
            List<StoredRecord> all = log.read(0, 100, Long.MAX_VALUE);
            assertThat(all).extracting(StoredRecord::position).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(all).extracting(StoredRecord::partitionKey).containsExactly("a0", "a1", "a2", "b0", "b1");
            // Arrival time never goes backwards within a shard.
            assertThat(all).extracting(StoredRecord::arrivalTimeMs).containsExactly(1000L, 1000L, 1000L, 1000L, 1000L);
            assertThat(log.read(3, 1, Long.MAX_VALUE)).extracting(StoredRecord::partitionKey).containsExactly("b0");
        }
    }

    @Test
    void read_stopsAtByteCapButReturnsAtLeastOneRecord() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.log(new ShardKey(7, 1));
            log.append(1L << 16, 1, records("k", 5, 1000));
            assertThat(log.read(0, 100, 2500)).hasSize(2);
            assertThat(log.read(0, 100, 10)).hasSize(1);
        }
    }

    @Test
    void largeRecordsFitInOneQueue() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.log(new ShardKey(7, 2));
            log.append(1L << 16, 1, records("big", 12, (1 << 20) - 10));
            assertThat(log.read(0, 100, Long.MAX_VALUE)).hasSize(12)
                    .allSatisfy(r -> assertThat(r.data()).hasSize((1 << 20) - 10));
        }
    }

    @Test
    void reopen_recoversPositionAndSkipsReplayedAppends() {
        ShardKey key = new ShardKey(9, 0);
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.log(key);
            log.append(5L << 16, 10, records("x", 4, 8));
            log.append((5L << 16) | 1, 10, records("y", 2, 8));
        }
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.existing(key);
            assertThat(log).isNotNull();
            assertThat(log.nextPosition()).isEqualTo(6);
            // The same entry applied again after a restart stores nothing new.
            log.append(5L << 16, 10, records("x", 4, 8));
            assertThat(log.append((5L << 16) | 1, 10, records("y", 2, 8))).isEqualTo(4);
            assertThat(log.nextPosition()).isEqualTo(6);
            assertThat(log.append(6L << 16, 11, records("z", 1, 8))).isEqualTo(6);
            assertThat(log.read(0, 100, Long.MAX_VALUE)).extracting(StoredRecord::partitionKey)
                    .containsExactly("x0", "x1", "x2", "x3", "y0", "y1", "z0");
        }
    }

    @Test
    void positionAtTimestamp_findsFirstRecordAtOrAfter() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog log = storage.log(new ShardKey(3, 0));
            for (int i = 0; i < 10; i++) {
                log.append((long) (i + 1) << 16, 100L * i, records("t", 3, 4));
            }
            assertThat(log.positionAtTimestamp(0)).isZero();
            assertThat(log.positionAtTimestamp(450)).isEqualTo(15);
            assertThat(log.positionAtTimestamp(500)).isEqualTo(15);
            assertThat(log.positionAtTimestamp(10_000)).isEqualTo(30);
        }
    }

    @Test
    void delete_removesTheShardsDirectory() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            storage.log(new ShardKey(4, 0)).append(1L << 16, 1, records("d", 1, 4));
            storage.log(new ShardKey(5, 0)).append(1L << 16, 1, records("e", 1, 4));
            storage.delete(new ShardKey(4, 0));
            assertThat(dir.resolve("4-0")).doesNotExist();
            assertThat(storage.existing(new ShardKey(4, 0))).isNull();
            assertThat(storage.existing(new ShardKey(5, 0))).isNotNull();
        }
    }

    @Test
    void trimBefore_dropsWholeOldCyclesButNeverTheNewest_andSurvivesReopen() {
        SetTimeProvider time = new SetTimeProvider(Instant.parse("2026-11-24T10:00:00Z"));
        ShardKey key = new ShardKey(9, 0);
        try (ShardStorage storage = new ShardStorage(dir, RollCycles.FAST_HOURLY, time)) {
            ShardLog log = storage.log(key);
            log.append(1L << 16, 1_000, records("h10-", 3, 10));
            time.advanceMillis(3_600_000);
            log.append(2L << 16, 2_000, records("h11-", 2, 10));
            time.advanceMillis(3_600_000);
            log.append(3L << 16, 3_000, records("h12-", 4, 10));

            assertThat(log.trimBefore(1_000)).as("nothing older than the cutoff").isZero();
            assertThat(log.trimBefore(1_001)).as("the 10:00 cycle only").isEqualTo(3);
            assertThat(log.firstPosition()).isEqualTo(3);
            assertThat(log.read(0, 100, Long.MAX_VALUE)).extracting(StoredRecord::partitionKey)
                    .containsExactly("h11-0", "h11-1", "h12-0", "h12-1", "h12-2", "h12-3");
            assertThat(log.trimBefore(Long.MAX_VALUE)).as("never the newest cycle").isEqualTo(2);
            assertThat(log.firstPosition()).isEqualTo(5);
        }
        try (ShardStorage storage = new ShardStorage(dir, RollCycles.FAST_HOURLY, time)) {
            ShardLog log = storage.log(key);
            assertThat(log.firstPosition()).isEqualTo(5);
            assertThat(log.nextPosition()).isEqualTo(9);
            assertThat(log.append(3L << 16, 3_000, records("h12-", 4, 10))).as("replay still recognised").isEqualTo(5);
            assertThat(log.read(0, 100, Long.MAX_VALUE)).extracting(StoredRecord::position)
                    .containsExactly(5L, 6L, 7L, 8L);
        }
    }

    @Test
    void writeBack_syncsTheNewestCycleFile_whileAppendsGoOn() throws Exception {
        SetTimeProvider time = new SetTimeProvider(Instant.parse("2026-11-24T10:00:00Z"));
        try (ShardStorage storage = new ShardStorage(dir, RollCycles.FAST_HOURLY, time)) {
            ShardLog log = storage.log(new ShardKey(11, 0));
            assertThat(log.writeBack()).as("an empty log has no file yet").isFalse();
            log.append(1L << 16, 1_000, records("h10-", 3, 10));
            assertThat(log.writeBack()).as("the 10:00 cycle file").isTrue();
            time.advanceMillis(3_600_000);
            log.append(2L << 16, 2_000, records("h11-", 2, 10));
            assertThat(log.writeBack()).as("the 11:00 cycle file").isTrue();

            // Write-backs from another thread while this one appends: nothing is lost, reordered or corrupted.
            java.util.concurrent.atomic.AtomicBoolean appending = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger writeBacks = new java.util.concurrent.atomic.AtomicInteger();
            Thread t = new Thread(() -> {
                while (appending.get()) {
                    try {
                        if (log.writeBack()) {
                            writeBacks.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            t.start();
            for (int i = 0; i < 200; i++) {
                log.append((3L + i) << 16, 3_000, records("c" + i + "-", 5, 1000));
            }
            appending.set(false);
            t.join();
            assertThat(writeBacks.get()).isPositive();
            List<StoredRecord> all = log.read(0, 10_000, Long.MAX_VALUE);
            assertThat(all).hasSize(3 + 2 + 200 * 5);
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).position()).isEqualTo(i);
            }
            assertThat(all.get(all.size() - 1).partitionKey()).isEqualTo("c199-4");
        }
    }

    @Test
    void appendCopies_keepsPositionsAndStartsAnEmptyLogWhereTheSourceStarts() {
        try (ShardStorage storage = new ShardStorage(dir)) {
            ShardLog source = storage.log(new ShardKey(10, 0));
            source.append(5L << 16, 1_000, records("a", 6, 10));
            List<StoredRecord> all = source.read(0, 100, Long.MAX_VALUE);
            ShardLog copy = storage.log(new ShardKey(10, 1));
            copy.appendCopies(all.subList(2, 4)); // the source had dropped positions 0 and 1
            copy.appendCopies(all.subList(3, 6)); // overlapping pages are fine
            assertThat(copy.read(0, 100, Long.MAX_VALUE)).extracting(StoredRecord::position)
                    .containsExactly(2L, 3L, 4L, 5L);
            assertThat(copy.append(5L << 16, 1_000, records("a", 6, 10))).as("the copied entry is recognised")
                    .isEqualTo(0);
            assertThat(copy.nextPosition()).isEqualTo(6);
            assertThatThrownBy(() -> copy.appendCopies(List.of(new StoredRecord(9, 1, "k", new byte[1], 6L << 16, 0))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ends before position 6");
        }
    }
}
