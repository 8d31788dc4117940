package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.SHARD0;
import static io.sluice.testing.ClusterTestSupport.begin;
import static io.sluice.testing.ClusterTestSupport.step;
import static io.sluice.testing.ClusterTestSupport.createStream;
import static io.sluice.testing.ClusterTestSupport.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GroupInfo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A link cut one way has effect in that direction only: a follower whose inbound appends from the leader are cut
 * falls behind while the two others keep committing, and catches up when the link heals; cutting the same follower's
 * requests to the leader instead leaves it in step. A delay on the leader's links delays acknowledgements, and a leader
 * killed while its appends are held on a cut link stops at once.
 */
class OneWayCutTest {
    @TempDir
    Path dir;

    @Test
    void followerWhoseAppendsAreCut_fallsBehind_andCatchesUpAfterHeal_whileTheOtherDirectionDoesNotMatter()
            throws Exception {
        begin("one-way cut");
        try (SluiceCluster c = SluiceCluster.start(dir, 3, Clock.systemUTC(), Map.of("groups.per.broker", "1"))) {
            step("started");
            c.awaitReady();
            step("ready");
            createStream(c, "s", 1);
            String group = c.groupOf("s", SHARD0);
            int leader = c.awaitLeaderOf("s", SHARD0);
            int follower = c.membersOf(group).stream().filter(m -> m != leader).findFirst().orElseThrow();
            put(c, leader, "s", "before", 5);
            c.awaitCaughtUp(follower);

            step("follower " + follower + " caught up; cutting " + leader + " -> " + follower);
            c.cut(leader, follower);
            // Acknowledged puts prove that the group committed entries after the cut, with the third broker.
            List<String> during = put(c, leader, "s", "during", 20);
            assertThat(during).hasSize(20 * ClusterTestSupport.BATCH);
            long committed = groupOf(c.describe(leader), group).getCommitIndex();
            long applied = groupOf(c.describe(follower), group).getAppliedIndex();
            assertThat(applied).as("applied index of the follower cut off from the leader's appends")
                    .isLessThan(committed);

            step("follower applied " + applied + " < committed " + committed + "; healing");
            c.heal(leader, follower);
            c.awaitCaughtUp(follower);
            step("caught up after heal");

            // The other direction: the follower's own requests to the leader are cut, the leader's appends are not.
            c.cut(follower, leader);
            put(c, leader, "s", "reverse", 10);
            c.awaitCaughtUp(follower);
            step("caught up with its requests to the leader cut");
            c.healAll();

            // A delay on the leader's links to both followers: a commit needs one of them, so no put is acknowledged
            // sooner than the delay.
            int current = c.awaitLeaderOf("s", SHARD0);
            for (int m : c.membersOf(group)) {
                if (m != current) {
                    c.delay(current, m, Duration.ofMillis(300));
                }
            }
            long t0 = System.nanoTime();
            put(c, current, "s", "delayed", 1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            step("a put over delayed links took " + (System.nanoTime() - t0) / 1_000_000 + " ms");

            // Killing a leader whose appends are held on a cut link: the kill drops them, and the others take over.
            c.healAll();
            c.cut(current, follower);
            put(c, current, "s", "held", 1);
            c.kill(current);
            int next = c.awaitLeaderOf("s", SHARD0);
            assertThat(next).isNotEqualTo(current);
            step("killed leader " + current + " with a cut link; " + next + " leads");
            c.healAll();

            assertThat(ClusterTestSupport.payloads(c.readShard(next, "s", SHARD0)))
                    .hasSize(37 * ClusterTestSupport.BATCH).doesNotHaveDuplicates();
            step("read back; closing");
        }
    }

    static GroupInfo groupOf(DescribeClusterResponse r, String group) {
        return r.getGroupsList().stream().filter(g -> g.getGroupName().equals(group)).findFirst().orElseThrow();
    }
}
