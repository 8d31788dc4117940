package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job, {@code deploy/run-local.sh}, run as a user runs it (a broker and a Firehose as real
 * processes, on free loopback ports, with the data directory in a temporary folder): the first run stays up until
 * SIGINT (Ctrl-C) and then stops both processes; the second, bounded run reuses the data and must see every event
 * of its run delivered as Parquet exactly once. Needs the packaged broker, Firehose and examples (the demo the job
 * runs); the reactor builds them before this module's tests.
 */
class MainJobTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path data;

    @Test
    void mainJob_deliversTheDemoAsParquet_stopsCleanlyOnCtrlC_andReusesItsDataWhenRunAgain() throws Exception {
        int port = freePortPair(100);
        int firehosePort = freePortPair(1);

        Path firstLog = data.resolve("first-run.out");
        Process first = start(port, firehosePort, firstLog, false, 120);
        Process second = null;
        try {
            awaitOutput(first, firstLog, "press Ctrl-C", 240);
            String interactive = Files.readString(firstLog);
            assertThat(interactive).contains("created stream demo-events")
                    .contains("created delivery stream demo-to-parquet")
                    .contains("120 of 120 events delivered").contains("0 duplicated").contains(".parquet");
            new ProcessBuilder("kill", "-INT", Long.toString(first.pid())).start().waitFor();
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s of Ctrl-C").isTrue();
            String stopped = Files.readString(firstLog);
            assertThat(stopped).contains("firehose stopped").contains("broker stopped");
            assertThat(portFree(port) && portFree(port + 100) && portFree(firehosePort) && portFree(firehosePort + 1))
                    .as("the broker and Firehose processes are gone").isTrue();
            assertThat(parquetObjects()).isNotEmpty();

            Path secondLog = data.resolve("second-run.out");
            second = start(port, firehosePort, secondLog, true, 50);
            assertThat(second.waitFor(300, TimeUnit.SECONDS)).as("the bounded run ends on its own").isTrue();
            String bounded = Files.readString(secondLog);
            assertThat(second.exitValue()).as(bounded).isZero();
            assertThat(bounded).contains("stream demo-events exists; reusing it")
                    .contains("delivery stream demo-to-parquet exists; reusing it")
                    .contains("50 of 50 events delivered").contains("0 duplicated")
                    .containsPattern("holds \\d+ Parquet objects with 170 rows in all");
        } finally {
            kill(first);
            kill(second);
        }
    }

    /** Leaves no broker or Firehose behind when an assertion failed half-way. */
    private static void kill(Process p) {
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process start(int port, int firehosePort, Path log, boolean bounded, int events) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("deploy/run-local.sh").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SLUICE_DATA_DIR", data.resolve("data").toString());
        pb.environment().put("SLUICE_PORT", Integer.toString(port));
        pb.environment().put("SLUICE_FIREHOSE_PORT", Integer.toString(firehosePort));
        pb.environment().put("DEMO_EVENTS", Integer.toString(events));
        pb.environment().put("CI", "false");
        pb.environment().put("DEMO_EXIT", bounded ? "1" : "0");
        return pb.start();
    }

    /** Waits until {@code log} shows {@code text}; fails at once, with the log, if the script exits before that. */
    private static void awaitOutput(Process p, Path log, String text, int seconds) {
        await("'" + text + "' from run-local.sh").atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(200))
                .failFast("run-local.sh exited before printing '" + text + "'", () -> assertThat(p.isAlive())
                        .as(() -> "exited with " + p.exitValue() + ":\n" + read(log)).isTrue())
                .untilAsserted(() -> assertThat(read(log)).contains(text));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> parquetObjects() throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("data/delivered"))) {
            return files.filter(f -> f.toString().endsWith(".parquet")).toList();
        }
    }

    /** A free port p whose p + offset is free too. */
    private static int freePortPair(int offset) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (portFree(p) && portFree(p + offset)) {
                return p;
            }
        }
        throw new IOException("no free port pair found");
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
