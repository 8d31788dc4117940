package io.sluice.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {
    @TempDir
    Path dir;

    @Test
    void docsConfigurationMd_isTheGeneratedReference() throws Exception {
        Path doc = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/configuration.md");
        assertThat(Files.readString(doc)).as("regenerate with BrokerMain --print-config-reference")
                .contains(BrokerConfig.referenceMarkdown());
    }

    @Test
    void fileThenEnvironmentThenFlags_lastOneWins() throws Exception {
        Path file = dir.resolve("broker.properties");
        Files.writeString(file, "node.id=from-file\ngroups.per.broker=3\nraft.log.purge.gap=7\n");
        BrokerConfig c = BrokerConfig.load(file, Map.of("SLUICE_GROUPS_PER_BROKER", "5"),
                Map.of("raft.log.purge.gap", "9"));
        assertThat(c.nodeId()).isEqualTo("from-file");
        assertThat(c.get(BrokerConfig.GROUPS_PER_BROKER)).isEqualTo(5);
        assertThat(c.get(BrokerConfig.LOG_PURGE_GAP)).isEqualTo(9);
    }

    @Test
    void aPeerListWithoutInternalAddresses_isRefusedWithTheFormatToUse() {
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("peers", "n1@127.0.0.1:1@127.0.0.1:2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("peers")
                .hasMessageContaining("internalHost:port").hasMessageContaining("internal address");
    }

    @Test
    void internalAddress_defaultsToTheBrokersOwnPeerEntry_unlessSet() {
        String peers = "n1@127.0.0.1:1@127.0.0.1:2@127.0.0.1:5,n2@127.0.0.1:3@127.0.0.1:4@127.0.0.1:6";
        BrokerConfig c = BrokerConfig.of(Map.of("node.id", "n2", "peers", peers));
        assertThat(c.internalAddress().port()).isEqualTo(6);
        assertThat(c.with(Map.of()).internalAddress().port()).isEqualTo(6);
        BrokerConfig behindAProxy = BrokerConfig.of(Map.of("node.id", "n2", "peers", peers,
                "internal.address", "0.0.0.0:7999"));
        assertThat(behindAProxy.internalAddress()).hasToString("0.0.0.0:7999");
        assertThat(behindAProxy.with(Map.of()).internalAddress()).hasToString("0.0.0.0:7999");
    }

    @Test
    void badValues_failNamingTheKeyAndTheValidRange() {
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("raft.log.segment.max.bytes", "1024")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("raft.log.segment.max.bytes").hasMessageContaining("8192");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("retention.check.interval.ms", "soon")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("retention.check.interval.ms");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("raft.election.timeout.min.ms", "900",
                "raft.election.timeout.max.ms", "800")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("raft.election.timeout.max.ms");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("no.such.key", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no.such.key");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("node.id", "n4",
                "peers", "n1@127.0.0.1:1@127.0.0.1:2@127.0.0.1:5,n2@127.0.0.1:3@127.0.0.1:4@127.0.0.1:6")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("peers").hasMessageContaining("n4");
    }
}
