package io.sluice.firehose.config;

import io.sluice.firehose.delivery.RetryPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A Firehose process's configuration, parsed once from a properties file, environment variables
 * ({@code SLUICE_FIREHOSE_CLIENT_ADDRESS} for {@code client.address}) and command-line overrides
 * ({@code --client.address=127.0.0.1:7901}), in increasing precedence, and validated as a whole before the process
 * starts; errors name the key. Immutable. Delivery-stream definitions are not here: they are cluster metadata.
 */
public final class FirehoseConfig {
    public static final Setting<String> INSTANCE_ID = Setting.ofString("instance.id", "firehose-1",
            s -> s.matches("[a-zA-Z0-9_.:-]{1,128}"), "[a-zA-Z0-9_.:-]{1,128}",
            "This instance's id: its worker id in consumer leases, and in logs; unique among Firehose instances.");
    public static final Setting<HostPort> CLIENT_ADDRESS = new Setting<>("client.address", "host:port",
            "127.0.0.1:7900", HostPort::parse, h -> true, "host:port, port 0 picks a free one",
            "Where Firehose serves the sluice.v1.Firehose gRPC API.", false);
    public static final Setting<HostPort> METRICS_ADDRESS = new Setting<>("metrics.address", "host:port",
            "127.0.0.1:7901", HostPort::parse, h -> true, "host:port, port 0 picks a free one",
            "Where Prometheus metrics (/metrics) and the health check (/health) are served over HTTP.", false);
    public static final Setting<List<HostPort>> CLUSTER_ENDPOINTS = new Setting<>("cluster.endpoints",
            "a comma-separated list of host:port", "127.0.0.1:7700", FirehoseConfig::parseEndpoints,
            l -> !l.isEmpty() && l.stream().allMatch(h -> h.port() > 0), "one or more host:port with fixed ports",
            "Brokers of the Sluice cluster to bootstrap from (any will do).", false);
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
    public static final Setting<Long> BUFFER_MEMORY_BYTES = new Setting<>("delivery.buffer.memory.bytes",
            "bytes, or N% of the maximum heap", "25%", FirehoseConfig::parseMemory, v -> v >= 1 << 20,
            "1048576 or more bytes, or 1%..90%", "Bound on the record data buffered by all shards of all delivery "
            + "streams of this process; past it the largest batch is delivered before its buffering hints.", false);

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

    public static final List<Setting<?>> SETTINGS = List.of(INSTANCE_ID, CLIENT_ADDRESS, METRICS_ADDRESS, CLUSTER_ENDPOINTS,
            S3A_ENDPOINT, S3A_PATH_STYLE_ACCESS, S3A_REGION, S3A_ACCESS_KEY, S3A_SECRET_KEY, RETRY_MAX_ATTEMPTS,
            RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS, BUFFER_MEMORY_BYTES, INTENT_RETENTION_HOURS, LEASE_DURATION_MS, FLUSH_CHECK_INTERVAL_MS,
            DEFINITIONS_REFRESH_INTERVAL_MS);

    private final Map<Setting<?>, Object> values;

    private FirehoseConfig(Map<Setting<?>, Object> values) {
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
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
        return parse(values);
    }

    /**
     * Loads {@code file} (if not null), then applies environment overrides and then {@code overrides}.
     *
     * @throws ConfigException naming the key of the first bad value, or an unknown key
     */
    public static FirehoseConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> raw.put(k, p.getProperty(k)));
        }
        for (Setting<?> s : SETTINGS) {
            String v = env.get(s.envName());
            if (v != null) {
                raw.put(s.key(), v);
            }
        }
        raw.putAll(overrides);
        return parse(raw);
    }

    private static FirehoseConfig parse(Map<String, String> raw) {
        Set<String> known = new HashSet<>();
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            known.add(s.key());
            values.put(s, s.parse(raw.getOrDefault(s.key(), s.defaultText())));
        }
        for (String k : raw.keySet()) {
            if (!known.contains(k)) {
                throw new ConfigException(k, "unknown setting (see docs/firehose.md for the list)");
            }
        }
        FirehoseConfig c = new FirehoseConfig(values);
        c.validateTogether();
        return c;
    }

    private void validateTogether() {
        if (get(S3A_ACCESS_KEY).isEmpty() != get(S3A_SECRET_KEY).isEmpty()) {
            throw new ConfigException(get(S3A_ACCESS_KEY).isEmpty() ? S3A_ACCESS_KEY.key() : S3A_SECRET_KEY.key(),
                    "must be set together with " + (get(S3A_ACCESS_KEY).isEmpty() ? S3A_SECRET_KEY.key()
                    : S3A_ACCESS_KEY.key()));
        }
        if (get(RETRY_BACKOFF_MAX_MS) < get(RETRY_BACKOFF_MS)) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS.key(), "must be at least " + RETRY_BACKOFF_MS.key() + " ("
                    + get(RETRY_BACKOFF_MS) + ")");
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

    /** The configuration reference, as Markdown, generated from {@link #SETTINGS}. */
    public static String referenceMarkdown() {
        StringBuilder sb = new StringBuilder("| key | environment | type | default | valid | meaning |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Setting<?> s : SETTINGS) {
            sb.append("| `").append(s.key()).append("` | `").append(s.envName()).append("` | ").append(s.type())
                    .append(" | `").append(s.defaultText()).append("` | ").append(s.validText()).append(" | ")
                    .append(s.doc()).append(" |\n");
        }
        return sb.toString();
    }
}
