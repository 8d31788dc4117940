package io.sluice.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every launcher in {@code deploy/} (the distribution's {@code bin/}) answers {@code --help} with a usage text on
 * stdout and exit status 0, without starting anything: run as a user runs it, {@code bash deploy/NAME --help}, with
 * the jars the reactor packaged before this module (broker, Firehose, CLI, examples), on the JDK running the test.
 */
class LaunchersAnswerHelpTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sluice-broker.sh", "sluice-firehose.sh", "sluice.sh", "run-local.sh", "local-cluster.sh"})
    void answersHelpWithUsageAndExitZero(String launcher) throws Exception {
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("deploy").resolve(launcher).toString(), "--help")
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Somewhere harmless should a launcher ignore --help and start something after all.
        pb.environment().put("SLUICE_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("SLUICE_RUN_DIR", dir.resolve("run").toString());
        Process p = pb.start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s --help returns within 60 s", launcher).isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String stdout = read(out);
        String stderr = read(err);
        assertThat(p.exitValue()).as("%s --help exit status; stdout:%n%s%nstderr:%n%s", launcher, stdout, stderr)
                .isZero();
        assertThat(stdout).as("%s --help prints a usage line on stdout; stderr:%n%s", launcher, stderr)
                .containsPattern("(?im)^usage: \\S+");
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
