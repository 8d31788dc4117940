package io.sluice.broker.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftLayoutTest {
    private static final String PEERS = "n1@127.0.0.1:1@127.0.0.1:2@127.0.0.1:7,"
            + "n2@127.0.0.1:3@127.0.0.1:4@127.0.0.1:8,n3@127.0.0.1:5@127.0.0.1:6@127.0.0.1:9";

    @TempDir
    Path dir;

    private static BrokerConfig threeBrokers(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("node.id", "n1", "peers", PEERS));
        s.putAll(extra);
        return BrokerConfig.of(s);
    }

    @Test
    void groupCount_isBrokersTimesGroupsPerBrokerOverTheReplicationFactor_roundedUp() {
        assertThat(new RaftLayout(threeBrokers(Map.of("groups.per.broker", "1"))).dataGroupCount()).isEqualTo(1);
        assertThat(new RaftLayout(threeBrokers(Map.of("groups.per.broker", "4"))).dataGroupCount()).isEqualTo(4);
        assertThat(new RaftLayout(threeBrokers(Map.of("groups.per.broker", "2", "replication.factor", "2")))
                .dataGroupCount()).isEqualTo(3);
    }

    @Test
    void aRestartWithTheSameLayout_isAccepted_evenWithOtherAddresses() throws Exception {
        new RaftLayout(threeBrokers(Map.of("groups.per.broker", "2"))).pinTo(dir);
        assertThat(dir.resolve(RaftLayout.LAYOUT_FILE)).exists();
        new RaftLayout(threeBrokers(Map.of("groups.per.broker", "2"))).pinTo(dir);
        new RaftLayout(threeBrokers(Map.of("groups.per.broker", "2",
                "peers", PEERS.replace("127.0.0.1:1@", "127.0.0.1:9@")))).pinTo(dir);
    }

    @Test
    void aRestartWithAnotherGroupCount_isRefusedNamingTheSettingAndBothValues() throws Exception {
        new RaftLayout(threeBrokers(Map.of("groups.per.broker", "4"))).pinTo(dir);
        String before = Files.readString(dir.resolve(RaftLayout.LAYOUT_FILE));
        assertThatThrownBy(() -> new RaftLayout(threeBrokers(Map.of("groups.per.broker", "1"))).pinTo(dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("groups.per.broker"))
                .hasMessageContaining("gives 1 data group(s) (groups.per.broker=1 on 3 broker(s))")
                .hasMessageContaining("was created with 4 (groups.per.broker=4)");
        assertThat(Files.readString(dir.resolve(RaftLayout.LAYOUT_FILE))).isEqualTo(before);
    }

    @Test
    void aRestartWithAnotherBrokerListOrReplicationFactorOrClusterId_isRefused() throws Exception {
        new RaftLayout(threeBrokers(Map.of())).pinTo(dir);
        assertThatThrownBy(() -> new RaftLayout(threeBrokers(Map.of("peers", PEERS.replace("n3@", "n4@"))))
                .pinTo(dir)).isInstanceOf(ConfigException.class).hasMessageContaining("peers")
                .hasMessageContaining("n1,n2,n3").hasMessageContaining("n1,n2,n4");
        assertThatThrownBy(() -> new RaftLayout(threeBrokers(Map.of("replication.factor", "2"))).pinTo(dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replication.factor");
        assertThatThrownBy(() -> new RaftLayout(threeBrokers(Map.of("cluster.id", "other"))).pinTo(dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.id");
    }

    @Test
    void aDataDirWithoutTheLayoutFile_butWithRaftGroupsThisLayoutLacks_isRefused() throws Exception {
        RaftLayout four = new RaftLayout(threeBrokers(Map.of("groups.per.broker", "4")));
        for (var g : four.groupsOf("n1")) { // what an earlier version left: one directory per group, no layout file
            Files.createDirectories(BrokerRaft.storageDir(dir).resolve(g.getGroupId().getUuid().toString()));
        }
        assertThatThrownBy(() -> new RaftLayout(threeBrokers(Map.of("groups.per.broker", "1"))).pinTo(dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("groups.per.broker")
                .hasMessageContaining("holds Raft groups this layout does not have")
                .hasMessageContaining(four.dataGroups().get(3).getGroupId().getUuid().toString());
        assertThat(dir.resolve(RaftLayout.LAYOUT_FILE)).doesNotExist();
        four.pinTo(dir);
        assertThat(dir.resolve(RaftLayout.LAYOUT_FILE)).exists();
    }

    @Test
    void aBrokerRestartedOnItsDataDirWithAnotherGroupCount_doesNotStart() throws Exception {
        Map<String, String> s = new HashMap<>(Map.of("data.dir", dir.toString(), "client.address", "127.0.0.1:0",
                "raft.address", "127.0.0.1:0", "groups.per.broker", "2"));
        Broker.start(BrokerConfig.of(s)).close();
        s.put("groups.per.broker", "1");
        assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("groups.per.broker");
    }
}
