package io.sluice.bench.firehose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.firehose.delivery.BufferingHints;
import io.sluice.firehose.delivery.Compression;
import io.sluice.firehose.delivery.DeliveryMetrics;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.firehose.delivery.ObjectStore;
import io.sluice.firehose.delivery.ObjectStores;
import io.sluice.firehose.delivery.RetryPolicy;
import io.sluice.firehose.delivery.ShardDelivery;
import io.sluice.firehose.delivery.Sleeper;
import io.sluice.firehose.delivery.SourceRecord;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * W5 (shared/design/TARGETS.md): JSON to Parquet on one thread, Firehose's {@link ShardDelivery} (conversion by
 * schema, metadata columns, prefixes, batch intents, atomic local writes) against a bare parquet-avro loop over the
 * same records (Jackson tree, hand-filled GenericRecord, AvroParquetWriter to a local file), same schema and codec;
 * rounds alternate and medians are reported. Then data freshness: records fed at a fixed rate through a
 * ShardDelivery with a buffering interval, freshness per record (arrival to its object's completion) as p50/p99.
 *
 * <p>Usage: {@code FirehoseDeliveryBench [records=200000] [warmup=2] [rounds=5] [rateMBps=5] [intervalS=10] [freshnessS=60]
 * [dir=/tmp/firehose-bench]}
 */
public final class FirehoseDeliveryBench {
    static final String SCHEMA = """
            {"type": "record", "name": "Order", "namespace": "bench", "fields": [
              {"name": "order_id", "type": "long"},
              {"name": "customer", "type": "string"},
              {"name": "region", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "quantity", "type": "int"},
              {"name": "express", "type": "boolean"},
              {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}}
            ]}""";
    private static final String[] REGIONS = {"eu-west", "us-east", "ap-south", "sa-east"};

    private FirehoseDeliveryBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new java.util.HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int records = Integer.parseInt(opts.getOrDefault("records", "200000"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "2"));
        double rateMBps = Double.parseDouble(opts.getOrDefault("rateMBps", "5"));
        int intervalS = Integer.parseInt(opts.getOrDefault("intervalS", "10"));
        int freshnessS = Integer.parseInt(opts.getOrDefault("freshnessS", "60"));
        Path dir = Path.of(opts.getOrDefault("dir", "/tmp/firehose-bench"));

        List<byte[]> data = generate(records, new Random(42));
        long inputBytes = data.stream().mapToLong(d -> d.length).sum();
        System.out.printf("records %d, input %.1f MB (%.0f bytes/record), Snappy, one thread%n", records,
                inputBytes / 1e6, (double) inputBytes / records);
        for (int r = 0; r < warmup; r++) {
            bareLoop(data, dir.resolve("warmup-" + r + ".parquet"));
            firehoseLoop(data, dir.resolve("warmup-" + r));
            deleteTree(dir);
        }
        double[] bare = new double[rounds];
        double[] firehose = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Path bareFile = dir.resolve("bare-" + r + "-" + System.nanoTime() + ".parquet");
            Path firehoseRoot = dir.resolve("firehose-" + r + "-" + System.nanoTime());
            bare[r] = inputBytes / 1e6 / seconds(() -> bareLoop(data, bareFile));
            firehose[r] = inputBytes / 1e6 / seconds(() -> firehoseLoop(data, firehoseRoot));
            System.out.printf("round %d: bare parquet-avro %.1f MB/s, firehose %.1f MB/s%n", r + 1, bare[r],
                    firehose[r]);
            deleteTree(dir);
        }
        double b = median(bare);
        double f = median(firehose);
        System.out.printf("RESULT w5_throughput bare_MBps=%.1f firehose_MBps=%.1f ratio=%.2f%n", b, f, f / b);
        if (freshnessS > 0) {
            freshness(data, rateMBps, intervalS, freshnessS, dir.resolve("freshness"));
            deleteTree(dir);
        }
    }

    static List<byte[]> generate(int n, Random random) {
        List<byte[]> out = new ArrayList<>(n);
        long t = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder(256);
            sb.append("{\"order_id\":").append(i)
                    .append(",\"customer\":\"customer-").append(random.nextInt(100_000)).append('"')
                    .append(",\"region\":\"").append(REGIONS[random.nextInt(REGIONS.length)]).append('"')
                    .append(",\"amount\":").append(random.nextInt(1_000_000) / 100.0)
                    .append(",\"quantity\":").append(1 + random.nextInt(20))
                    .append(",\"express\":").append(random.nextBoolean())
                    .append(",\"created_at\":").append(t + i * 7L);
            if (random.nextInt(4) == 0) {
                sb.append(",\"note\":\"leave at the door, ring twice ").append(random.nextInt(1000)).append('"');
            }
            sb.append(",\"tags\":[\"web\",\"promo-").append(random.nextInt(50)).append("\"]}");
            out.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The baseline: what a hand-written JSON to Parquet job would do, nothing more. */
    private static void bareLoop(List<byte[]> data, Path file) throws IOException {
        Schema schema = new Schema.Parser().parse(SCHEMA);
        Schema tags = schema.getField("tags").schema();
        ObjectMapper mapper = new ObjectMapper();
        Files.createDirectories(file.getParent());
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(schema).withDataModel(GenericData.get()).withConf(new Configuration(false))
                .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(128L << 20).build()) {
            for (byte[] d : data) {
                JsonNode n = mapper.readTree(d);
                GenericData.Record rec = new GenericData.Record(schema);
                rec.put(0, n.get("order_id").longValue());
                rec.put(1, n.get("customer").textValue());
                rec.put(2, n.get("region").textValue());
                rec.put(3, n.get("amount").doubleValue());
                rec.put(4, n.get("quantity").intValue());
                rec.put(5, n.get("express").booleanValue());
                rec.put(6, n.get("created_at").longValue());
                JsonNode note = n.get("note");
                rec.put(7, note == null || note.isNull() ? null : note.textValue());
                List<Object> t = new ArrayList<>();
                n.get("tags").forEach(x -> t.add(x.textValue()));
                rec.put(8, new GenericData.Array<>(tags, t));
                w.write(rec);
            }
        }
    }

    private static void firehoseLoop(List<byte[]> data, Path root) throws Exception {
        DeliveryStreamConfig config = config(root, new BufferingHints(128, 900));
        try (ObjectStore store = ObjectStores.open(config.destination(), Map.of())) {
            ShardDelivery d = new ShardDelivery(config, "shardId-000000000000", store, seq -> { }, new DeliveryMetrics(),
                    Clock.systemUTC(), RetryPolicy.DEFAULT, Sleeper.REAL);
            long now = System.currentTimeMillis();
            for (int i = 0; i < data.size(); i++) {
                d.add(new SourceRecord("shardId-000000000000", seq(i), now, "k", data.get(i)));
            }
            d.flush();
        }
    }

    private static DeliveryStreamConfig config(Path root, BufferingHints hints) {
        return DeliveryStreamConfig.builder().name("bench").sourceStream("bench")
                .destination(root.toUri().toString()).prefix("orders/").avroSchema(SCHEMA)
                .compression(Compression.SNAPPY).bufferingHints(hints).build();
    }

    private static String seq(long position) {
        return BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(position)).toString();
    }

    /** Feeds records at {@code rateMBps}, arrival time = when fed; freshness per record from the metrics. */
    private static void freshness(List<byte[]> data, double rateMBps, int intervalS, int seconds, Path root)
            throws Exception {
        DeliveryStreamConfig config = config(root, new BufferingHints(128, intervalS));
        DeliveryMetrics metrics = new DeliveryMetrics();
        try (ObjectStore store = ObjectStores.open(config.destination(), Map.of())) {
            ShardDelivery d = new ShardDelivery(config, "shardId-000000000000", store, seq -> { }, metrics,
                    Clock.systemUTC(), RetryPolicy.DEFAULT, Sleeper.REAL);
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            double bytesPerNano = rateMBps * 1e6 / 1e9;
            long sent = 0;
            long i = 0;
            while (System.nanoTime() < end) {
                long due = start + (long) (sent / bytesPerNano);
                long now = System.nanoTime();
                if (now < due) {
                    d.maybeFlush();
                    Thread.sleep(Math.min(5, (due - now) / 1_000_000 + 1));
                    continue;
                }
                byte[] rec = data.get((int) (i % data.size()));
                d.add(new SourceRecord("shardId-000000000000", seq(i), System.currentTimeMillis(), "k", rec));
                sent += rec.length;
                i++;
            }
            // let the last interval end on its own, as a quiet stream would
            while (d.timeUntilFlush().isPresent()) {
                d.maybeFlush();
                Thread.sleep(10);
            }
        }
        Histogram h = metrics.freshnessHistogram();
        System.out.printf("RESULT w5_freshness rate_MBps=%.1f interval_s=%d records=%d objects=%d p50_ms=%d "
                        + "p99_ms=%d max_ms=%d%n", rateMBps, intervalS, h.getTotalCount(), metrics.deliveredObjects(),
                h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue());
    }

    private interface Task {
        void run() throws Exception;
    }

    private static double seconds(Task t) throws Exception {
        long start = System.nanoTime();
        t.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
