package io.sluice.firehose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.firehose.delivery.ParquetFiles;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DataFormat;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.FirehoseRecord;
import io.sluice.proto.v1.PutRecordBatchRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.testing.SluiceCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Firehose process delivering end to end, against an in-process broker: records put directly (or into a source
 * stream) come out as Parquet or JSON lines in a local directory, each exactly once, bad ones in the error prefix;
 * nothing more is put after the last record, so the buffering interval is what delivers it.
 */
class FirehoseDeliveryTest {
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"id\","
            + "\"type\":\"long\"},{\"name\":\"kind\",\"type\":\"string\"}]}";
    @TempDir
    static Path dir;
    private static SluiceCluster cluster;
    private static Firehose firehose;
    private static ManagedChannel firehoseChannel;
    private static ManagedChannel brokerChannel;

    @TempDir
    static Path s3Root;
    private static org.gaul.s3proxy.S3Proxy s3Proxy;

    @BeforeAll
    static void start() throws Exception {
        org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore blobs =
                new org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore(s3Root.toString());
        blobs.createContainer(software.amazon.awssdk.services.s3.model.CreateBucketRequest.builder().bucket("lake")
                .build());
        s3Proxy = org.gaul.s3proxy.S3Proxy.builder().blobStore(blobs).endpoint(java.net.URI.create(
                        "http://127.0.0.1:0")).awsAuthentication(org.gaul.s3proxy.auth.AuthenticationType.AWS_V2_OR_V4,
                        "ak", "sk").stopTimeout(0).build();
        s3Proxy.start();
        await("S3Proxy started").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> s3Proxy.getState().equals("STARTED"));
        cluster = SluiceCluster.start(dir.resolve("broker"), 1, Clock.systemUTC(), Map.of(
                "groups.per.broker", "1",
                "raft.election.timeout.min.ms", "300",
                "raft.election.timeout.max.ms", "600"));
        cluster.awaitReady();
        String brokerAddress = cluster.clientEndpoint(0);
        firehose = Firehose.start(FirehoseConfig.of(Map.ofEntries(
                Map.entry("client.address", "127.0.0.1:0"),
                Map.entry("metrics.address", "127.0.0.1:0"),
                Map.entry("cluster.endpoints", brokerAddress),
                Map.entry("definitions.refresh.interval.ms", "200"),
                Map.entry("flush.check.interval.ms", "50"),
                Map.entry("lease.duration.ms", "3000"),
                Map.entry("s3a.endpoint", "http://127.0.0.1:" + s3Proxy.getPort()),
                Map.entry("s3a.path.style.access", "true"),
                Map.entry("s3a.region", "us-east-1"),
                Map.entry("s3a.access.key", "ak"),
                Map.entry("s3a.secret.key", "sk"))));
        firehoseChannel = NettyChannelBuilder.forTarget("127.0.0.1:" + firehose.port()).usePlaintext().build();
        brokerChannel = NettyChannelBuilder.forTarget(brokerAddress).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        if (firehoseChannel != null) {
            firehoseChannel.shutdownNow();
            brokerChannel.shutdownNow();
        }
        if (firehose != null) {
            firehose.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (s3Proxy != null) {
            try {
                s3Proxy.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static FirehoseGrpc.FirehoseBlockingStub api() {
        return FirehoseGrpc.newBlockingStub(firehoseChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> walk = Files.walk(root)) {
                return walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(suffix))
                        .toList();
            } catch (java.io.UncheckedIOException e) {
                if (attempt == 10) {
                    throw e; // the tree keeps changing under the walk: temporary files come and go
                }
            }
        }
    }

    private static List<Long> deliveredIds(Path root) throws IOException {
        List<Long> ids = new ArrayList<>();
        for (Path f : files(root, ".parquet")) {
            if (!f.getFileName().toString().startsWith(".")) {
                for (GenericRecord r : ParquetFiles.read(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration())) {
                    ids.add((Long) r.get("id"));
                }
            }
        }
        return ids;
    }

    /** Waits until at least {@code expected} rows were delivered, then returns what was delivered. */
    private static List<Long> awaitIds(Path root, int expected) {
        AtomicReference<List<Long>> ids = new AtomicReference<>(List.of());
        await("rows delivered under " + root).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    ids.set(deliveredIds(root));
                    assertThat(ids.get()).hasSizeGreaterThanOrEqualTo(expected);
                });
        return ids.get();
    }

    @Test
    void directPut_isDeliveredAsParquetExactlyOnce_andAQuietStreamFlushesOnItsInterval() throws Exception {
        Path lake = dir.resolve("lake-direct");
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                DeliveryStreamDefinition.newBuilder().setDeliveryStreamName("direct").setAvroSchema(SCHEMA)
                        .setDestination(lake.toUri().toString()).setPrefix("events/")
                        .setBackingStreamShards(2)
                        .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1).setIntervalInSeconds(1)))
                .build());
        List<Long> expected = new ArrayList<>();
        for (int batch = 0; batch < 3; batch++) {
            PutRecordBatchRequest.Builder b = PutRecordBatchRequest.newBuilder().setDeliveryStreamName("direct");
            for (int i = 0; i < 100; i++) {
                long id = batch * 100L + i;
                String json = id % 97 == 5 ? "{\"id\": " + id + ", broken" : "{\"id\":" + id + ",\"kind\":\"k\"}";
                if (id % 97 != 5) {
                    expected.add(id);
                }
                b.addRecords(FirehoseRecord.newBuilder().setData(ByteString.copyFromUtf8(json)));
            }
            assertThat(api().putRecordBatch(b.build()).getFailedPutCount()).isZero();
        }
        List<Long> delivered = awaitIds(lake.resolve("events"), expected.size());
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(expected);
        List<Path> errors = files(lake.resolve("errors"), ".jsonl.snappy"); // the delivery stream's compression
        List<String> errorLines = new ArrayList<>();
        for (Path f : errors) {
            try (java.io.InputStream in = new org.xerial.snappy.SnappyFramedInputStream(Files.newInputStream(f))) {
                errorLines.addAll(List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .split("\n")));
            }
        }
        assertThat(errorLines).hasSize(300 - expected.size()).allMatch(l -> l.contains("\"errorCode\":\"JSON_PARSE_ERROR\""));
        assertThat(files(lake, ".tmp")).isEmpty();

        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + firehose.metricsPort() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).contains("firehose_incoming_records_total{delivery_stream=\"direct\"} 300\n")
                .contains("firehose_delivered_records_total{delivery_stream=\"direct\"} " + expected.size() + "\n")
                .contains("firehose_failed_records_total{delivery_stream=\"direct\"} " + (300 - expected.size()) + "\n")
                .contains("firehose_data_freshness_seconds{delivery_stream=\"direct\"} 0.000\n")
                .contains("firehose_record_freshness_seconds_count{delivery_stream=\"direct\"} 300\n");
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + firehose.metricsPort() + "/health")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .body()).isEqualTo("ok\n");
    }

    @Test
    void directPut_toS3ThroughS3A_withTheProcessesS3Settings() throws Exception {
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                DeliveryStreamDefinition.newBuilder().setDeliveryStreamName("to-s3").setAvroSchema(SCHEMA)
                        .setDestination("s3a://lake/firehose").setPrefix("events/!{partitionKey:kind}/")
                        .setCompression(io.sluice.proto.v1.Compression.ZSTD)
                        .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1).setIntervalInSeconds(1)))
                .build());
        PutRecordBatchRequest.Builder b = PutRecordBatchRequest.newBuilder().setDeliveryStreamName("to-s3");
        List<Long> expected = new ArrayList<>();
        for (long id = 0; id < 200; id++) {
            b.addRecords(FirehoseRecord.newBuilder().setData(ByteString.copyFromUtf8("{\"id\":" + id
                    + ",\"kind\":\"" + (id % 2 == 0 ? "even" : "odd") + "\"}")));
            expected.add(id);
        }
        assertThat(api().putRecordBatch(b.build()).getFailedPutCount()).isZero();
        // S3Proxy's filesystem store keeps objects as files under bucket/key: read them as a reader of the bucket
        List<Long> delivered = awaitIds(s3Root.resolve("lake").resolve("firehose").resolve("events"),
                expected.size());
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(files(s3Root.resolve("lake").resolve("firehose").resolve("events"), ".parquet"))
                .allMatch(f -> f.getParent().getFileName().toString().matches("even|odd"));
    }

    @Test
    void sluiceStreamSource_isDeliveredAsJsonLines() throws Exception {
        Path lake = dir.resolve("lake-stream");
        StreamsGrpc.StreamsBlockingStub streams = StreamsGrpc.newBlockingStub(brokerChannel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        streams.createStream(CreateStreamRequest.newBuilder().setStreamName("clicks").setShardCount(3).build());
        PutRecordsRequest.Builder put = PutRecordsRequest.newBuilder().setStreamName("clicks");
        for (int i = 0; i < 60; i++) {
            put.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("user-" + i)
                    .setData(ByteString.copyFromUtf8("{\"click\":" + i + "}")));
        }
        assertThat(streams.putRecords(put.build()).getFailedRecordCount()).isZero();
        api().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                DeliveryStreamDefinition.newBuilder().setDeliveryStreamName("clicks-out")
                        .setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName("clicks")
                        .setDataFormat(DataFormat.JSON_LINES).setDestination(lake.toUri().toString())
                        .setPrefix("clicks/").setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1)
                                .setIntervalInSeconds(1)))
                .build());
        List<String> lines = new ArrayList<>();
        await("60 lines delivered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    lines.clear();
                    for (Path f : files(lake.resolve("clicks"), ".jsonl.snappy")) {
                        try (var in = new org.xerial.snappy.SnappyFramedInputStream(Files.newInputStream(f))) {
                            lines.addAll(List.of(new String(in.readAllBytes(),
                                    java.nio.charset.StandardCharsets.UTF_8).split("\n")));
                        }
                    }
                    assertThat(lines).hasSizeGreaterThanOrEqualTo(60);
                });
        List<String> clicks = lines.stream().map(l -> l.substring(0, l.indexOf(",\"_shard_id\""))).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            expected.add("{\"click\":" + i);
        }
        assertThat(clicks).containsExactlyInAnyOrderElementsOf(expected);
    }
}
