package io.sluice.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.DataEntryResult;
import io.sluice.proto.internal.v1.DataSnapshot;
import io.sluice.proto.internal.v1.EntryRecord;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * The data group's apply unit driven directly: random scripts of appends (several streams and shards, some from
 * idempotent producers), stream drops, snapshots and restarts (reopen the shard logs from disk, restore the last
 * snapshot, replay every entry after it). Whatever the script, the replica that restarted ends with the same state,
 * the same stored records and the same answers as a replica that applied every entry once, and positions
 * (sequence numbers) in each shard strictly increase.
 */
class DataApplierProperties {
    private Path root;

    @BeforeTry
    void createRoot() throws IOException {
        root = Files.createTempDirectory("data-applier");
    }

    @AfterTry
    void deleteRoot() throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    sealed interface Op permits Apply, Snapshot, Restart {
    }

    record Apply(DataEntry entry) implements Op {
    }

    record Snapshot() implements Op {
    }

    record Restart() implements Op {
    }

    @Property(tries = 30)
    void replayAfterSnapshotsAndRestarts_givesTheStateOfASingleRun(@ForAll("scripts") List<Op> script) {
        List<DataEntry> entries = new ArrayList<>();
        for (Op op : script) {
            if (op instanceof Apply a) {
                entries.add(a.entry());
            }
        }

        // Reference: every entry applied once, in order.
        List<DataEntryResult> reference = new ArrayList<>();
        Map<ShardKey, List<String>> referenceRecords;
        Map<ShardKey, Long> referencePositions;
        try (ShardStorage storage = new ShardStorage(root.resolve("reference"))) {
            DataApplier applier = new DataApplier(storage);
            for (int i = 0; i < entries.size(); i++) {
                reference.add(applier.apply(i + 1, entries.get(i)));
            }
            referenceRecords = records(storage);
            referencePositions = applier.nextPositions();
        }
        assertStrictlyIncreasingPositions(reference, entries);

        // The same entries with snapshots and restarts in between.
        Path dir = root.resolve("restarted");
        ShardStorage storage = new ShardStorage(dir);
        DataApplier applier = new DataApplier(storage);
        DataSnapshot snapshot = null;
        long applied = 0;
        try {
            for (Op op : script) {
                if (op instanceof Apply a) {
                    applied++;
                    assertThat(applier.apply(applied, a.entry())).isEqualTo(reference.get((int) applied - 1));
                } else if (op instanceof Snapshot) {
                    snapshot = applier.snapshot(1, applied);
                } else {
                    storage.close();
                    storage = new ShardStorage(dir);
                    applier = new DataApplier(storage);
                    applier.restore(snapshot);
                    long from = snapshot == null ? 0 : snapshot.getIndex();
                    for (long i = from + 1; i <= applied; i++) {
                        DataEntryResult replayed = applier.apply(i, entries.get((int) i - 1));
                        assertThat(positionsOf(replayed)).isEqualTo(positionsOf(reference.get((int) i - 1)));
                    }
                }
            }
            assertThat(applier.nextPositions()).isEqualTo(referencePositions);
            assertThat(records(storage)).isEqualTo(referenceRecords);
        } finally {
            storage.close();
        }
    }

    @Example
    void aLogThatStoredSomethingElseAtAnIndex_stopsTheReplica() {
        Path dir = root.resolve("diverged");
        DataSnapshot afterFirst;
        try (ShardStorage storage = new ShardStorage(dir)) {
            DataApplier applier = new DataApplier(storage);
            applier.apply(1, entry(1_000, append(7, 0, 0, 3)));
            afterFirst = applier.snapshot(1, 1);
            applier.apply(2, entry(1_001, append(7, 0, 0, 2)));
        }
        try (ShardStorage storage = new ShardStorage(dir)) {
            DataApplier applier = new DataApplier(storage);
            applier.restore(afterFirst);
            // Index 2 again, but not the entry this log holds for it: one record where the log has two.
            assertThatThrownBy(() -> applier.apply(2, entry(1_001, append(7, 0, 0, 1))))
                    .isInstanceOf(ReplicaDivergedException.class)
                    .hasMessageContaining("7/shardId-000000000000").hasMessageContaining("expected 3");
        }
    }

    @Example
    void aDroppedStream_refusesLaterAppends_andItsShardsAreGone() {
        try (ShardStorage storage = new ShardStorage(root.resolve("drop"))) {
            DataApplier applier = new DataApplier(storage);
            applier.apply(1, entry(1_000, append(3, 0, 0, 2), append(4, 1, 0, 1)));
            DataEntryResult r = applier.apply(2, entry(1_001, append(3, 0, 0, 1)).toBuilder()
                    .addDropStreamIds(3).build());
            assertThat(r.getResults(0).getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.RESOURCE_NOT_FOUND);
            assertThat(storage.existing(new ShardKey(3, 0))).isNull();
            assertThat(storage.existing(new ShardKey(4, 1)).nextPosition()).isEqualTo(1);
            assertThat(applier.snapshot(1, 2).getDroppedStreamIdsList()).containsExactly(3L);
        }
    }

    private static void assertStrictlyIncreasingPositions(List<DataEntryResult> results, List<DataEntry> entries) {
        Map<ShardKey, Long> next = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            for (int k = 0; k < entries.get(i).getAppendsCount(); k++) {
                ShardAppend a = entries.get(i).getAppends(k);
                ShardAppendResult r = results.get(i).getResults(k);
                if (r.getError() != io.sluice.proto.v1.ErrorCode.ERROR_CODE_UNSPECIFIED || r.getDuplicate()) {
                    continue;
                }
                ShardKey key = new ShardKey(a.getStreamId(), a.getShardIndex());
                long expected = next.getOrDefault(key, 0L);
                assertThat(r.getFirstPosition()).as("first position of %s in entry %d", key, i + 1)
                        .isEqualTo(expected);
                next.put(key, expected + a.getRecordsCount());
            }
        }
    }

    /** What a replayed answer must repeat: positions, refusals and duplicates (arrival times are the log's now). */
    private static List<String> positionsOf(DataEntryResult r) {
        return r.getResultsList().stream().map(x -> x.getFirstPosition() + "/" + x.getError() + "/"
                + x.getDuplicate()).toList();
    }

    /** Every stored record of every shard, as text (position, arrival, entry key, ordinal, key, data). */
    private static Map<ShardKey, List<String>> records(ShardStorage storage) {
        Map<ShardKey, List<String>> out = new TreeMap<>(ShardKey.ORDER);
        for (ShardKey key : storage.shardsOnDisk()) {
            ShardLog log = storage.existing(key);
            List<StoredRecord> all = log.read(log.firstPosition(), Integer.MAX_VALUE, Long.MAX_VALUE);
            if (!all.isEmpty()) {
                out.put(key, all.stream().map(r -> r.position() + "@" + r.arrivalTimeMs() + "/" + r.entryKey() + "."
                        + r.ordinal() + " " + r.partitionKey() + "=" + new String(r.data(), StandardCharsets.UTF_8))
                        .toList());
            }
        }
        return out;
    }

    @Provide
    Arbitrary<List<Op>> scripts() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, entries().map(e -> (Op) new Apply(e))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Snapshot())),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Restart())));
        return op.list().ofMinSize(1).ofMaxSize(30).map(DataApplierProperties::withIncreasingProducerSequences);
    }

    private Arbitrary<DataEntry> entries() {
        Arbitrary<ShardAppend> append = Combinators.combine(Arbitraries.longs().between(1, 3),
                        Arbitraries.integers().between(0, 2), Arbitraries.longs().between(0, 2),
                        Arbitraries.integers().between(1, 5))
                .as(DataApplierProperties::append);
        Arbitrary<List<Long>> drops = Arbitraries.longs().between(1, 3).list().ofMaxSize(1)
                .injectDuplicates(0.1);
        return Combinators.combine(Arbitraries.longs().between(1_000, 2_000), append.list().ofMaxSize(4),
                drops, Arbitraries.integers().between(0, 9)).as((time, appends, dropped, dropOdds) -> {
                    DataEntry.Builder b = DataEntry.newBuilder().setLeaderTimeMs(time).addAllAppends(appends);
                    if (dropOdds == 0) {
                        b.addAllDropStreamIds(dropped);
                    }
                    return b.build();
                });
    }

    /**
     * Idempotent producers send consecutive sequences per shard; the generator picks producers, this numbers their
     * batches (and now and then repeats one, as a retry would).
     */
    private static List<Op> withIncreasingProducerSequences(List<Op> script) {
        Map<String, Long> nextSequence = new HashMap<>();
        List<Op> out = new ArrayList<>();
        int n = 0;
        for (Op op : script) {
            if (!(op instanceof Apply a)) {
                out.add(op);
                continue;
            }
            DataEntry.Builder e = a.entry().toBuilder();
            for (ShardAppend.Builder s : e.getAppendsBuilderList()) {
                if (s.getProducerId() == 0) {
                    continue;
                }
                String key = s.getProducerId() + "/" + s.getStreamId() + "/" + s.getShardIndex();
                long seq = nextSequence.getOrDefault(key, 0L);
                boolean retry = seq > 0 && (n++ % 5 == 0);
                s.setProducerSequence(retry ? seq - s.getRecordsCount() : seq);
                if (!retry) {
                    nextSequence.put(key, seq + s.getRecordsCount());
                }
            }
            out.add(new Apply(e.build()));
        }
        return out;
    }

    private static ShardAppend append(long streamId, int shardIndex, long producerId, int records) {
        ShardAppend.Builder b = ShardAppend.newBuilder().setStreamId(streamId).setShardIndex(shardIndex)
                .setProducerId(producerId);
        for (int i = 0; i < records; i++) {
            b.addRecords(EntryRecord.newBuilder().setPartitionKey("k" + i)
                    .setData(ByteString.copyFromUtf8(streamId + "-" + shardIndex + "-" + i)));
        }
        return b.build();
    }

    private static DataEntry entry(long leaderTimeMs, ShardAppend... appends) {
        return DataEntry.newBuilder().setLeaderTimeMs(leaderTimeMs).addAllAppends(List.of(appends)).build();
    }
}
