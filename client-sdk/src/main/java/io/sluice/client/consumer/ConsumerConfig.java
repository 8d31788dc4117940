package io.sluice.client.consumer;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The settings of one consumer worker, validated once by {@link SluiceConsumer.Builder#build()}; errors name the
 * builder method. docs/consumer.md lists them with their defaults.
 *
 * @param endpoints          brokers' client addresses (host:port); any of them serves lease calls, reads go to each
 *                           shard's leader as the brokers name it
 * @param application        the consumer application: workers of one application share the stream's shards
 * @param stream             the stream read
 * @param workerId           this worker, unique among the application's running workers (and per process run)
 * @param leaseDuration      how long a lease lasts without renewal: a crashed worker's shards wait this long
 * @param renewInterval      how often held leases are renewed (one RenewLeases call) and leases are balanced
 * @param initialPosition    where shards without a checkpoint start
 * @param delivery           push subscription or polling
 * @param pollInterval       polling: the wait after a GetRecords call that returned nothing
 * @param pollLimit          polling: records per GetRecords call
 * @param maxPrefetchRecords per shard: records read ahead of the processor
 * @param maxPrefetchBytes   per shard: payload bytes read ahead of the processor
 * @param processorThreads   threads that run the processors' callbacks (all shards share them)
 * @param rpcTimeout         how long one lease or checkpoint call is retried while the cluster is unavailable
 * @param shutdownTimeout    how long a graceful shutdown waits for processors to checkpoint and leases to be released
 * @param clock              time for rates, for the local view of lease expiry (lease times are cluster time), and
 *                           for dating a LATEST start (see docs/consumer.md)
 */
public record ConsumerConfig(List<String> endpoints, String application, String stream, String workerId,
                             Duration leaseDuration, Duration renewInterval, StartPosition initialPosition,
                             Delivery delivery, Duration pollInterval, int pollLimit, int maxPrefetchRecords,
                             long maxPrefetchBytes, int processorThreads, Duration rpcTimeout,
                             Duration shutdownTimeout, Clock clock) {
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9_.:-]{1,128}");
    private static final Pattern STREAM = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");
    private static final Pattern HOST_PORT = Pattern.compile("[^:\\s]+:\\d{1,5}");

    public ConsumerConfig {
        endpoints = List.copyOf(require(endpoints, "endpoints"));
        check(!endpoints.isEmpty(), "endpoints", "at least one host:port", "none");
        for (String e : endpoints) {
            check(HOST_PORT.matcher(e).matches(), "endpoints", "host:port", "'" + e + "'");
        }
        check(ID.matcher(require(application, "application")).matches(), "application",
                "1..128 characters of [a-zA-Z0-9_.:-]", "'" + application + "'");
        check(STREAM.matcher(require(stream, "stream")).matches(), "stream", "1..128 characters of [a-zA-Z0-9_.-]",
                "'" + stream + "'");
        check(ID.matcher(require(workerId, "workerId")).matches(), "workerId",
                "1..128 characters of [a-zA-Z0-9_.:-]", "'" + workerId + "'");
        checkRange(require(leaseDuration, "leaseDuration"), Duration.ofSeconds(1), Duration.ofMinutes(10),
                "leaseDuration");
        checkRange(require(renewInterval, "renewInterval"), Duration.ofMillis(10), leaseDuration.minusMillis(1),
                "renewInterval");
        require(initialPosition, "initialPosition");
        check(initialPosition.type() != StartPosition.Type.AFTER_SEQUENCE_NUMBER, "initialPosition",
                "TRIM_HORIZON, LATEST or AT_TIMESTAMP", initialPosition.toString());
        require(delivery, "delivery");
        checkRange(require(pollInterval, "pollInterval"), Duration.ofMillis(1), Duration.ofMinutes(1), "pollInterval");
        check(pollLimit >= 1 && pollLimit <= 10_000, "pollLimit", "1..10000", String.valueOf(pollLimit));
        check(maxPrefetchRecords >= 1, "maxPrefetchRecords", ">= 1", String.valueOf(maxPrefetchRecords));
        check(maxPrefetchBytes >= 1, "maxPrefetchBytes", ">= 1", String.valueOf(maxPrefetchBytes));
        check(processorThreads >= 1, "processorThreads", ">= 1", String.valueOf(processorThreads));
        checkRange(require(rpcTimeout, "rpcTimeout"), Duration.ofMillis(100), Duration.ofMinutes(10), "rpcTimeout");
        checkRange(require(shutdownTimeout, "shutdownTimeout"), Duration.ZERO, Duration.ofHours(1), "shutdownTimeout");
        require(clock, "clock");
    }

    private static <T> T require(T value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + ": must be set");
        }
        return value;
    }

    private static void check(boolean ok, String option, String expected, String actual) {
        if (!ok) {
            throw new IllegalArgumentException(option + ": must be " + expected + ", got " + actual);
        }
    }

    private static void checkRange(Duration d, Duration min, Duration max, String option) {
        check(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, option, min.toMillis() + ".." + max.toMillis() + " ms",
                d.toMillis() + " ms");
    }
}
