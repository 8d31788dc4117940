package io.sluice.client.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerConfigTest {
    private static Map<ConsumerSetting<?>, Object> required() {
        Map<ConsumerSetting<?>, Object> m = new HashMap<>();
        m.put(ConsumerConfig.ENDPOINTS, List.of("127.0.0.1:7700"));
        m.put(ConsumerConfig.APPLICATION, "app");
        m.put(ConsumerConfig.STREAM_NAME, "orders");
        return m;
    }

    @Test
    void defaults_includingTheDerivedOnes() {
        ConsumerConfig c = ConsumerConfig.of(required(), Clock.systemUTC());
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.renewInterval()).as("a third of the lease").isEqualTo(Duration.ofMillis(3_333));
        assertThat(c.initialPosition()).isEqualTo(StartPosition.latest());
        assertThat(c.delivery()).isEqualTo(Delivery.PUSH);
        assertThat(c.processorThreads()).isGreaterThanOrEqualTo(2);
        assertThat(c.workerId()).matches("[a-zA-Z0-9_.:-]{1,128}");
        assertThat(ConsumerConfig.of(required(), Clock.systemUTC()).workerId()).as("new for every worker")
                .isNotEqualTo(c.workerId());
        Map<ConsumerSetting<?>, Object> m = required();
        m.put(ConsumerConfig.LEASE_DURATION, Duration.ofSeconds(3));
        assertThat(ConsumerConfig.of(m, Clock.systemUTC()).renewInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void errorsNameTheKeyAndWhatItAccepts() {
        Map<ConsumerSetting<?>, Object> m = required();
        m.remove(ConsumerConfig.APPLICATION);
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC())).hasMessageStartingWith("application: ");
        m.put(ConsumerConfig.APPLICATION, "a b");
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC()))
                .hasMessage("application: must be 1..128 characters of [a-zA-Z0-9_.:-], got 'a b'");
        m.put(ConsumerConfig.APPLICATION, "app");
        m.put(ConsumerConfig.LEASE_DURATION, Duration.ofMillis(500));
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC()))
                .hasMessage("lease.duration.ms: must be 1000..600000 ms, got 500 ms");
        m.put(ConsumerConfig.LEASE_DURATION, Duration.ofSeconds(3));
        m.put(ConsumerConfig.RENEW_INTERVAL, Duration.ofSeconds(3));
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC()))
                .hasMessage("renew.interval.ms: must be shorter than lease.duration.ms (3000 ms), got 3000 ms");
        m.put(ConsumerConfig.RENEW_INTERVAL, Duration.ofSeconds(1));
        m.put(ConsumerConfig.INITIAL_POSITION, StartPosition.afterSequenceNumber("1"));
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC())).hasMessageStartingWith("initial.position: ");
        m.put(ConsumerConfig.INITIAL_POSITION, StartPosition.trimHorizon());
        m.put(ConsumerConfig.ENDPOINTS, List.of("no-port"));
        assertThatThrownBy(() -> ConsumerConfig.of(m, Clock.systemUTC())).hasMessageStartingWith("endpoints: ");
    }

    @Test
    void textSettings_areParsedByKey() {
        Map<ConsumerSetting<?>, Object> m = required();
        m.putAll(ConsumerConfig.parse(Map.of("initial.position", "AT_TIMESTAMP:1000", "delivery", "polling",
                "lease.duration.ms", "4000", "prefetch.max.bytes", "1024")));
        ConsumerConfig c = ConsumerConfig.of(m, Clock.systemUTC());
        assertThat(c.initialPosition()).isEqualTo(StartPosition.atTimestamp(Instant.ofEpochMilli(1000)));
        assertThat(c.delivery()).isEqualTo(Delivery.POLLING);
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.maxPrefetchBytes()).isEqualTo(1024);
        assertThatThrownBy(() -> ConsumerConfig.parse(Map.of("lease.duration", "4000")))
                .hasMessageStartingWith("lease.duration: unknown consumer setting");
        assertThatThrownBy(() -> ConsumerConfig.parse(Map.of("poll.limit", "lots")))
                .hasMessageStartingWith("poll.limit: must be an integer");
    }

    @Test
    void theBuilderNeedsAProcessorFactory() {
        assertThatThrownBy(() -> SluiceConsumer.builder().endpoints("127.0.0.1:1").application("a").stream("s")
                .build()).hasMessage("processorFactory: must be set");
    }

    @Test
    void docsListEverySetting() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "consumer.md"));
        assertThat(doc).as("docs/consumer.md must contain ConsumerConfig.referenceMarkdown()")
                .contains(ConsumerConfig.referenceMarkdown());
    }
}
