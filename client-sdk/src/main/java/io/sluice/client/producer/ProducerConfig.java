package io.sluice.client.producer;

import io.sluice.client.ClientSetting;
import io.sluice.common.Limits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A producer's configuration: every setting declared once in {@link #SETTINGS} (key, type, default, validation, one
 * line of documentation), validated as a whole when the producer is built; errors name the key. Immutable.
 *
 * <p>Set it through {@link SluiceProducer#builder()} (one method per setting) or from text with
 * {@link #fromProperties(Map)}.
 */
public final class ProducerConfig {
    public static final ProducerSetting<List<String>> ENDPOINTS = new ProducerSetting<>("endpoints", "endpoints",
            "a comma-separated list of host:port", null, ClientSetting::parseEndpoints,
            l -> !l.isEmpty() && l.stream().allMatch(ClientSetting::isHostPort), "one or more host:port",
            "Brokers to bootstrap from (any broker of the cluster will do); the rest are learned from DescribeCluster.");
    public static final ProducerSetting<Long> LINGER_MS = ProducerSetting.ofLong("linger.ms", "lingerMs", 5, 0,
            60_000, "How long a shard's batch waits for more records before it is sent, ms.");
    public static final ProducerSetting<Integer> BATCH_MAX_RECORDS = ProducerSetting.ofInt("batch.max.records",
            "maxBatchRecords", 500, 1, 500, "Most records in one shard's batch; at most the cluster's PutRecords "
                    + "record limit.");
    public static final ProducerSetting<Integer> BATCH_MAX_BYTES = ProducerSetting.ofInt("batch.max.bytes",
            "maxBatchBytes", 1 << 20, 1, 5 << 20, "Most bytes (data + partition keys) in one shard's batch; a larger "
                    + "record is sent in a batch of its own.");
    public static final ProducerSetting<Long> BUFFER_MEMORY_BYTES = ProducerSetting.ofLong("buffer.memory.bytes",
            "bufferMemoryBytes", 64L << 20, 1, 1L << 40, "Bytes (data + partition keys) of records put but not yet "
                    + "acknowledged or failed; put blocks while it is full.");
    public static final ProducerSetting<Long> MAX_BLOCK_MS = ProducerSetting.ofLong("max.block.ms", "maxBlockMs",
            60_000, 0, 3_600_000, "How long put may block waiting for buffer memory or a stream's shard map, ms; "
                    + "then its future fails.");
    public static final ProducerSetting<Long> DELIVERY_TIMEOUT_MS = ProducerSetting.ofLong("delivery.timeout.ms",
            "deliveryTimeoutMs", 120_000, 1, 86_400_000, "Upper bound from put to a record's outcome, retries "
                    + "included, ms; >= linger.ms + request.timeout.ms.");
    public static final ProducerSetting<Long> REQUEST_TIMEOUT_MS = ProducerSetting.ofLong("request.timeout.ms",
            "requestTimeoutMs", 30_000, 1, 3_600_000, "Deadline of one PutRecords (or metadata) call, ms.");
    public static final ProducerSetting<Long> RETRY_BACKOFF_MS = ProducerSetting.ofLong("retry.backoff.ms",
            "retryBackoffMs", 100, 1, 3_600_000, "Backoff before the first retry, ms; doubles per attempt, "
                    + "+/- 20% jitter.");
    public static final ProducerSetting<Long> RETRY_BACKOFF_MAX_MS = ProducerSetting.ofLong("retry.backoff.max.ms",
            "retryBackoffMaxMs", 1_000, 1, 3_600_000, "Largest backoff between retries, ms; >= retry.backoff.ms.");
    public static final ProducerSetting<Integer> MAX_IN_FLIGHT_REQUESTS_PER_BROKER = ProducerSetting.ofInt(
            "max.in.flight.requests.per.broker", "maxInFlightRequestsPerBroker", 5, 1, 1000,
            "PutRecords calls outstanding to one broker; more batches wait in the buffer.");
    public static final ProducerSetting<Long> METADATA_MAX_AGE_MS = ProducerSetting.ofLong("metadata.max.age.ms",
            "metadataMaxAgeMs", 30_000, 100, 86_400_000, "Refresh group leaders at least this often, ms (they are "
                    + "also refreshed after a failed call).");
    public static final ProducerSetting<Boolean> STRICT_ORDERING = ProducerSetting.ofBoolean("strict.ordering",
            "strictOrdering", false, "At most one batch per shard in flight, so retries cannot reorder a shard's "
                    + "records.");
    public static final ProducerSetting<Boolean> IDEMPOTENT = ProducerSetting.ofBoolean("idempotent", "idempotent",
            false, "Producer id + per-shard sequences let the brokers drop retried duplicates; implies "
                    + "strict.ordering.");

    public static final List<ProducerSetting<?>> SETTINGS = List.of(ENDPOINTS, LINGER_MS, BATCH_MAX_RECORDS,
            BATCH_MAX_BYTES, BUFFER_MEMORY_BYTES, MAX_BLOCK_MS, DELIVERY_TIMEOUT_MS, REQUEST_TIMEOUT_MS,
            RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS, MAX_IN_FLIGHT_REQUESTS_PER_BROKER, METADATA_MAX_AGE_MS,
            STRICT_ORDERING, IDEMPOTENT);

    private final Map<ProducerSetting<?>, Object> values;
    private final Limits limits;

    private ProducerConfig(Map<ProducerSetting<?>, Object> values, Limits limits) {
        this.values = values;
        this.limits = limits;
    }

    /**
     * Validates {@code set} (settings not in it take their defaults) against {@code limits}.
     *
     * @throws IllegalArgumentException naming the key of the first bad or missing value
     */
    static ProducerConfig of(Map<ProducerSetting<?>, Object> set, Limits limits) {
        Map<ProducerSetting<?>, Object> values = new LinkedHashMap<>();
        for (ProducerSetting<?> s : SETTINGS) {
            values.put(s, ClientSetting.checked(s, set.containsKey(s) ? set.get(s) : s.defaultValue()));
        }
        ProducerConfig c = new ProducerConfig(values, limits);
        c.validateTogether();
        return c;
    }

    /**
     * Parses settings from text (keys as in {@link #SETTINGS}), e.g. from a properties file.
     *
     * @throws IllegalArgumentException naming the key of an unknown, bad or missing value
     */
    public static ProducerConfig fromProperties(Map<String, String> properties, Limits limits) {
        return of(parse(properties), limits);
    }

    static Map<ProducerSetting<?>, Object> parse(Map<String, String> properties) {
        return ClientSetting.parseAll(properties, SETTINGS, "producer setting (see docs/producer.md)");
    }

    private void validateTogether() {
        if (get(DELIVERY_TIMEOUT_MS) < get(LINGER_MS) + get(REQUEST_TIMEOUT_MS)) {
            throw new IllegalArgumentException(DELIVERY_TIMEOUT_MS.key() + ": must be at least " + LINGER_MS.key()
                    + " + " + REQUEST_TIMEOUT_MS.key() + " (" + (get(LINGER_MS) + get(REQUEST_TIMEOUT_MS))
                    + "), got " + get(DELIVERY_TIMEOUT_MS));
        }
        if (get(RETRY_BACKOFF_MAX_MS) < get(RETRY_BACKOFF_MS)) {
            throw new IllegalArgumentException(RETRY_BACKOFF_MAX_MS.key() + ": must be at least "
                    + RETRY_BACKOFF_MS.key() + " (" + get(RETRY_BACKOFF_MS) + "), got " + get(RETRY_BACKOFF_MAX_MS));
        }
        if (get(BATCH_MAX_RECORDS) > limits.maxPutRecordsCount()) {
            throw new IllegalArgumentException(BATCH_MAX_RECORDS.key() + ": must be at most the cluster's PutRecords "
                    + "record limit (" + limits.maxPutRecordsCount() + "), got " + get(BATCH_MAX_RECORDS));
        }
        if (get(BATCH_MAX_BYTES) > limits.maxPutRecordsBytes()) {
            throw new IllegalArgumentException(BATCH_MAX_BYTES.key() + ": must be at most the cluster's PutRecords "
                    + "size limit (" + limits.maxPutRecordsBytes() + " bytes), got " + get(BATCH_MAX_BYTES));
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T get(ProducerSetting<T> setting) {
        return (T) values.get(setting);
    }

    /** The request limits records and calls are checked against (the cluster's; Kinesis's by default). */
    public Limits limits() {
        return limits;
    }

    public List<String> endpoints() {
        return get(ENDPOINTS);
    }

    public long lingerMs() {
        return get(LINGER_MS);
    }

    public int maxBatchRecords() {
        return get(BATCH_MAX_RECORDS);
    }

    public int maxBatchBytes() {
        return get(BATCH_MAX_BYTES);
    }

    public long bufferMemoryBytes() {
        return get(BUFFER_MEMORY_BYTES);
    }

    public long maxBlockMs() {
        return get(MAX_BLOCK_MS);
    }

    public long deliveryTimeoutMs() {
        return get(DELIVERY_TIMEOUT_MS);
    }

    public long requestTimeoutMs() {
        return get(REQUEST_TIMEOUT_MS);
    }

    public long retryBackoffMs() {
        return get(RETRY_BACKOFF_MS);
    }

    public long retryBackoffMaxMs() {
        return get(RETRY_BACKOFF_MAX_MS);
    }

    public int maxInFlightRequestsPerBroker() {
        return get(MAX_IN_FLIGHT_REQUESTS_PER_BROKER);
    }

    public long metadataMaxAgeMs() {
        return get(METADATA_MAX_AGE_MS);
    }

    public boolean idempotent() {
        return get(IDEMPOTENT);
    }

    /** Whether at most one batch per shard is in flight: set explicitly, or implied by {@link #idempotent()}. */
    public boolean strictOrdering() {
        return get(STRICT_ORDERING) || idempotent();
    }

    /** The settings table of docs/producer.md. */
    public static String referenceMarkdown() {
        return ClientSetting.referenceMarkdown(SETTINGS);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ProducerConfig{");
        values.forEach((k, v) -> b.append(k.key()).append('=').append(v).append(", "));
        return b.append("limits=").append(limits).append('}').toString();
    }
}
