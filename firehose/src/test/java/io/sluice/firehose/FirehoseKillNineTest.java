package io.sluice.firehose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.firehose.delivery.ParquetFiles;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DeliveryStreamCatalogGrpc;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.testing.SluiceCluster;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Firehose process killed with SIGKILL in the middle of delivering a stream, then started again: every record of
 * the stream ends up in exactly one visible object, and every visible object is complete (readable Parquet).
 */
class FirehoseKillNineTest {
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"id\","
            + "\"type\":\"long\"},{\"name\":\"pad\",\"type\":\"string\"}]}";
    private static final int RECORDS = 6_000;
    @TempDir
    Path dir;

    private Process startFirehose(String brokerAddress, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), FirehoseMain.class.getName(),
                "--client.address=127.0.0.1:0", "--metrics.address=127.0.0.1:0", "--cluster.endpoints=" + brokerAddress,
                "--definitions.refresh.interval.ms=200", "--flush.check.interval.ms=50",
                "--lease.duration.ms=2000", "--instance.id=firehose-kill-test"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static List<Path> visibleFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return walkVisible(root);
            } catch (java.io.UncheckedIOException e) {
                if (attempt == 10) {
                    throw e; // the tree keeps changing under the walk: temporary files come and go
                }
            }
        }
    }

    private static List<Path> walkVisible(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            // Readers skip dot-files and _-prefixed directories (Firehose's own _sluice/ intents).
            return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !root.relativize(p).toString().startsWith("_sluice")).toList();
        }
    }

    /** Every delivered id; reading fails on an incomplete object. */
    private static List<Long> deliveredIds(Path root) throws IOException {
        List<Long> ids = new ArrayList<>();
        for (Path f : visibleFiles(root)) {
            for (GenericRecord r : ParquetFiles.read(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration())) {
                ids.add((Long) r.get("id"));
            }
        }
        return ids;
    }

    @Test
    void killNineMidDelivery_thenRestart_deliversEveryRecordExactlyOnce() throws Exception {
        Path lake = dir.resolve("lake");
        try (SluiceCluster cluster = SluiceCluster.start(dir.resolve("broker"), 1, Clock.systemUTC(), Map.of(
                "groups.per.broker", "1",
                "raft.election.timeout.min.ms", "300",
                "raft.election.timeout.max.ms", "600"))) {
            cluster.awaitReady();
            String brokerAddress = cluster.clientEndpoint(0);
            // The sequence number of the last record of each shard: delivery is over when every shard's lease is
            // checkpointed there.
            Map<String, BigInteger> lastByShard = new HashMap<>();
            ManagedChannel channel = NettyChannelBuilder.forTarget(brokerAddress).usePlaintext().build();
            try {
                StreamsGrpc.StreamsBlockingStub streams = StreamsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(120, TimeUnit.SECONDS);
                streams.createStream(CreateStreamRequest.newBuilder().setStreamName("orders").setShardCount(4)
                        .build());
                String pad = "p".repeat(1000);
                for (int start = 0; start < RECORDS; start += 500) {
                    PutRecordsRequest.Builder put = PutRecordsRequest.newBuilder().setStreamName("orders");
                    for (int id = start; id < start + 500; id++) {
                        put.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k" + id)
                                .setData(ByteString.copyFromUtf8("{\"id\":" + id + ",\"pad\":\"" + pad + "\"}")));
                    }
                    PutRecordsResponse stored = streams.putRecords(put.build());
                    assertThat(stored.getFailedRecordCount()).isZero();
                    DeliveryCheckpoints.noteLast(lastByShard, stored);
                }
                // Definitions are stored through the brokers' catalog, as a Firehose instance stores them.
                DeliveryStreamCatalogGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .createDeliveryStream(CreateDeliveryStreamRequest.newBuilder().setDefinition(
                                io.sluice.firehose.api.Definitions.toProto(io.sluice.firehose.api.Definitions.fromProto(
                                        DeliveryStreamDefinition.newBuilder().setDeliveryStreamName("orders-lake")
                                                .setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName("orders")
                                                .setAvroSchema(SCHEMA).setDestination(lake.toUri().toString())
                                                .setPrefix("orders/!{timestamp:yyyy/MM/dd}/")
                                                .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1)
                                                        .setIntervalInSeconds(2)).build(), "")))
                                .build());
            } finally {
                channel.shutdownNow();
            }

            Process first = startFirehose(brokerAddress, dir.resolve("firehose-1.log"));
            // Kill as soon as the first object is visible: the other shards' batches of ~1 MiB are being written.
            await("a first visible object (or the first process's end)").atMost(Duration.ofSeconds(90))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> !visibleFiles(lake).isEmpty() || !first.isAlive());
            assertThat(first.isAlive()).as("first Firehose process, see " + dir.resolve("firehose-1.log")).isTrue();
            int before = visibleFiles(lake).size();
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL
            assertThat(before).as("objects delivered before the kill").isBetween(1, RECORDS / 100);

            Process second = startFirehose(brokerAddress, dir.resolve("firehose-2.log"));
            ManagedChannel leases = NettyChannelBuilder.forTarget(brokerAddress).usePlaintext().build();
            try {
                await("all " + RECORDS + " records visible, see " + dir.resolve("firehose-2.log"))
                        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> deliveredIds(lake).size() >= RECORDS);
                // Would a duplicate object still appear, from a batch the restarted process delivers again from an
                // older checkpoint? Not once every shard's lease is checkpointed at the shard's last record: the
                // checkpoint comes after the batch's objects are completely written, and nothing before it is
                // read again. (The killed process is gone: waited for above.)
                await("every shard checkpointed at its last record").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> DeliveryCheckpoints.assertReached(
                                DeliveryCheckpoints.of(leases, "orders", "orders-lake"), lastByShard));
                List<Long> ids = deliveredIds(lake);
                Map<Long, Integer> counts = new HashMap<>();
                ids.forEach(id -> counts.merge(id, 1, Integer::sum));
                List<Long> expected = new ArrayList<>();
                for (long id = 0; id < RECORDS; id++) {
                    expected.add(id);
                }
                assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                        .as("records in two objects").isEmpty();
                assertThat(ids).as("see " + dir.resolve("firehose-2.log")).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(visibleFiles(lake)).allMatch(f -> f.toString().endsWith(".parquet")
                        && f.toString().contains(File.separator + "orders" + File.separator));
            } finally {
                leases.shutdownNow();
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
                // What the restart did (replayed batches are logged), for the test report.
                System.out.println("objects before the kill: " + before);
                for (String line : Files.readAllLines(dir.resolve("firehose-2.log"))) {
                    if (line.contains("replaying") || line.contains("delivering from")) {
                        System.out.println("restarted: " + line);
                    }
                }
            }
        }
    }
}
