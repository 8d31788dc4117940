package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReporterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void theResultLeavesOutTheWarmupAndCountsTheDrain() {
        LoadStats stats = new LoadStats();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Reporter r = new Reporter(stats, new PrintStream(bytes, true, StandardCharsets.UTF_8), null, () -> 0,
                () -> 0, true, 0);

        stats.recordAcked(1000, 1_000_000);
        stats.recordLatency(500_000_000, 1000); // 500 ms during the warm-up
        r.tick(5 * S, Reporter.Phase.WARMUP);
        r.startMeasuring(5 * S);

        stats.recordAcked(4000, 4_000_000);
        stats.recordLatency(2_000_000, 4000); // 2 ms while measuring
        stats.recordFailed("THROTTLED", 10, "slow down");
        r.tick(10 * S, Reporter.Phase.MEASURE);
        stats.recordAcked(1000, 1_000_000);
        stats.recordLatency(4_000_000, 1000);
        r.tick(15 * S, Reporter.Phase.DRAIN);

        Reporter.Result result = r.finish();
        assertThat(result.seconds()).isEqualTo(10.0);
        assertThat(result.counts().ackedRecords()).isEqualTo(5000);
        assertThat(result.counts().failedRecords()).isEqualTo(10);
        assertThat(result.recordsPerSecond()).isEqualTo(500.0);
        assertThat(result.megabytesPerSecond()).isEqualTo(0.5);
        assertThat(result.latencyMicros().getTotalCount()).isEqualTo(5000);
        assertThat(result.percentileMs(50)).isBetween(1.99, 2.01);
        assertThat(result.maxMs()).isBetween(3.99, 4.01);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text.lines().filter(l -> l.contains("warmup")).findFirst().orElseThrow())
                .contains("200", "500.");
        assertThat(text.lines().filter(l -> l.contains("measure")).findFirst().orElseThrow()).contains("800", "10");
    }

    @Test
    void withoutWarmupTheWindowStartsAtTheStart() {
        LoadStats stats = new LoadStats();
        Reporter r = new Reporter(stats, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                null, () -> 0, () -> 0, false, 0);
        r.startMeasuring(0);
        stats.recordAcked(10, 10_000);
        r.tick(2 * S, Reporter.Phase.MEASURE);
        assertThat(r.finish().recordsPerSecond()).isEqualTo(5.0);
    }
}
