package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.SHARD0;
import static io.sluice.testing.ClusterTestSupport.createStream;
import static io.sluice.testing.ClusterTestSupport.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.proto.v1.DescribeClusterRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-broker clusters: two at once in the JVM get distinct peer ids (Ratis's hooks are process-wide), both serve
 * through their front doors, and the clients learn the front doors from DescribeCluster.
 */
class SingleBrokerTest {
    @TempDir
    Path dir;

    @Test
    void twoSingleBrokerClusters_serveSideBySide_withDistinctPeerIds() throws Exception {
        try (SluiceCluster a = SluiceCluster.start(dir.resolve("a"), 1);
             SluiceCluster b = SluiceCluster.start(dir.resolve("b"), 1)) {
            assertThat(a.nodeId(0)).isEqualTo("n1");
            assertThat(b.nodeId(0)).isNotEqualTo("n1").endsWith("-n1");
            for (SluiceCluster c : List.of(a, b)) {
                c.awaitReady();
                createStream(c, "s", 1);
                List<String> payloads = put(c, 0, "s", c.nodeId(0), 2);
                assertThat(c.awaitLeaderOf("s", SHARD0)).isZero();
                assertThat(ClusterTestSupport.payloads(c.readShard(0, "s", SHARD0))).isEqualTo(payloads);
                assertThat(c.clusterStub(0).describeCluster(DescribeClusterRequest.getDefaultInstance())
                        .getBrokers(0).getClientAddress()).isEqualTo(c.clientEndpoint(0));
            }
        }
    }

    @Test
    void perBrokerSettingsCannotBeOverridden() {
        assertThatThrownBy(() -> SluiceCluster.start(dir, 1, Clock.systemUTC(), Map.of("peers", "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peers");
    }
}
