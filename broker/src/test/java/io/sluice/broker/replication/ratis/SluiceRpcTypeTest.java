package io.sluice.broker.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.server.ServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceRpcTypeTest {
    @TempDir
    Path dir;

    @Test
    void brokerPropertiesSelectThePatchedTransport_andRatisRebuildsItFromItsName() {
        BrokerConfig config = BrokerConfig.of(Map.of("data.dir", dir.toString()));
        var type = RaftConfigKeys.Rpc.type(BrokerRaft.properties(config), s -> { });
        assertThat(type).isInstanceOf(SluiceRpcType.class);
        assertThat(ServerFactory.cast(type.newFactory(new Parameters()))).isInstanceOf(SluiceRpcType.Factory.class);
    }

    @Test
    void appendsWithoutThePreviousEntryOnlyWhenTheFollowersSnapshotEndsRightBeforeTheLeadersLog() {
        assertThat(SluiceRpcType.followerSnapshotCoversPrevious(9, 8, 9)).isTrue();
        assertThat(SluiceRpcType.followerSnapshotCoversPrevious(9, 7, 9)).as("snapshot ends too early").isFalse();
        assertThat(SluiceRpcType.followerSnapshotCoversPrevious(8, 7, 9)).as("follower needs a purged entry")
                .isFalse();
        assertThat(SluiceRpcType.followerSnapshotCoversPrevious(10, 9, 9)).as("leader has the previous entry")
                .isFalse();
        assertThat(SluiceRpcType.followerSnapshotCoversPrevious(0, -1, 0)).as("empty log").isFalse();
    }
}
