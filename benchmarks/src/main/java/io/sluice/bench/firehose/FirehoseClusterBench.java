package io.sluice.bench.firehose;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.client.producer.PutResult;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.Compression;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DataFormat;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * W5 through a cluster: a running broker and Firehose process, records put with the producer SDK into a stream that
 * a delivery stream reads with the consumer SDK and writes as Parquet (Snappy) to a local directory; the same JSON
 * orders as {@link FirehoseDeliveryBench}.
 * <ol>
 *   <li>Drain: {@code drainMB} of records are put first, then the delivery stream is created (16 MiB or 1 s, so
 *   that objects are cut by size and the last one waits at most a second); the time until all of them are delivered
 *   gives the input MB/s, and the Firehose process's CPU time over that span gives MB/s per
 *   core-second (the "on one core" figure).</li>
 *   <li>Freshness: records put at {@code rateMBps} for {@code seconds} into a second stream whose delivery stream has
 *   a {@code intervalS} buffering interval; record freshness (arrival in the stream to the completion of its object)
 *   p50/p99 from Firehose's /metrics.</li>
 * </ol>
 * Usage: {@code FirehoseClusterBench broker=HOST:PORT firehose=HOST:PORT metrics=HOST:PORT firehosePid=PID
 * dir=/abs/dir [drainMB=100] [rateMBps=5] [intervalS=10] [seconds=60] [shards=2]}
 */
public final class FirehoseClusterBench {
    private FirehoseClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("drainMB", "100", "rateMBps", "5", "intervalS", "10",
                "seconds", "60", "shards", "2"));
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("arguments are name=value, got '" + a + "'");
            }
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }
        for (String required : List.of("broker", "firehose", "metrics", "firehosePid", "dir")) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required + "=...");
            }
        }
        String broker = o.get("broker");
        int shards = Integer.parseInt(o.get("shards"));
        Path dir = Path.of(o.get("dir"));
        long firehosePid = Long.parseLong(o.get("firehosePid"));
        ManagedChannel brokerChannel = channel(broker);
        ManagedChannel firehoseChannel = channel(o.get("firehose"));
        Metrics metrics = new Metrics(o.get("metrics"));
        try (SluiceProducer producer = SluiceProducer.builder().endpoints(broker).lingerMs(10).build()) {
            StreamsGrpc.StreamsBlockingStub streams = StreamsGrpc.newBlockingStub(brokerChannel);
            FirehoseGrpc.FirehoseBlockingStub firehose = FirehoseGrpc.newBlockingStub(firehoseChannel);
            List<byte[]> data = FirehoseDeliveryBench.generate(200_000, new Random(42));

            // 1. Drain a backlog.
            streams.createStream(CreateStreamRequest.newBuilder().setStreamName("bench-drain").setShardCount(shards)
                    .build());
            long drainBytes = (long) (Double.parseDouble(o.get("drainMB")) * 1_000_000);
            long[] put = putAtRate(producer, "bench-drain", data, drainBytes, Double.MAX_VALUE);
            System.out.printf(Locale.ROOT, "drain: %d records, %.1f MB in the stream%n", put[0], put[1] / 1e6);
            long cpuBefore = cpuNanos(firehosePid);
            long start = System.nanoTime();
            firehose.createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                    definition("bench-drain-dlv", "bench-drain", dir, 16, 1)).build());
            awaitDelivered(metrics, "bench-drain-dlv", put[0], Duration.ofMinutes(10));
            double secs = (System.nanoTime() - start) / 1e9;
            double cpu = (cpuNanos(firehosePid) - cpuBefore) / 1e9;
            System.out.printf(Locale.ROOT, "RESULT w5_cluster_drain records=%d input_MB=%.1f seconds=%.1f "
                            + "input_MBps=%.1f firehose_cpu_s=%.1f MBps_per_core=%.1f%n", put[0], put[1] / 1e6, secs,
                    put[1] / 1e6 / secs, cpu, put[1] / 1e6 / cpu);

            // 2. Freshness at a fixed rate.
            int intervalS = Integer.parseInt(o.get("intervalS"));
            double rate = Double.parseDouble(o.get("rateMBps"));
            int seconds = Integer.parseInt(o.get("seconds"));
            streams.createStream(CreateStreamRequest.newBuilder().setStreamName("bench-fresh").setShardCount(shards)
                    .build());
            firehose.createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                    definition("bench-fresh-dlv", "bench-fresh", dir, 128, intervalS)).build());
            awaitMetricsFor(metrics, "bench-fresh-dlv", Duration.ofSeconds(60));
            Thread.sleep(3_000); // the delivery stream's worker takes its leases
            long[] fresh = putAtRate(producer, "bench-fresh", data, (long) (rate * 1e6 * seconds), rate * 1e6);
            awaitDelivered(metrics, "bench-fresh-dlv", fresh[0], Duration.ofSeconds(intervalS + 120L));
            Map<String, Double> m = metrics.scrape("bench-fresh-dlv");
            System.out.printf(Locale.ROOT, "RESULT w5_cluster_freshness rate_MBps=%.1f interval_s=%d records=%d "
                            + "p50_s=%.2f p99_s=%.2f%n", fresh[1] / 1e6 / seconds, intervalS, fresh[0],
                    m.getOrDefault("p50", Double.NaN), m.getOrDefault("p99", Double.NaN));
        } finally {
            brokerChannel.shutdownNow();
            firehoseChannel.shutdownNow();
        }
    }

    private static DeliveryStreamDefinition definition(String name, String stream, Path dir, int sizeMib,
                                                       int intervalS) {
        return DeliveryStreamDefinition.newBuilder().setDeliveryStreamName(name)
                .setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName(stream)
                .setDestination(dir.resolve(name).toUri().toString()).setDataFormat(DataFormat.PARQUET)
                .setCompression(Compression.SNAPPY).setAvroSchema(FirehoseDeliveryBench.SCHEMA)
                .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(sizeMib)
                        .setIntervalInSeconds(intervalS)).build();
    }

    /** Puts records (cycling over {@code data}) until {@code totalBytes}, at most {@code bytesPerSec}; acked. */
    private static long[] putAtRate(SluiceProducer producer, String stream, List<byte[]> data, long totalBytes,
                                    double bytesPerSec) throws Exception {
        List<CompletableFuture<PutResult>> acks = new ArrayList<>();
        long bytes = 0;
        long records = 0;
        long start = System.nanoTime();
        while (bytes < totalBytes) {
            byte[] r = data.get((int) (records % data.size()));
            double due = bytes / bytesPerSec;
            double now = (System.nanoTime() - start) / 1e9;
            if (due > now) {
                Thread.sleep(Math.max(1, (long) ((due - now) * 1000)));
            }
            acks.add(producer.put(stream, Long.toString(records), r));
            bytes += r.length;
            records++;
            if (acks.size() >= 50_000) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
                acks.clear();
            }
        }
        producer.flush();
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        return new long[] {records, bytes};
    }

    private static void awaitDelivered(Metrics metrics, String name, long records, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        double delivered = 0;
        while (System.nanoTime() < deadline) {
            delivered = metrics.scrape(name).getOrDefault("delivered", 0.0);
            if (delivered >= records) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + ": " + (long) delivered + " of " + records + " records delivered within "
                + timeout.toSeconds() + " s");
    }

    private static void awaitMetricsFor(Metrics metrics, String name, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!metrics.scrape(name).containsKey("delivered")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Firehose did not start " + name + " within " + timeout.toSeconds()
                        + " s");
            }
            Thread.sleep(200);
        }
    }

    /** utime + stime of a process, from /proc (Linux). */
    static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    private static ManagedChannel channel(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return NettyChannelBuilder.forAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1))).usePlaintext().build();
    }

    /** Scrapes Firehose's /metrics for one delivery stream: delivered records and record freshness p50/p99. */
    static final class Metrics {
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI uri;

        Metrics(String hostPort) {
            this.uri = URI.create("http://" + hostPort + "/metrics");
        }

        Map<String, Double> scrape(String deliveryStream) throws IOException, InterruptedException {
            String body = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Double> out = new HashMap<>();
            String ds = Pattern.quote(deliveryStream);
            Matcher d = Pattern.compile("(?m)^firehose_delivered_records_total\\{delivery_stream=\"" + ds
                    + "\"} (\\S+)$").matcher(body);
            if (d.find()) {
                out.put("delivered", Double.parseDouble(d.group(1)));
            }
            Matcher q = Pattern.compile("(?m)^firehose_record_freshness_seconds\\{delivery_stream=\"" + ds
                    + "\",quantile=\"(\\S+)\"} (\\S+)$").matcher(body);
            while (q.find()) {
                out.put(q.group(1).equals("0.5") ? "p50" : "p" + Math.round(Double.parseDouble(q.group(1)) * 100),
                        Double.parseDouble(q.group(2)));
            }
            return out;
        }
    }
}
