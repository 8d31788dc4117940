package io.sluice.firehose.config;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigValues;
import io.sluice.common.config.HostPort;
import io.sluice.common.config.Setting;
import io.sluice.common.config.SettingsTable;
import io.sluice.firehose.delivery.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Firehose process's configuration, parsed once from a properties file, environment variables
 * ({@code SLUICE_FIREHOSE_CLIENT_ADDRESS} for {@code client.address}) and command-line overrides
 * ({@code --client.address=127.0.0.1:7901}), in increasing precedence, and validated as a whole before the process
 * starts; errors name the key. Immutable. Delivery-stream definitions are not here: they are cluster metadata.
 * Declared in one {@link SettingsTable} ({@link #TABLE}) of the common configuration mechanism, which also
 * generates {@code --help} and the reference in docs/firehose.md.
 */
public final class FirehoseConfig {
    public static final Setting<String> INSTANCE_ID = Setting.ofString("instance.id", "firehose-1",
            s -> s.matches("[a-zA-Z0-9_.:-]{1,128}"), "[a-zA-Z0-9_.:-]{1,128}",
            "This instance's id: its worker id in consumer leases, and in logs; unique among Firehose instances.");
    public static final Setting<HostPort> CLIENT_ADDRESS = Setting.ofAddress("client.address", "127.0.0.1:7900",
            "host:port, port 0 picks a free one", "Where Firehose serves the sluice.v1.Firehose gRPC API.");
    public static final Setting<HostPort> METRICS_ADDRESS = Setting.ofAddress("metrics.address", "127.0.0.1:7901",
            "host:port, port 0 picks a free one",
            "Where Prometheus metrics (/metrics) and the health check (/health) are served over HTTP.");
    public static final Setting<List<HostPort>> CLUSTER_ENDPOINTS = Setting.of("cluster.endpoints",
            "a comma-separated list of host:port", "127.0.0.1:7700", FirehoseConfig::parseEndpoints,
            l -> !l.isEmpty() && l.stream().allMatch(h -> h.port() > 0), "one or more host:port with fixed ports",
            "Brokers of the Sluice cluster to bootstrap from (any will do).");
    public static final Setting<String> S3A_ENDPOINT = Setting.ofString("s3a.endpoint", "",
            s -> s.isEmpty() || s.matches("https?://[^/\\s]+/?"), "empty (AWS) or http(s)://host[:port]",
            "S3 endpoint of an S3-compatible store (fs.s3a.endpoint); empty for AWS S3.");
    public static final Setting<Boolean> S3A_PATH_STYLE_ACCESS = Setting.ofBoolean("s3a.path.style.access", false,
            "Address buckets as endpoint/bucket rather than bucket.endpoint; most self-hosted stores need it.");
    public static final Setting<String> S3A_REGION = Setting.ofString("s3a.region", "",
            s -> s.isEmpty() || s.matches("[a-z0-9-]{1,64}"), "empty or a region name such as us-east-1",
            "Region to sign requests for (fs.s3a.endpoint.region); any name for most self-hosted stores.");
    public static final Setting<String> S3A_ACCESS_KEY = Setting.ofSecret("s3a.access.key",
            "Access key id; with s3a.secret.key. Empty for Hadoop's default credential providers.");
    public static final Setting<String> S3A_SECRET_KEY = Setting.ofSecret("s3a.secret.key",
            "Secret access key; with s3a.access.key. Prefer the environment variable to the file.");
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = Setting.ofInt("delivery.retry.max.attempts", 6, 1, 100,
            "Attempts of one write to the destination before the shard's delivery restarts from its checkpoint.");
    public static final Setting<Long> RETRY_BACKOFF_MS = Setting.ofLong("delivery.retry.backoff.ms", 200, 0,
            600_000, "Wait after a failed write to the destination, ms; doubles per attempt.");
    public static final Setting<Long> RETRY_BACKOFF_MAX_MS = Setting.ofLong("delivery.retry.backoff.max.ms", 10_000,
            0, 3_600_000, "Longest wait between attempts of one write, ms; >= delivery.retry.backoff.ms.");
    public static final Setting<Long> BUFFER_MEMORY_BYTES = Setting.of("delivery.buffer.memory.bytes",
            "bytes, or N% of the maximum heap", "25%", FirehoseConfig::parseMemory, v -> v >= 1 << 20,
            "1048576 or more bytes, or 1%..90%", "Bound on the record data buffered by all shards of all delivery "
            + "streams of this process; past it the largest batch is delivered before its buffering hints.");

    public static final Setting<Long> LEASE_DURATION_MS = Setting.ofLong("lease.duration.ms", 10_000, 1_000,
            600_000, "How long this instance's shard leases last without renewal; a crashed instance's shards wait "
                    + "this long before another instance delivers them.");
    public static final Setting<Long> FLUSH_CHECK_INTERVAL_MS = Setting.ofLong("flush.check.interval.ms", 200, 10,
            10_000, "How often quiet shards are checked for a buffering interval that has passed, ms.");
    public static final Setting<Long> DEFINITIONS_REFRESH_INTERVAL_MS = Setting.ofLong(
            "definitions.refresh.interval.ms", 5_000, 100, 600_000, "How often the delivery-stream definitions are "
                    + "read from the cluster to start and stop deliveries, ms.");

    public static final Setting<Long> INTENT_RETENTION_HOURS = Setting.ofLong("delivery.intent.retention.hours", 24,
            1, 87_600, "How long a batch intent (_sluice/.../intents/FIRST.json) is kept once written, hours; it is "
                    + "removed when older and behind the shard's checkpoint. A Firehose instance paused longer than "
                    + "this past its lease could write a duplicate cut (see docs/firehose.md).");

    public static final List<Setting<?>> SETTINGS = List.of(INSTANCE_ID, CLIENT_ADDRESS, METRICS_ADDRESS,
            CLUSTER_ENDPOINTS, S3A_ENDPOINT, S3A_PATH_STYLE_ACCESS, S3A_REGION, S3A_ACCESS_KEY, S3A_SECRET_KEY,
            RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS, BUFFER_MEMORY_BYTES, INTENT_RETENTION_HOURS,
            LEASE_DURATION_MS, FLUSH_CHECK_INTERVAL_MS, DEFINITIONS_REFRESH_INTERVAL_MS);

    /** Firehose's one declaration table: parsing, the environment and flags, --help and the docs reference. */
    public static final SettingsTable TABLE = new SettingsTable("sluice-firehose", "SLUICE_FIREHOSE_",
            "docs/firehose.md", SETTINGS, FirehoseConfig::validateTogether);

    private final ConfigValues values;

    private FirehoseConfig(ConfigValues values) {
        this.values = values;
    }

    public <T> T get(Setting<T> setting) {
        return values.get(setting);
    }

    public String instanceId() {
        return get(INSTANCE_ID);
    }

    public HostPort clientAddress() {
        return get(CLIENT_ADDRESS);
    }

    public List<HostPort> clusterEndpoints() {
        return get(CLUSTER_ENDPOINTS);
    }

    public RetryPolicy retryPolicy() {
        return new RetryPolicy(get(RETRY_MAX_ATTEMPTS), Duration.ofMillis(get(RETRY_BACKOFF_MS)),
                Duration.ofMillis(get(RETRY_BACKOFF_MAX_MS)));
    }

    /** The Hadoop settings S3A destinations are opened with. */
    public Map<String, String> hadoopProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        if (!get(S3A_ENDPOINT).isEmpty()) {
            p.put("fs.s3a.endpoint", get(S3A_ENDPOINT));
        }
        p.put("fs.s3a.path.style.access", Boolean.toString(get(S3A_PATH_STYLE_ACCESS)));
        if (!get(S3A_REGION).isEmpty()) {
            p.put("fs.s3a.endpoint.region", get(S3A_REGION));
        }
        if (!get(S3A_ACCESS_KEY).isEmpty()) {
            p.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
            p.put("fs.s3a.access.key", get(S3A_ACCESS_KEY));
            p.put("fs.s3a.secret.key", get(S3A_SECRET_KEY));
        }
        return p;
    }

    /** Builds a config from explicit values only (defaults for the rest); for tests and embedding. */
    public static FirehoseConfig of(Map<String, String> values) {
        return new FirehoseConfig(TABLE.of(values));
    }

    /**
     * Loads {@code file} (if not null), then applies environment overrides and then {@code overrides}.
     *
     * @throws ConfigException naming the key of the first bad value, or an unknown key
     */
    public static FirehoseConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        return new FirehoseConfig(TABLE.load(file, env, overrides));
    }

    /** Wraps values parsed from {@link #TABLE} (by the launcher). */
    public static FirehoseConfig of(ConfigValues values) {
        if (values.table() != TABLE) {
            throw new IllegalArgumentException("values of " + values.table().processName() + ", not of Firehose");
        }
        return new FirehoseConfig(values);
    }

    private static void validateTogether(ConfigValues c) {
        if (c.get(S3A_ACCESS_KEY).isEmpty() != c.get(S3A_SECRET_KEY).isEmpty()) {
            throw new ConfigException(c.get(S3A_ACCESS_KEY).isEmpty() ? S3A_ACCESS_KEY.key() : S3A_SECRET_KEY.key(),
                    "must be set together with " + (c.get(S3A_ACCESS_KEY).isEmpty() ? S3A_SECRET_KEY.key()
                    : S3A_ACCESS_KEY.key()));
        }
        if (c.get(RETRY_BACKOFF_MAX_MS) < c.get(RETRY_BACKOFF_MS)) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS.key(), "must be at least " + RETRY_BACKOFF_MS.key()
                    + " (" + c.get(RETRY_BACKOFF_MS) + ")");
        }
    }

    /** Bytes, or a percentage (1..90) of the JVM's maximum heap. */
    private static long parseMemory(String text) {
        if (text.endsWith("%")) {
            int percent = Integer.parseInt(text.substring(0, text.length() - 1).trim());
            if (percent < 1 || percent > 90) {
                throw new IllegalArgumentException(text);
            }
            return Runtime.getRuntime().maxMemory() / 100 * percent;
        }
        return Long.parseLong(text);
    }

    private static List<HostPort> parseEndpoints(String text) {
        List<HostPort> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(HostPort.parse(part.trim()));
            }
        }
        return List.copyOf(out);
    }

    /** The configuration reference, as Markdown, generated from {@link #TABLE}. */
    public static String referenceMarkdown() {
        return TABLE.referenceMarkdown();
    }
}
