package io.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Record;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** What the fault tests share: streams, puts, reads, and making a chosen broker a group's leader. */
final class ClusterTestSupport {
    static final String SHARD0 = "shardId-000000000000";
    static final int BATCH = 50;

    private static long startNanos = System.nanoTime();

    private ClusterTestSupport() {
    }

    /** Prints a step of the scenario with the seconds since the previous {@code begin} (in the test's output file). */
    static void step(String what) {
        System.out.printf("%6.2f s  %s%n", (System.nanoTime() - startNanos) / 1e9, what);
    }

    static void begin(String scenario) {
        startNanos = System.nanoTime();
        step("--- " + scenario);
    }

    static ConditionFactory waitUpTo(int seconds) {
        return Awaitility.await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(50))
                .pollDelay(Duration.ZERO).ignoreExceptions();
    }

    static void createStream(SluiceCluster c, String stream, int shards) {
        c.streams(0).createStream(CreateStreamRequest.newBuilder().setStreamName(stream).setShardCount(shards)
                .build());
    }

    /** Puts {@code batches} PutRecords of {@link #BATCH} records through broker {@code via}; all must succeed. */
    static List<String> put(SluiceCluster c, int via, String stream, String tag, int batches) {
        List<String> payloads = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
            for (int i = 0; i < BATCH; i++) {
                String payload = tag + "-" + b + "-" + i;
                payloads.add(payload);
                req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k" + (b * BATCH + i) % 97)
                        .setData(ByteString.copyFromUtf8(payload + "-" + "x".repeat(100))));
            }
            PutRecordsResponse resp = c.streams(via).putRecords(req.build());
            assertThat(resp.getFailedRecordCount()).as("failed records in batch %d of %s", b, tag).isZero();
        }
        return payloads;
    }

    /** The payloads of {@link #put} records, without their padding. */
    static List<String> payloads(List<Record> records) {
        return records.stream().map(r -> r.getData().toStringUtf8().replaceAll("-x+$", "")).toList();
    }

    /**
     * Makes {@code target} the leader of the three-member group of a shard with link faults: isolates the current
     * leader and cuts the third member's requests to {@code target}, so that only {@code target} can collect a
     * majority. Returns once {@code target} serves the shard, with the faults still in force (heal them when done).
     */
    static void electLeader(SluiceCluster c, String stream, String shardId, int target) {
        String group = c.groupOf(stream, shardId);
        int current = c.awaitLeaderOf(stream, shardId);
        if (current == target) {
            return;
        }
        List<Integer> members = c.membersOf(group);
        assertThat(members).hasSize(3).contains(target);
        c.isolate(current);
        for (int m : members) {
            if (m != target && m != current) {
                c.cut(m, target);
            }
        }
        waitUpTo(30).until(() -> c.leaderOf(stream, shardId), l -> l.isPresent() && l.getAsInt() == target);
    }
}
