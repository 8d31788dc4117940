package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void defaults_areMaxRateOnTheEmbeddedBroker() {
        WorkloadOptions o = WorkloadOptions.parse();
        assertThat(o.targets()).containsExactly("127.0.0.1:7700");
        assertThat(o.rate().isMax()).isTrue();
        assertThat(o.recordsPerSecond()).isZero();
        assertThat(o.recordSizeBytes()).isEqualTo(1024);
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.routing()).isEqualTo(WorkloadOptions.Routing.LEADER);
    }

    @Test
    void flags_takeEitherFormAndDurationsTheirUnits() {
        WorkloadOptions o = WorkloadOptions.parse("--targets=127.0.0.1:7701, 127.0.0.1:7702", "--duration", "2m",
                "--warmup=500ms", "--linger-ms=0", "--routing=any");
        assertThat(o.targets()).containsExactly("127.0.0.1:7701", "127.0.0.1:7702");
        assertThat(o.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(o.warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.linger()).isZero();
        assertThat(o.routing()).isEqualTo(WorkloadOptions.Routing.ANY);
    }

    @Test
    void rate_inMegabytesIsTenToTheSixBytesOfRecordData() {
        assertThat(WorkloadOptions.parse("--rate=20MB/s").recordsPerSecond()).isEqualTo(20e6 / 1024);
        assertThat(WorkloadOptions.parse("--rate=20MiB/s").recordsPerSecond()).isEqualTo(20480);
        assertThat(WorkloadOptions.parse("--rate=20000").recordsPerSecond()).isEqualTo(20000);
        assertThat(WorkloadOptions.parse("--rate=5000/s", "--record-size=100").recordsPerSecond()).isEqualTo(5000);
        assertThat(Rate.parse("0").isMax()).isTrue();
        assertThat(Rate.parse("MAX").isMax()).isTrue();
    }

    @Test
    void errors_nameTheFlagAndWhatWasGiven() {
        assertThatThrownBy(() -> WorkloadOptions.parse("--rate=fast")).hasMessageStartingWith("--rate:")
                .hasMessageContaining("'fast'");
        assertThatThrownBy(() -> WorkloadOptions.parse("--batch-records=501")).hasMessageStartingWith(
                "--batch-records: must be an integer in 1..500, got '501'");
        assertThatThrownBy(() -> WorkloadOptions.parse("--targets=localhost")).hasMessageStartingWith("--targets:");
        assertThatThrownBy(() -> WorkloadOptions.parse("--duration=soon")).hasMessageStartingWith("--duration:");
        assertThatThrownBy(() -> WorkloadOptions.parse("--stream=bad name")).hasMessageContaining("--stream");
        assertThatThrownBy(() -> WorkloadOptions.parse("--shards=8")).hasMessageContaining("unknown flag --shards");
        assertThatThrownBy(() -> WorkloadOptions.parse("--record-size=4096", "--batch-bytes=4000"))
                .hasMessageStartingWith("--batch-bytes: must be at least one record");
    }
}
