package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.SluiceCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole tool against one real broker in this JVM: set-up, leader routing, counting, exit status. */
class LoadToolAgainstBrokerTest {
    @TempDir
    static Path dir;
    private static SluiceCluster cluster;
    private static String address;

    @BeforeAll
    static void startBroker() throws IOException {
        cluster = SluiceCluster.start(dir.resolve("broker"), 1, Clock.systemUTC(), Map.of(
                "groups.per.broker", "2",
                "raft.election.timeout.min.ms", "500",
                "raft.election.timeout.max.ms", "1000"));
        cluster.awaitReady();
        address = cluster.clientEndpoint(0);
    }

    @AfterAll
    static void stopBroker() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Outcome(int status, String out, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void fixedRateRun_createsTheStreamRoutesToTheLeaderAndCountsEveryRecord() {
        Outcome o = run("--targets=" + address, "--stream=bench-fixed", "--create-shards=4", "--rate=2000",
                "--warmup=1s", "--duration=2s", "--report-interval=1s", "--connect-timeout=30s");
        assertThat(o.status()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).contains("created stream bench-fixed with 4 shards")
                .contains("group-0    leader " + address)
                .contains("records failed  0 (0 whole calls failed)")
                .contains("from intended send time")
                .containsPattern("RESULT records_per_s=\\d+ .* acked=[1-9]\\d* failed=0");
    }

    @Test
    void maxRateRun_onAnExistingStreamWithForwardingRouting() {
        run("--targets=" + address, "--stream=bench-max", "--create-shards=2", "--rate=100", "--warmup=0s",
                "--duration=1s");
        Outcome o = run("--targets=" + address, "--stream=bench-max", "--routing=any", "--warmup=0s",
                "--duration=1s", "--max-in-flight=4", "--batch-records=50");
        assertThat(o.status()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).doesNotContain("created stream").contains("from call start")
                .containsPattern("acked=[1-9]\\d* failed=0");
    }

    @Test
    void aMissingStreamIsASetupErrorThatSaysWhatToDo() {
        Outcome o = run("--targets=" + address, "--stream=absent", "--duration=1s");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).contains("stream absent does not exist").contains("--create-shards=N");
    }

    @Test
    void badFlagsAreAUsageError() {
        Outcome o = run("--producers=0");
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).contains("--producers: must be an integer in 1..256, got '0'");
    }
}
