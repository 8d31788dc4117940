package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.SHARD0;
import static io.sluice.testing.ClusterTestSupport.begin;
import static io.sluice.testing.ClusterTestSupport.createStream;
import static io.sluice.testing.ClusterTestSupport.put;
import static io.sluice.testing.ClusterTestSupport.step;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.StreamsGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower killed and wiped while the cluster keeps writing comes back with an empty disk and catches up. The
 * leaders have snapshotted and purged their logs meanwhile, so the replica is told to install snapshots and copies
 * them and the shard records from a peer's internal listener; it then holds every record, read back from it as
 * leader.
 */
class WipedFollowerTest {
    /** Snapshots every 16 entries and purges the log right after, so that a wiped replica cannot replay it. */
    private static final Map<String, String> SHORT_LOG = Map.of(
            "groups.per.broker", "1",
            "raft.snapshot.threshold.entries", "16",
            "raft.log.segment.max.bytes", String.valueOf(8 << 10),
            "raft.log.purge.gap", "1");

    @TempDir
    Path dir;

    @Test
    void wipedFollower_catchesUpThroughTheInternalListener_withEveryRecord() throws Exception {
        begin("wiped follower");
        try (SluiceCluster c = SluiceCluster.start(dir, 3, Clock.systemUTC(), SHORT_LOG)) {
            c.awaitReady();
            step("ready");
            createStream(c, "s", 1);
            String group = c.groupOf("s", SHARD0);
            int leader = c.awaitLeaderOf("s", SHARD0);
            int follower = c.membersOf(group).stream().filter(m -> m != leader).findFirst().orElseThrow();
            List<String> expected = new ArrayList<>(put(c, leader, "s", "before", 10));

            c.kill(follower);
            c.wipe(follower);
            assertThat(Files.exists(c.dataDir(follower))).isFalse();
            expected.addAll(put(c, leader, "s", "while-down", 60));
            // Entries for the metadata group's log to be purged as well. A group whose leader still holds every entry
            // does not bring a wiped follower back: Ratis keeps its index of what the follower acknowledged before
            // the wipe and will not resend below it (LogAppenderBase.getNextIndexForInconsistency, Ratis 3.3.0).
            List<ListenableFuture<CreateStreamResponse>> creates = new ArrayList<>();
            StreamsGrpc.StreamsFutureStub async = StreamsGrpc.newFutureStub(c.channel(leader))
                    .withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < 80; i++) {
                creates.add(async.createStream(CreateStreamRequest.newBuilder()
                        .setStreamName(("more-" + i + "-" + "n".repeat(128)).substring(0, 128))
                        .setShardCount(1).build()));
            }
            for (ListenableFuture<CreateStreamResponse> f : creates) {
                f.get(60, TimeUnit.SECONDS);
            }
            step("follower " + follower + " killed and wiped; 60 batches put and 80 streams created meanwhile");

            long fetchedBefore = internalBytesFrom(c, follower);
            c.restart(follower);
            c.awaitCaughtUp(follower);
            step("restarted follower caught up");
            assertThat(internalBytesFrom(c, follower)).as("bytes the wiped broker sent to its peers' internal "
                    + "listeners (snapshot install)").isGreaterThan(fetchedBefore);

            expected.addAll(put(c, leader, "s", "after", 5));
            ClusterTestSupport.electLeader(c, "s", SHARD0, follower);
            step("the wiped broker leads");
            assertThat(ClusterTestSupport.payloads(c.readShard(follower, "s", SHARD0)))
                    .containsExactlyElementsOf(expected);
            c.healAll();
            step("read back from it");
        }
    }

    private static long internalBytesFrom(SluiceCluster c, int from) {
        long sum = 0;
        for (int to = 0; to < c.size(); to++) {
            if (to != from) {
                sum += c.internalBytesSent(from, to);
            }
        }
        return sum;
    }
}
