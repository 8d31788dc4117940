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
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.SourceType;
import io.sluice.proto.v1.StreamsGrpc;
import io.sluice.testing.SluiceCluster;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Firehose instances deliver one stream together, sharing its shards through consumer leases (taking over
 * shards from each other while records keep coming): every record is delivered once, and both did part of it.
 */
class FirehoseSharedWorkTest {
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"id\","
            + "\"type\":\"long\"}]}";
    @TempDir
    Path dir;

    private static Firehose firehose(String id, String brokerAddress) throws IOException {
        return Firehose.start(FirehoseConfig.of(Map.of("instance.id", id, "client.address", "127.0.0.1:0",
                "metrics.address", "127.0.0.1:0", "cluster.endpoints", brokerAddress,
                "definitions.refresh.interval.ms", "200", "flush.check.interval.ms", "50",
                "lease.duration.ms", "3000")));
    }

    private static List<Long> deliveredIds(Path root) throws IOException {
        List<Long> ids = new ArrayList<>();
        if (!Files.exists(root)) {
            return ids;
        }
        List<Path> files;
        while (true) {
            try (Stream<Path> walk = Files.walk(root)) {
                files = walk.filter(p -> p.getFileName().toString().endsWith(".parquet")
                        && !p.getFileName().toString().startsWith(".")).toList();
                break;
            } catch (java.io.UncheckedIOException e) {
                // a temporary file vanished during the walk; walk again
            }
        }
        for (Path f : files) {
            for (GenericRecord r : ParquetFiles.read(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration())) {
                ids.add((Long) r.get("id"));
            }
        }
        return ids;
    }

    private static long deliveredBy(Firehose f) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + f.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("firehose_delivered_records_total\\{delivery_stream=\"shared\"} (\\d+)")
                .matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void twoInstances_shareTheShards_andDeliverEveryRecordOnce() throws Exception {
        Path lake = dir.resolve("lake");
        try (SluiceCluster cluster = SluiceCluster.start(dir.resolve("broker"), 1, Clock.systemUTC(),
                Map.of("groups.per.broker", "1", "raft.election.timeout.min.ms", "300",
                        "raft.election.timeout.max.ms", "600"));
             Firehose a = firehose("firehose-a", cluster.clientEndpoint(0));
             Firehose b = firehose("firehose-b", cluster.clientEndpoint(0))) {
            cluster.awaitReady();
            String brokerAddress = cluster.clientEndpoint(0);
            ManagedChannel channel = NettyChannelBuilder.forTarget(brokerAddress).usePlaintext().build();
            ManagedChannel api = NettyChannelBuilder.forTarget("127.0.0.1:" + a.port()).usePlaintext().build();
            try {
                StreamsGrpc.StreamsBlockingStub streams = StreamsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(120, TimeUnit.SECONDS);
                streams.createStream(CreateStreamRequest.newBuilder().setStreamName("in").setShardCount(4).build());
                FirehoseGrpc.newBlockingStub(api).withDeadlineAfter(60, TimeUnit.SECONDS).createDeliveryStream(
                        CreateDeliveryStreamRequest.newBuilder().setDefinition(DeliveryStreamDefinition.newBuilder()
                                .setDeliveryStreamName("shared").setSourceType(SourceType.SLUICE_STREAM)
                                .setSourceStreamName("in").setAvroSchema(SCHEMA).setPrefix("out/")
                                .setDestination(lake.toUri().toString())
                                .setBufferingHints(BufferingHints.newBuilder().setSizeInMibs(1)
                                        .setIntervalInSeconds(1))).build());
                int n = 0;
                long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                while (System.nanoTime() < until) {
                    PutRecordsRequest.Builder put = PutRecordsRequest.newBuilder().setStreamName("in");
                    for (int i = 0; i < 100; i++, n++) {
                        put.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k" + n)
                                .setData(ByteString.copyFromUtf8("{\"id\":" + n + "}")));
                    }
                    assertThat(streams.putRecords(put.build()).getFailedRecordCount()).isZero();
                    // Paces the producer (not a wait for a condition): records keep coming for 8 s while the two
                    // instances take shards from each other.
                    Thread.sleep(200);
                }
                int records = n;
                await("all " + records + " records delivered").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200)).until(() -> deliveredIds(lake).size() >= records);

                // Would a duplicate object still appear, e.g. from an instance that lost a shard with a batch
                // buffered, or one that reads a shard again from an older checkpoint? Put one marker record into
                // every shard now, after every record was delivered, and wait until every shard's lease is
                // checkpointed at its marker. Then each shard's owner has written and checkpointed everything up to
                // a record put after all the others were delivered (no owner reads them again), and the markers'
                // batches were due a buffering interval after the markers came, so every batch any instance
                // buffered before them was due earlier: delivered, or dropped with its lease, by then.
                Map<String, BigInteger> markers = new HashMap<>();
                List<Shard> shards = StreamsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .listShards(ListShardsRequest.newBuilder().setStreamName("in").build()).getShardsList();
                assertThat(shards).hasSize(4);
                PutRecordsRequest.Builder put = PutRecordsRequest.newBuilder().setStreamName("in");
                for (Shard shard : shards) {
                    put.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("marker")
                            .setExplicitHashKey(shard.getHashKeyRange().getStartingHashKey())
                            .setData(ByteString.copyFromUtf8("{\"id\":" + n++ + "}")));
                }
                PutRecordsResponse marked = StreamsGrpc.newBlockingStub(channel).withDeadlineAfter(30,
                        TimeUnit.SECONDS).putRecords(put.build());
                assertThat(marked.getFailedRecordCount()).isZero();
                DeliveryCheckpoints.noteLast(markers, marked);
                assertThat(markers.keySet()).as("a marker in every shard")
                        .containsExactlyInAnyOrderElementsOf(shards.stream().map(Shard::getShardId).toList());
                await("every shard checkpointed at its marker").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> DeliveryCheckpoints.assertReached(
                                DeliveryCheckpoints.of(channel, "in", "shared"), markers));
                List<Long> ids = deliveredIds(lake);
                Map<Long, Integer> counts = new HashMap<>();
                ids.forEach(id -> counts.merge(id, 1, Integer::sum));
                assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                        .as("records in two objects").isEmpty();
                List<Long> expected = new ArrayList<>();
                for (long id = 0; id < n; id++) {
                    expected.add(id);
                }
                assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(deliveredBy(a)).as("delivered by instance a").isPositive();
                assertThat(deliveredBy(b)).as("delivered by instance b").isPositive();
            } finally {
                channel.shutdownNow();
                api.shutdownNow();
            }
        }
    }
}
