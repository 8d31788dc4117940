package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.sluice.broker.Broker;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.StreamsGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas that missed writes catch up: from their own disk after a restart, and by snapshot install (shard data
 * copied from the leader) when the entries they need were purged from the leader's Raft log, down to an empty disk.
 */
class ReplicaRecoveryTest {
    /** Snapshots every 16 entries and purges the log right after, so that a replica soon cannot replay it. */
    private static final Map<String, String> SHORT_LOG = Map.of(
            "raft.snapshot.threshold.entries", "16",
            "raft.log.segment.max.bytes", String.valueOf(16 << 10),
            "raft.log.purge.gap", "1");

    @TempDir
    Path dir;

    @Test
    void wipedBroker_rejoinsBySnapshotInstall_withEveryShardRecordAndStream() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3, Clock.systemUTC(), SHORT_LOG)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(8).build());
            put(c, 0, "s", "before", 60);
            c.stop(2);
            c.wipe(2);

            put(c, 0, "s", "while-down", 120);
            // Enough metadata entries for the metadata group's log to be purged as well.
            List<ListenableFuture<CreateStreamResponse>> creates = new ArrayList<>();
            StreamsGrpc.StreamsFutureStub async = StreamsGrpc.newFutureStub(c.channel(1));
            for (int i = 0; i < 150; i++) {
                creates.add(async.createStream(CreateStreamRequest.newBuilder()
                        .setStreamName("more-" + i + "-" + "n".repeat(100)).setShardCount(2).build()));
            }
            for (ListenableFuture<CreateStreamResponse> f : creates) {
                f.get(60, TimeUnit.SECONDS);
            }
            awaitCaughtUp(c, 0);
            awaitCaughtUp(c, 1);
            for (RaftGroupId g : c.broker(0).replication().raft().hostedGroups()) {
                assertThat(c.broker(0).replication().raft().division(g).getRaftLog().getStartIndex())
                        .as("group %s purged its log, so the wiped broker cannot replay it", g)
                        .isGreaterThan(1);
            }

            c.restart(2);
            awaitCaughtUp(c, 2);
            assertThat(c.broker(2).metadata().streamsByName().keySet()).isEqualTo(
                    c.broker(0).metadata().streamsByName().keySet()).hasSize(151);
            assertSameShardData(c, 0, 2);
            assertThat(records(c.broker(2), "s")).hasSize(180 * 50);

            // Replication carries on normally after the install.
            put(c, 1, "s", "after", 20);
            awaitCaughtUp(c, 2);
            assertSameShardData(c, 0, 2);
            assertThat(records(c.broker(2), "s")).hasSize(200 * 50);
        }
    }

    @Test
    void stoppedBroker_catchesUpFromItsOwnDisk_andWholeClusterRestartKeepsEveryRecord() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3, Clock.systemUTC(), SHORT_LOG)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(4).build());
            put(c, 0, "s", "before", 40);
            awaitCaughtUp(c, 1);
            c.stop(1);
            put(c, 0, "s", "while-down", 80); // its log is purged meanwhile: only the missing suffix is copied
            c.restart(1);
            awaitCaughtUp(c, 1);
            assertSameShardData(c, 0, 1);

            for (int i = 0; i < 3; i++) {
                c.stop(i);
            }
            for (int i = 0; i < 3; i++) {
                c.restart(i);
            }
            c.awaitReady();
            put(c, 2, "s", "after-restart", 10);
            for (int i = 0; i < 3; i++) {
                awaitCaughtUp(c, i);
            }
            assertSameShardData(c, 0, 1);
            assertSameShardData(c, 0, 2);
            List<String> payloads = new ArrayList<>();
            records(c.broker(0), "s").forEach(r -> payloads.add(new String(r.data(), StandardCharsets.UTF_8)));
            assertThat(payloads).hasSize(130 * 50).doesNotHaveDuplicates();
        }
    }

    /** Puts {@code batches} PutRecords of 50 records each through broker {@code via}; every record must succeed. */
    static void put(MiniCluster c, int via, String stream, String tag, int batches) {
        for (int b = 0; b < batches; b++) {
            PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
            for (int i = 0; i < 50; i++) {
                req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k" + (b * 50 + i) % 97)
                        .setData(ByteString.copyFromUtf8(tag + "-" + b + "-" + i + "-" + "x".repeat(150))));
            }
            PutRecordsResponse resp = c.stub(via).putRecords(req.build());
            assertThat(resp.getFailedRecordCount()).as("failed records in batch %d", b).isZero();
        }
    }

    /** Waits until broker {@code i} has applied, in every group it hosts, all that any running broker committed. */
    static void awaitCaughtUp(MiniCluster c, int i) {
        await("broker " + i + " catches up").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                .until(() -> caughtUp(c, i));
    }

    private static boolean caughtUp(MiniCluster c, int i) {
        {
            boolean done = c.broker(i).metadata().initialized();
            for (RaftGroupId g : c.broker(i).replication().raft().hostedGroups()) {
                long committed = 0;
                for (int j = 0; j < c.size(); j++) {
                    if (c.running(j)) {
                        RaftServer.Division d = c.broker(j).replication().raft().division(g);
                        committed = Math.max(committed, d.getRaftLog().getLastCommittedIndex());
                    }
                }
                done &= c.broker(i).replication().raft().division(g).getInfo().getLastAppliedIndex() >= committed;
            }
            return done;
        }
    }

    /** Every shard of every stream holds the same records, field by field, on both brokers. */
    static void assertSameShardData(MiniCluster c, int a, int b) {
        for (StreamRecord s : c.broker(a).metadata().streamsByName().values()) {
            for (ShardRecord shard : s.getShardsList()) {
                ShardKey key = new ShardKey(s.getStreamId(), shard.getShardIndex());
                assertThat(describe(read(c.broker(b), key))).as("shard %s on broker %d", key, b)
                        .containsExactlyElementsOf(describe(read(c.broker(a), key)));
            }
        }
    }

    static List<StoredRecord> records(Broker b, String stream) {
        StreamRecord s = b.metadata().stream(stream);
        List<StoredRecord> out = new ArrayList<>();
        for (ShardRecord shard : s.getShardsList()) {
            out.addAll(read(b, new ShardKey(s.getStreamId(), shard.getShardIndex())));
        }
        return out;
    }

    private static List<StoredRecord> read(Broker b, ShardKey key) {
        ShardLog log = b.storage().existing(key);
        return log == null ? List.of() : log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    private static List<String> describe(List<StoredRecord> records) {
        return records.stream().map(r -> r.position() + "|" + r.arrivalTimeMs() + "|" + r.partitionKey() + "|"
                + Arrays.hashCode(r.data()) + "|" + r.data().length + "|" + r.entryKey() + "|" + r.ordinal()).toList();
    }
}
