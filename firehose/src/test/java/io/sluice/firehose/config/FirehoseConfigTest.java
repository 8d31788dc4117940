package io.sluice.firehose.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.HostPort;
import io.sluice.common.config.LauncherArgs;
import io.sluice.common.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirehoseConfigTest {
    @TempDir
    Path dir;

    @Test
    void fileThenEnvironmentThenFlags_inIncreasingPrecedence() throws Exception {
        Path file = dir.resolve("firehose.properties");
        Files.writeString(file, "client.address=127.0.0.1:7950\ninstance.id=from-file\ns3a.region=eu-west-1\n");
        FirehoseConfig c = FirehoseConfig.load(file, Map.of("SLUICE_FIREHOSE_INSTANCE_ID", "from-env"),
                Map.of("s3a.region", "us-east-1"));
        assertThat(c.clientAddress()).isEqualTo(new HostPort("127.0.0.1", 7950));
        assertThat(c.instanceId()).isEqualTo("from-env");
        assertThat(c.hadoopProperties()).containsEntry("fs.s3a.endpoint.region", "us-east-1")
                .doesNotContainKey("fs.s3a.access.key");
    }

    @Test
    void s3aSettings_becomeHadoopProperties() {
        FirehoseConfig c = FirehoseConfig.of(Map.of("s3a.endpoint", "http://127.0.0.1:9000",
                "s3a.path.style.access", "true", "s3a.access.key", "ak", "s3a.secret.key", "sk"));
        assertThat(c.hadoopProperties()).containsEntry("fs.s3a.endpoint", "http://127.0.0.1:9000")
                .containsEntry("fs.s3a.path.style.access", "true")
                .containsEntry("fs.s3a.aws.credentials.provider",
                        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
                .containsEntry("fs.s3a.access.key", "ak").containsEntry("fs.s3a.secret.key", "sk");
        assertThat(c.retryPolicy().backoffBefore(3)).isEqualTo(Duration.ofMillis(400));
    }

    @Test
    void badValues_failWithTheKey() {
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("delivery.retry.max.attempts", "0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key())
                        .isEqualTo("delivery.retry.max.attempts"))
                .hasMessage("config delivery.retry.max.attempts: must be 1..100, got '0'");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("client.address", "nope")))
                .hasMessageStartingWith("config client.address: must be host:port");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("s3a.endpoint", "ftp://x")))
                .hasMessageStartingWith("config s3a.endpoint:");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("s3a.path.style.access", "yes")))
                .hasMessageStartingWith("config s3a.path.style.access: must be true|false");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("no.such.key", "1")))
                .hasMessage("config no.such.key: unknown setting (see docs/firehose.md or sluice-firehose --help for "
                        + "the list)");
    }

    @Test
    void bufferMemory_isBytesOrAShareOfTheMaximumHeap() {
        assertThat(FirehoseConfig.of(Map.of()).get(FirehoseConfig.BUFFER_MEMORY_BYTES))
                .isEqualTo(Runtime.getRuntime().maxMemory() / 100 * 25);
        assertThat(FirehoseConfig.of(Map.of("delivery.buffer.memory.bytes", "10%"))
                .get(FirehoseConfig.BUFFER_MEMORY_BYTES)).isEqualTo(Runtime.getRuntime().maxMemory() / 100 * 10);
        assertThat(FirehoseConfig.of(Map.of("delivery.buffer.memory.bytes", "268435456"))
                .get(FirehoseConfig.BUFFER_MEMORY_BYTES)).isEqualTo(256L << 20);
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("delivery.buffer.memory.bytes", "95%")))
                .hasMessageStartingWith("config delivery.buffer.memory.bytes: must be bytes, or N% of the maximum heap");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("delivery.buffer.memory.bytes", "1000")))
                .hasMessage("config delivery.buffer.memory.bytes: must be 1048576 or more bytes, or 1%..90%, "
                        + "got '1000'");
    }

    @Test
    void crossFieldRules_nameTheKey() {
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("s3a.access.key", "ak")))
                .hasMessage("config s3a.secret.key: must be set together with s3a.access.key");
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("delivery.retry.backoff.ms", "500",
                "delivery.retry.backoff.max.ms", "100")))
                .hasMessage("config delivery.retry.backoff.max.ms: must be at least delivery.retry.backoff.ms (500)");
    }

    @Test
    void docsTable_isTheGeneratedReference() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "firehose.md"));
        assertThat(docs).contains(FirehoseConfig.referenceMarkdown());
    }

    @Test
    void secrets_areNeverEchoed() {
        assertThatThrownBy(() -> FirehoseConfig.of(Map.of("s3a.access.key", "ak")))
                .hasMessageNotContaining("ak ");
        assertThat(FirehoseConfig.referenceMarkdown()).contains("| `s3a.secret.key` | `SLUICE_FIREHOSE_S3A_SECRET_KEY` |");
    }

    @Test
    void help_printsUsageWithEveryKey_andRunsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertThat(LauncherArgs.loadOrPrint(FirehoseConfig.TABLE, new String[] {"--help"}, Map.of(), out)).isNull();
        String usage = bytes.toString(StandardCharsets.UTF_8);
        assertThat(usage).startsWith("usage: sluice-firehose [--config FILE] [--KEY=VALUE ...]")
                .contains("docs/firehose.md");
        for (Setting<?> s : FirehoseConfig.SETTINGS) {
            assertThat(usage).contains("--" + s.key() + "=").contains(FirehoseConfig.TABLE.envName(s));
        }
    }

    @Test
    void launcherArguments_areLoadedFromTheTable() {
        FirehoseConfig c = FirehoseConfig.of(LauncherArgs.loadOrPrint(FirehoseConfig.TABLE,
                new String[] {"--instance.id=from-flag", "--client.address=127.0.0.1:0"},
                Map.of("SLUICE_FIREHOSE_INSTANCE_ID", "from-env"), System.out));
        assertThat(c.instanceId()).isEqualTo("from-flag");
        assertThat(c.clientAddress()).isEqualTo(new HostPort("127.0.0.1", 0));
        assertThatThrownBy(() -> LauncherArgs.loadOrPrint(FirehoseConfig.TABLE, new String[] {"--no.such.key=1"},
                Map.of(), System.out)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sluice-firehose --help");
        assertThatThrownBy(() -> LauncherArgs.loadOrPrint(FirehoseConfig.TABLE, new String[] {"stray"}, Map.of(),
                System.out)).isInstanceOf(ConfigException.class).hasMessageStartingWith("config stray: unknown argument");
    }
}
