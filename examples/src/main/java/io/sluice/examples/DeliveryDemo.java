package io.sluice.examples;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.client.producer.PutResult;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.Compression;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DataFormat;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * The main job's demo, against a running broker and Firehose: creates the stream {@code demo-events} and the delivery
 * stream {@code demo-to-parquet} (Parquet, to a local directory) if missing, puts sample JSON events with the
 * producer SDK, waits until every one of them is in a delivered Parquet object, and shows the objects, their row
 * counts and a few rows, read back with parquet-avro. Exits 0 when every event of this run was delivered exactly
 * once, 1 otherwise (missing or duplicated events, or the timeout). Running it again reuses both streams.
 *
 * <p>Usage: {@code DeliveryDemo [--broker=HOST:PORT] [--firehose=HOST:PORT] [--destination=file:///DIR]
 * [--events=N] [--timeout-s=S]}.
 */
public final class DeliveryDemo {
    static final String STREAM = "demo-events";
    static final String DELIVERY_STREAM = "demo-to-parquet";
    static final String SCHEMA = """
            {"type": "record", "name": "DemoEvent", "namespace": "io.sluice.demo", "fields": [
              {"name": "event_id", "type": "string"},
              {"name": "user", "type": "string"},
              {"name": "action", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "event_time", "type": "string"}]}""";
    private static final String[] ACTIONS = {"view", "click", "add_to_cart", "purchase"};

    private DeliveryDemo() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("broker", "127.0.0.1:7700", "firehose", "127.0.0.1:7900",
                "destination", Path.of("data/delivered").toAbsolutePath().toUri().toString(), "events", "200",
                "timeout-s", "120"));
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0 || !opts.containsKey(a.substring(2, eq))) {
                System.err.println("usage: DeliveryDemo [--broker=HOST:PORT] [--firehose=HOST:PORT] "
                        + "[--destination=file:///DIR] [--events=N] [--timeout-s=S]\nunknown argument: " + a);
                System.exit(2);
            }
            opts.put(a.substring(2, eq), a.substring(eq + 1));
        }
        System.exit(run(opts.get("broker"), opts.get("firehose"), opts.get("destination"),
                Integer.parseInt(opts.get("events")), Integer.parseInt(opts.get("timeout-s"))));
    }

    static int run(String broker, String firehose, String destination, int events, int timeoutS) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        ManagedChannel brokerChannel = channel(broker);
        ManagedChannel firehoseChannel = channel(firehose);
        try {
            StreamsGrpc.StreamsBlockingStub streams = StreamsGrpc.newBlockingStub(brokerChannel);
            FirehoseGrpc.FirehoseBlockingStub deliveries = FirehoseGrpc.newBlockingStub(firehoseChannel);
            awaitReady("the broker at " + broker, deadline,
                    () -> streams.withDeadlineAfter(5, TimeUnit.SECONDS).listStreams(
                            ListStreamsRequest.getDefaultInstance()));
            awaitReady("Firehose at " + firehose, deadline,
                    () -> deliveries.withDeadlineAfter(5, TimeUnit.SECONDS).listDeliveryStreams(
                            ListDeliveryStreamsRequest.getDefaultInstance()));
            createOrReuse("stream " + STREAM, () -> streams.withDeadlineAfter(30, TimeUnit.SECONDS).createStream(
                    CreateStreamRequest.newBuilder().setStreamName(STREAM).setShardCount(2).build()));
            createOrReuse("delivery stream " + DELIVERY_STREAM, () -> deliveries.withDeadlineAfter(30,
                    TimeUnit.SECONDS).createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                    .setDefinition(definition(destination)).build()));
            String delivered = deliveries.withDeadlineAfter(30, TimeUnit.SECONDS).describeDeliveryStream(
                    DescribeDeliveryStreamRequest.newBuilder().setDeliveryStreamName(DELIVERY_STREAM).build())
                    .getDescription().getDefinition().getDestination();
            if (!delivered.startsWith("file:")) {
                System.out.println("delivery stream " + DELIVERY_STREAM + " delivers to " + delivered
                        + ", not to a local directory; this demo only reads local directories");
                return 1;
            }
            Path root = Path.of(URI.create(delivered));

            String run = Long.toString(System.currentTimeMillis(), 36);
            long start = System.nanoTime();
            put(broker, run, events);
            System.out.printf(Locale.ROOT, "put %d JSON events (event_id %s-0 .. %s-%d) into %s with the producer SDK%n",
                    events, run, run, events - 1, STREAM);
            System.out.println("waiting for " + DELIVERY_STREAM + " to deliver them to " + root
                    + " (it buffers up to 5 s) ...");
            return awaitDelivery(root, run, events, deadline, start);
        } finally {
            brokerChannel.shutdownNow();
            firehoseChannel.shutdownNow();
        }
    }

    static DeliveryStreamDefinition definition(String destination) {
        return DeliveryStreamDefinition.newBuilder().setDeliveryStreamName(DELIVERY_STREAM)
                .setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName(STREAM).setDestination(destination)
                .setPrefix("events/!{timestamp:yyyy/MM/dd/HH}/").setDataFormat(DataFormat.PARQUET)
                .setCompression(Compression.SNAPPY).setAvroSchema(SCHEMA)
                .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1).setIntervalInSeconds(5)).build();
    }

    private static void put(String broker, String run, int events) throws Exception {
        try (SluiceProducer producer = SluiceProducer.builder().endpoints(broker).lingerMs(20).build()) {
            List<CompletableFuture<PutResult>> acks = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                String user = "user-" + (i % 7);
                String json = String.format(Locale.ROOT, "{\"event_id\": \"%s-%d\", \"user\": \"%s\", "
                                + "\"action\": \"%s\", \"amount\": %.2f, \"event_time\": \"%s\"}", run, i, user,
                        ACTIONS[i % ACTIONS.length], (i * 37 % 1000) / 10.0, Instant.now());
                acks.add(producer.put(STREAM, user, json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    /** Reads every new Parquet object under {@code root} until this run's events are all there, then shows them. */
    private static int awaitDelivery(Path root, String run, int events, long deadline, long start)
            throws IOException, InterruptedException {
        Configuration conf = new Configuration();
        Map<Path, Long> rowsPerObject = new TreeMap<>();
        Map<Path, Integer> thisRunPerObject = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        List<GenericRecord> sample = new ArrayList<>();
        String prefix = run + "-";
        while (true) {
            for (Path object : parquetObjects(root)) {
                if (rowsPerObject.containsKey(object)) {
                    continue;
                }
                int mine = 0;
                long rows = 0;
                try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
                        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(object.toUri()), conf))
                        .withDataModel(GenericData.get()).build()) {
                    for (GenericRecord r; (r = reader.read()) != null; ) {
                        rows++;
                        String id = r.get("event_id").toString();
                        if (id.startsWith(prefix)) {
                            mine++;
                            seen.merge(id, 1, Integer::sum);
                            if (sample.size() < 5) {
                                sample.add(r);
                            }
                        }
                    }
                }
                rowsPerObject.put(object, rows);
                if (mine > 0) {
                    thisRunPerObject.put(object, mine);
                }
            }
            if (seen.size() == events || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.println();
        System.out.println("objects holding this run's events:");
        thisRunPerObject.forEach((object, mine) -> System.out.printf(Locale.ROOT, "  %s  %d rows (%d from this run)%n",
                root.relativize(object), rowsPerObject.get(object), mine));
        System.out.println();
        System.out.println("a few rows (parquet-avro):");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("event_id", "user", "action", "amount", "_shard_id", "_sequence_number", "_arrival_time"));
        for (GenericRecord r : sample) {
            rows.add(List.of(str(r, "event_id"), str(r, "user"), str(r, "action"), str(r, "amount"),
                    str(r, "_shard_id"), abbreviate(str(r, "_sequence_number")),
                    Instant.ofEpochMilli((Long) r.get("_arrival_time")).toString()));
        }
        printTable(rows);
        long duplicates = seen.values().stream().filter(n -> n > 1).count();
        long total = rowsPerObject.values().stream().mapToLong(Long::longValue).sum();
        System.out.println();
        System.out.printf(Locale.ROOT, "%d of %d events delivered in %.1f s, %d duplicated; %s now holds %d Parquet "
                        + "objects with %d rows in all%n", seen.size(), events, secs, duplicates, root,
                rowsPerObject.size(), total);
        if (seen.size() != events || duplicates > 0) {
            System.out.println("FAILED: " + (events - seen.size()) + " events missing, " + duplicates
                    + " duplicated (see data/firehose.log)");
            return 1;
        }
        return 0;
    }

    /** Visible Parquet objects under {@code root}: not hidden, not under Firehose's {@code _sluice} markers. */
    static List<Path> parquetObjects(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> visible(root.relativize(f)))
                    .sorted().toList();
        }
    }

    private static boolean visible(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.startsWith(".") || name.startsWith("_")) {
                return false;
            }
        }
        return true;
    }

    private static String str(GenericRecord r, String field) {
        Object v = r.get(field);
        return v == null ? "" : v.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 16 ? s : s.substring(0, 6) + ".." + s.substring(s.length() - 8);
    }

    private static void printTable(List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder b = new StringBuilder("  ");
            for (int i = 0; i < r.size(); i++) {
                b.append(String.format(Locale.ROOT, "%-" + width[i] + "s  ", r.get(i)));
            }
            System.out.println(b.toString().stripTrailing());
        }
    }

    private static ManagedChannel channel(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return NettyChannelBuilder.forAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1))).usePlaintext().build();
    }

    private interface Call {
        void run();
    }

    private static void awaitReady(String what, long deadline, Call call) throws InterruptedException {
        while (true) {
            try {
                call.run();
                return;
            } catch (StatusRuntimeException e) {
                SluiceException se = GrpcErrors.fromThrowable(e);
                if (!se.retriable() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " is not ready: " + se.getMessage(), e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static void createOrReuse(String what, Call create) {
        try {
            create.run();
            System.out.println("created " + what);
        } catch (StatusRuntimeException e) {
            if (GrpcErrors.fromThrowable(e).code() != ErrorCode.RESOURCE_IN_USE) {
                throw e;
            }
            System.out.println(what + " exists; reusing it");
        }
    }
}
