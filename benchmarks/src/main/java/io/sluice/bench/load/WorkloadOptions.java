package io.sluice.bench.load;

import io.sluice.common.Limits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the load tool does, parsed once from {@code --name=value} flags. Every flag is declared once in {@link #FLAGS}
 * (name, default, one line of help), which also renders {@link #usage()}. Immutable.
 *
 * @param targets                 brokers to bootstrap from, host:port
 * @param stream                  the stream to put into
 * @param createShards            shard count for a stream that does not exist yet; 0 = it must exist
 * @param recordSizeBytes         bytes of data per record (the partition key comes on top)
 * @param keyCount                distinct partition keys, picked uniformly at random per record
 * @param batchMaxRecords         records per PutRecords call, at most
 * @param batchMaxBytes           data + partition keys per PutRecords call, at most
 * @param linger                  how long a shard's batch waits for more records after its first one
 * @param producers               producer threads, each with its own batches and in-flight window
 * @param maxInFlightPerProducer  PutRecords calls one producer keeps outstanding, at most
 * @param rate                    offered load over all producers
 * @param warmup                  run time before measuring (reported, not in the result)
 * @param duration                measured run time after the warm-up
 * @param reportInterval          time between progress lines
 * @param requestTimeout          gRPC deadline of each PutRecords call
 * @param connectTimeout          how long set-up waits for the cluster to answer
 * @param leaderRefreshInterval   how often the group leaders are read again (DescribeCluster)
 * @param routing                 where each batch is sent
 * @param seed                    seed of the payload bytes and of each producer's key choice
 */
public record WorkloadOptions(List<String> targets, String stream, int createShards, int recordSizeBytes,
                              int keyCount, int batchMaxRecords, int batchMaxBytes, Duration linger, int producers,
                              int maxInFlightPerProducer, Rate rate, Duration warmup, Duration duration,
                              Duration reportInterval, Duration requestTimeout, Duration connectTimeout,
                              Duration leaderRefreshInterval, Routing routing, long seed) {

    /** Where a producer sends a shard's batch. */
    public enum Routing {
        /** To the broker that leads the shard's replication group (as DescribeCluster reports it). */
        LEADER,
        /** Round-robin over --targets, whatever they lead; the brokers forward to the leader. */
        ANY
    }

    /** One flag: its name without the dashes, its default, and one line of help. */
    record Flag(String name, String defaultValue, String help) {
    }

    static final List<Flag> FLAGS = List.of(
            new Flag("targets", "127.0.0.1:7700", "comma-separated host:port list of brokers to bootstrap from"),
            new Flag("stream", "load", "stream to put into"),
            new Flag("create-shards", "0", "create the stream with this many shards if it is missing; 0 = it must "
                    + "exist"),
            new Flag("record-size", "1024", "bytes of data per record (random, incompressible)"),
            new Flag("keys", "1000", "distinct partition keys (key-000000 ...), one picked at random per record"),
            new Flag("batch-records", "500", "records per PutRecords call, at most (1..500)"),
            new Flag("batch-bytes", "262144", "data + keys per PutRecords call, at most (<= 5 MiB)"),
            new Flag("linger-ms", "5", "how long a shard's batch waits for more records after its first one"),
            new Flag("producers", "1", "producer threads, each with its own per-shard batches"),
            new Flag("max-in-flight", "16", "PutRecords calls each producer keeps outstanding, at most"),
            new Flag("rate", "max", "max (or 0), records/s (20000), or record data per second (20MB/s = 10^6 "
                    + "bytes/s, 20MiB/s)"),
            new Flag("warmup", "10s", "run time before measuring (reported, not in the result)"),
            new Flag("duration", "60s", "measured run time after the warm-up"),
            new Flag("report-interval", "5s", "time between progress lines"),
            new Flag("request-timeout", "30s", "deadline of each PutRecords call"),
            new Flag("connect-timeout", "60s", "how long set-up waits for the cluster to answer"),
            new Flag("leader-refresh", "5s", "how often group leaders are read again with DescribeCluster"),
            new Flag("routing", "leader", "leader: each shard's batch to its group leader; any: round-robin over "
                    + "--targets (brokers forward)"),
            new Flag("seed", "1", "seed of the payload and of the key choice"));

    private static final Pattern DURATION = Pattern.compile("([0-9]+)\\s*(ms|s|m|min|h|)");

    public WorkloadOptions {
        targets = List.copyOf(targets);
    }

    /**
     * Parses {@code --name=value} flags (also {@code --name value}); unset flags take their defaults.
     *
     * @throws IllegalArgumentException naming the flag, its valid values and what was given
     */
    public static WorkloadOptions parse(String... args) {
        Map<String, String> v = new LinkedHashMap<>();
        for (Flag f : FLAGS) {
            v.put(f.name(), f.defaultValue());
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "': flags look like --name=value");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                name = a.substring(2);
                value = args[++i];
            } else {
                throw new IllegalArgumentException(a + ": missing value");
            }
            if (!v.containsKey(name)) {
                throw new IllegalArgumentException("unknown flag --" + name + "; known flags: "
                        + String.join(", ", FLAGS.stream().map(f -> "--" + f.name()).toList()));
            }
            v.put(name, value);
        }

        List<String> targets = new ArrayList<>();
        for (String t : v.get("targets").split(",")) {
            String s = t.trim();
            if (!s.isEmpty()) {
                parseHostPort(s, "targets");
                targets.add(s);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("--targets: must name at least one host:port, got ''");
        }
        String stream = v.get("stream");
        try {
            Limits.checkStreamName(stream, "--stream");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        int createShards = intFlag(v, "create-shards", 0, Limits.DEFAULTS.maxShardsPerStream());
        int recordSize = intFlag(v, "record-size", 1, Limits.DEFAULTS.maxRecordBytes());
        int keys = intFlag(v, "keys", 1, 10_000_000);
        int batchRecords = intFlag(v, "batch-records", 1, Limits.DEFAULTS.maxPutRecordsCount());
        int batchBytes = intFlag(v, "batch-bytes", 1, Limits.DEFAULTS.maxPutRecordsBytes());
        int largestRecord = recordSize + KeySpace.keyBytes(keys);
        if (largestRecord > Limits.DEFAULTS.maxRecordBytes()) {
            throw new IllegalArgumentException("--record-size: data + partition key of " + largestRecord
                    + " bytes exceeds the record limit of " + Limits.DEFAULTS.maxRecordBytes() + " bytes");
        }
        if (batchBytes < largestRecord) {
            throw new IllegalArgumentException("--batch-bytes: must be at least one record (" + largestRecord
                    + " bytes of data + key), got " + batchBytes);
        }
        Duration linger = Duration.ofMillis(intFlag(v, "linger-ms", 0, 60_000));
        int producers = intFlag(v, "producers", 1, 256);
        int inFlight = intFlag(v, "max-in-flight", 1, 10_000);
        Rate rate;
        try {
            rate = Rate.parse(v.get("rate"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rate: " + e.getMessage(), e);
        }
        Duration warmup = durationFlag(v, "warmup", Duration.ZERO);
        Duration duration = durationFlag(v, "duration", Duration.ofSeconds(1));
        Duration report = durationFlag(v, "report-interval", Duration.ofMillis(100));
        Duration requestTimeout = durationFlag(v, "request-timeout", Duration.ofMillis(100));
        Duration connectTimeout = durationFlag(v, "connect-timeout", Duration.ZERO);
        Duration refresh = durationFlag(v, "leader-refresh", Duration.ofMillis(100));
        Routing routing;
        try {
            routing = Routing.valueOf(v.get("routing").trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--routing: must be leader or any, got '" + v.get("routing") + "'", e);
        }
        long seed;
        try {
            seed = Long.parseLong(v.get("seed").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed: must be an integer, got '" + v.get("seed") + "'", e);
        }
        return new WorkloadOptions(targets, stream, createShards, recordSize, keys, batchRecords, batchBytes, linger,
                producers, inFlight, rate, warmup, duration, report, requestTimeout, connectTimeout, refresh, routing,
                seed);
    }

    /** Host and port of a {@code host:port} string. */
    static Map.Entry<String, Integer> parseHostPort(String s, String flag) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("--" + flag + ": must be host:port, got '" + s + "'");
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return Map.entry(s.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + ": must be host:port with a port in 1..65535, got '" + s
                    + "'", e);
        }
    }

    private static int intFlag(Map<String, String> v, String name, int min, int max) {
        String s = v.get(name).trim();
        try {
            int n = Integer.parseInt(s);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": must be an integer in " + min + ".." + max + ", got '"
                    + s + "'", e);
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    private static Duration durationFlag(Map<String, String> v, String name, Duration min) {
        String s = v.get(name).trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("--" + name + ": must be a duration like 500ms, 10s or 2m, got '" + s
                    + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("--" + name + ": must be at least " + min.toMillis() + " ms, got '" + s
                    + "'");
        }
        return d;
    }

    /** The flags and their defaults, for --help. */
    public static String usage() {
        StringBuilder b = new StringBuilder("usage: benchmarks/load.sh [--name=value ...]\n\n");
        for (Flag f : FLAGS) {
            b.append(String.format(Locale.ROOT, "  --%-16s %-16s %s%n", f.name(), f.defaultValue(), f.help()));
        }
        return b.toString();
    }

    /** The fixed rate in records/s over all producers, or 0 at max rate. */
    public double recordsPerSecond() {
        return rate.isMax() ? 0 : rate.recordsPerSecond(recordSizeBytes);
    }
}
