package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * What an application that depends on the SDK gets on its classpath: the public API's generated classes, and none of
 * the broker-internal formats or services (Raft entries, snapshots, replica sync).
 */
class ClientClasspathTest {
    @Test
    void internalProtos_areNotOnAClientsClasspath() {
        assertThatThrownBy(() -> Class.forName("io.sluice.proto.internal.v1.ReplicaSyncGrpc"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("io.sluice.proto.internal.v1.MetadataState"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(getClass().getClassLoader().getResource("sluice/internal/v1/sync.proto")).isNull();
    }

    @Test
    void publicApi_isOnAClientsClasspath() throws Exception {
        assertThat(Class.forName("io.sluice.proto.v1.StreamsGrpc")).isNotNull();
    }
}
