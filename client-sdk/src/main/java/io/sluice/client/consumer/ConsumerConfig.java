package io.sluice.client.consumer;

import io.sluice.client.ClientSetting;
import io.sluice.common.Limits;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A consumer worker's configuration: every setting declared once in {@link #SETTINGS} (key, type, default,
 * validation, one line of documentation), validated as a whole when the consumer is built; errors name the key.
 * Immutable.
 *
 * <p>Set it through {@link SluiceConsumer#builder()} (one method per setting) or from text with
 * {@link SluiceConsumer.Builder#properties(Map)}. The clock, the random source and the processor factory are objects,
 * given to the builder only.
 */
public final class ConsumerConfig {
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9_.:-]{1,128}");
    private static final Pattern STREAM = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

    public static final ConsumerSetting<List<String>> ENDPOINTS = new ConsumerSetting<>("endpoints", "endpoints",
            "a comma-separated list of host:port", null, "(required)", ClientSetting::parseEndpoints,
            l -> !l.isEmpty() && l.stream().allMatch(ClientSetting::isHostPort), "one or more host:port",
            "Brokers' client addresses; any of them serves lease calls, reads go to each shard's leader as the "
                    + "brokers name it.");
    public static final ConsumerSetting<String> APPLICATION = ConsumerSetting.ofName("application", "application",
            "(required)", ID, "1..128 characters of [a-zA-Z0-9_.:-]",
            "The consumer application: its workers share the stream's shards; leases and checkpoints are per "
                    + "application.");
    public static final ConsumerSetting<String> STREAM_NAME = ConsumerSetting.ofName("stream", "stream",
            "(required)", STREAM, "1..128 characters of [a-zA-Z0-9_.-]", "The stream read.");
    public static final ConsumerSetting<String> WORKER_ID = ConsumerSetting.ofName("worker.id", "workerId",
            "host name + random suffix", ID, "1..128 characters of [a-zA-Z0-9_.:-]",
            "This worker; unique among the application's running workers (the default is new for every process).");
    public static final ConsumerSetting<Duration> LEASE_DURATION = ConsumerSetting.ofMillis("lease.duration.ms",
            "leaseDuration", Duration.ofSeconds(10), null, 1_000, 600_000,
            "How long a lease lasts without renewal: a crashed worker's shards wait this long.");
    public static final ConsumerSetting<Duration> RENEW_INTERVAL = ConsumerSetting.ofMillis("renew.interval.ms",
            "renewInterval", null, "lease.duration.ms / 3", 10, 600_000,
            "One lease cycle: renew every lease held (one call), list the leases, take or steal; < lease.duration.ms.");
    public static final ConsumerSetting<StartPosition> INITIAL_POSITION = new ConsumerSetting<>("initial.position",
            "initialPosition", "TRIM_HORIZON, LATEST or AT_TIMESTAMP:{ms since the epoch}", StartPosition.latest(),
            "`LATEST`", ConsumerConfig::parsePosition, p -> p.type() != StartPosition.Type.AFTER_SEQUENCE_NUMBER,
            "TRIM_HORIZON, LATEST or AT_TIMESTAMP", "Where a shard without a checkpoint starts (a child of a finished "
                    + "shard starts at TRIM_HORIZON).");
    public static final ConsumerSetting<Delivery> DELIVERY = new ConsumerSetting<>("delivery", "delivery",
            "PUSH or POLLING", Delivery.PUSH, "`PUSH`", s -> Delivery.valueOf(s.toUpperCase(Locale.ROOT)), d -> true,
            "PUSH or POLLING", "SubscribeToShard (falling back to polling while it fails), or GetRecords in a loop.");
    public static final ConsumerSetting<Duration> POLL_INTERVAL = ConsumerSetting.ofMillis("poll.interval.ms",
            "pollInterval", Duration.ofMillis(200), null, 1, 60_000,
            "Polling: the wait after a GetRecords call that returned nothing (and did not wait at the broker).");
    public static final ConsumerSetting<Duration> POLL_MAX_WAIT = ConsumerSetting.ofMillis("poll.max.wait.ms",
            "pollMaxWait", Duration.ofMillis(500), null, 0, Limits.GET_RECORDS_MAX_WAIT_MS,
            "Polling: how long a GetRecords call waits at the broker for a record when none is available (long "
                    + "polling, as Kafka's fetch.max.wait.ms); 0 polls every poll.interval.ms instead.");
    public static final ConsumerSetting<Integer> POLL_LIMIT = ConsumerSetting.ofInt("poll.limit", "pollLimit", 1000,
            null, 1, 10_000, "Polling: records per GetRecords call.");
    public static final ConsumerSetting<Integer> PREFETCH_MAX_RECORDS = ConsumerSetting.ofInt("prefetch.max.records",
            "maxPrefetchRecords", 10_000, null, 1, Integer.MAX_VALUE,
            "Per shard: records read ahead of the processor (plus what was asked for before it filled: one "
                    + "batch, or a few push events).");
    public static final ConsumerSetting<Long> PREFETCH_MAX_BYTES = ConsumerSetting.ofLong("prefetch.max.bytes",
            "maxPrefetchBytes", 8L << 20, 1, Long.MAX_VALUE,
            "Per shard: data + key bytes read ahead of the processor (plus what was asked for before it filled: one "
                    + "batch, or a few push events).");
    public static final ConsumerSetting<Integer> PROCESSOR_THREADS = ConsumerSetting.ofInt("processor.threads",
            "processorThreads", null, "the number of cores, at least 2", 1, 10_000,
            "Threads running the processors' callbacks, shared by every shard.");
    public static final ConsumerSetting<Duration> RPC_TIMEOUT = ConsumerSetting.ofMillis("rpc.timeout.ms",
            "rpcTimeout", Duration.ofSeconds(10), null, 100, 600_000,
            "How long a checkpoint or release call is retried while the cluster is unavailable (lease-cycle calls: "
                    + "at most renew.interval.ms).");
    public static final ConsumerSetting<Duration> SHUTDOWN_TIMEOUT = ConsumerSetting.ofMillis("shutdown.timeout.ms",
            "shutdownTimeout", Duration.ofSeconds(30), null, 0, 3_600_000,
            "How long close() waits for processors to checkpoint and leases to be released.");

    public static final List<ConsumerSetting<?>> SETTINGS = List.of(ENDPOINTS, APPLICATION, STREAM_NAME, WORKER_ID,
            LEASE_DURATION, RENEW_INTERVAL, INITIAL_POSITION, DELIVERY, POLL_INTERVAL, POLL_MAX_WAIT, POLL_LIMIT,
            PREFETCH_MAX_RECORDS, PREFETCH_MAX_BYTES, PROCESSOR_THREADS, RPC_TIMEOUT, SHUTDOWN_TIMEOUT);

    private final Map<ConsumerSetting<?>, Object> values;
    private final Clock clock;

    private ConsumerConfig(Map<ConsumerSetting<?>, Object> values, Clock clock) {
        this.values = values;
        this.clock = clock;
    }

    /**
     * Validates {@code set}; settings not in it take their defaults (derived ones: the worker id, the renew interval
     * and the processor threads).
     *
     * @throws IllegalArgumentException naming the key of the first bad or missing value
     */
    static ConsumerConfig of(Map<ConsumerSetting<?>, Object> set, Clock clock) {
        if (clock == null) {
            throw new IllegalArgumentException("clock: must be set");
        }
        Map<ConsumerSetting<?>, Object> given = new HashMap<>(set);
        given.putIfAbsent(WORKER_ID, defaultWorkerId());
        given.putIfAbsent(PROCESSOR_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()));
        Map<ConsumerSetting<?>, Object> values = new LinkedHashMap<>();
        for (ConsumerSetting<?> s : SETTINGS) {
            if (s == RENEW_INTERVAL && !given.containsKey(s)) {
                continue; // derived below, once the lease duration is known valid
            }
            values.put(s, ClientSetting.checked(s, given.containsKey(s) ? given.get(s) : s.defaultValue()));
        }
        values.putIfAbsent(RENEW_INTERVAL, Duration.ofMillis(((Duration) values.get(LEASE_DURATION)).toMillis() / 3));
        ConsumerConfig c = new ConsumerConfig(values, clock);
        c.validateTogether();
        return c;
    }

    /** Text settings (keys as in {@link #SETTINGS}) to values. */
    static Map<ConsumerSetting<?>, Object> parse(Map<String, String> properties) {
        return ClientSetting.parseAll(properties, SETTINGS, "consumer setting (see docs/consumer.md)");
    }

    private void validateTogether() {
        if (renewInterval().compareTo(leaseDuration()) >= 0) {
            throw new IllegalArgumentException(RENEW_INTERVAL.key() + ": must be shorter than "
                    + LEASE_DURATION.key() + " (" + leaseDuration().toMillis() + " ms), got "
                    + renewInterval().toMillis() + " ms");
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T get(ConsumerSetting<T> setting) {
        return (T) values.get(setting);
    }

    public List<String> endpoints() {
        return get(ENDPOINTS);
    }

    public String application() {
        return get(APPLICATION);
    }

    public String stream() {
        return get(STREAM_NAME);
    }

    public String workerId() {
        return get(WORKER_ID);
    }

    public Duration leaseDuration() {
        return get(LEASE_DURATION);
    }

    public Duration renewInterval() {
        return get(RENEW_INTERVAL);
    }

    public StartPosition initialPosition() {
        return get(INITIAL_POSITION);
    }

    public Delivery delivery() {
        return get(DELIVERY);
    }

    public Duration pollInterval() {
        return get(POLL_INTERVAL);
    }

    public Duration pollMaxWait() {
        return get(POLL_MAX_WAIT);
    }

    public int pollLimit() {
        return get(POLL_LIMIT);
    }

    public int maxPrefetchRecords() {
        return get(PREFETCH_MAX_RECORDS);
    }

    public long maxPrefetchBytes() {
        return get(PREFETCH_MAX_BYTES);
    }

    public int processorThreads() {
        return get(PROCESSOR_THREADS);
    }

    public Duration rpcTimeout() {
        return get(RPC_TIMEOUT);
    }

    public Duration shutdownTimeout() {
        return get(SHUTDOWN_TIMEOUT);
    }

    /** Time for rates, for the local view of lease validity (lease times are cluster time), and for LATEST starts. */
    public Clock clock() {
        return clock;
    }

    /** The settings table of docs/consumer.md. */
    public static String referenceMarkdown() {
        return ClientSetting.referenceMarkdown(SETTINGS);
    }

    private static StartPosition parsePosition(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        if (t.equals("TRIM_HORIZON")) {
            return StartPosition.trimHorizon();
        }
        if (t.equals("LATEST")) {
            return StartPosition.latest();
        }
        if (t.startsWith("AT_TIMESTAMP:")) {
            return StartPosition.atTimestamp(Instant.ofEpochMilli(Long.parseLong(t.substring(13))));
        }
        throw new IllegalArgumentException("not a start position: " + text);
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "worker";
        }
        host = host.replaceAll("[^a-zA-Z0-9_.:-]", "_");
        host = host.substring(0, Math.min(host.length(), 90));
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ConsumerConfig{");
        values.forEach((k, v) -> b.append(k.key()).append('=').append(v).append(", "));
        return b.append("clock=").append(clock).append('}').toString();
    }
}
