package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.SHARD0;
import static io.sluice.testing.ClusterTestSupport.begin;
import static io.sluice.testing.ClusterTestSupport.createStream;
import static io.sluice.testing.ClusterTestSupport.put;
import static io.sluice.testing.ClusterTestSupport.step;
import static io.sluice.testing.ClusterTestSupport.waitUpTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paused leader answers nobody: another broker takes over its group and commits without it. Resumed, it answers the
 * call it held, rejoins as a follower and catches up with what was committed meanwhile.
 */
class PausedLeaderTest {
    @TempDir
    Path dir;

    @Test
    void pausedLeader_isReplaced_andRejoinsWhenResumed() throws Exception {
        begin("paused leader");
        try (SluiceCluster c = SluiceCluster.start(dir, 3, Clock.systemUTC(), Map.of("groups.per.broker", "1"))) {
            c.awaitReady();
            step("ready");
            createStream(c, "s", 1);
            String group = c.groupOf("s", SHARD0);
            int old = c.awaitLeaderOf("s", SHARD0);
            List<String> expected = new ArrayList<>(put(c, old, "s", "before", 5));

            c.pause(old);
            step("paused leader " + old);
            ListenableFuture<DescribeClusterResponse> held = ClusterGrpc.newFutureStub(c.channel(old))
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
            int fresh = waitUpTo(30).until(() -> c.leaderOf("s", SHARD0), l -> l.isPresent() && l.getAsInt() != old)
                    .getAsInt();
            expected.addAll(put(c, fresh, "s", "while-paused", 10));
            step("broker " + fresh + " leads and committed without it");
            assertThat(held).as("a call to the paused broker, after another broker took over and committed")
                    .isNotDone();

            c.resume(old);
            assertThat(held.get(30, TimeUnit.SECONDS).getNodeId()).isEqualTo(c.nodeId(old));
            c.awaitCaughtUp(old);
            step("resumed broker caught up");
            assertThat(c.leaderOfGroup(group)).isPresent();

            int leader = c.awaitLeaderOf("s", SHARD0);
            assertThat(ClusterTestSupport.payloads(c.readShard(leader, "s", SHARD0)))
                    .containsExactlyElementsOf(expected);
            step("read back from " + leader);
        }
    }
}
