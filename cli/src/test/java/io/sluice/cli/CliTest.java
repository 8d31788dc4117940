package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.sluice.firehose.Firehose;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.proto.v1.CreateDeliveryStreamResponse;
import io.sluice.proto.v1.DescribeDeliveryStreamResponse;
import io.sluice.proto.v1.FirehosePutRecordResponse;
import io.sluice.proto.v1.ListApplicationsResponse;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.DescribeStreamSummaryResponse;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.ListStreamsResponse;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.Record;
import io.sluice.testing.SluiceCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every CLI command end to end against a real in-process broker; JSON output parsed back into the API's messages. */
class CliTest {
    @TempDir
    static Path dir;
    static SluiceCluster cluster;
    static String endpoint;
    static Firehose firehose;
    static String firehoseEndpoint;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = SluiceCluster.start(dir.resolve("b"), 1);
        cluster.awaitReady();
        endpoint = cluster.clientEndpoint(0);
        await("every group of the broker elects a leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(CliTest::everyGroupHasALeader);
        firehose = Firehose.start(FirehoseConfig.of(Map.of("client.address", "127.0.0.1:0",
                "metrics.address", "127.0.0.1:0", "cluster.endpoints", endpoint,
                "definitions.refresh.interval.ms", "200", "flush.check.interval.ms", "50")));
        firehoseEndpoint = "127.0.0.1:" + firehose.port();
    }

    private static boolean everyGroupHasALeader() throws IOException {
        Result r = run("cluster", "status", "--output", "json");
        if (r.exit != 0) {
            return false;
        }
        DescribeClusterResponse c = parse(r.out, DescribeClusterResponse.newBuilder()).build();
        return c.getGroupsCount() > 0 && c.getGroupsList().stream().noneMatch(g -> g.getLeaderNodeId().isEmpty()
                || g.getCommitIndex() < 0);
    }

    @AfterAll
    static void stop() {
        firehose.close();
        cluster.close();
    }

    static Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.stream().noneMatch(a -> a.startsWith("--endpoint"))) {
            all.add("--endpoint=" + endpoint);
        }
        if (all.stream().noneMatch(a -> a.startsWith("--firehose-endpoint"))) {
            all.add("--firehose-endpoint=" + firehoseEndpoint);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = SluiceCli.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static <T extends Message.Builder> T parse(String json, T builder) throws IOException {
        JsonFormat.parser().merge(json, builder);
        return builder;
    }

    @Test
    void streamLifecycle_createDescribeListShardsDelete() throws Exception {
        Result created = run("stream", "create", "orders", "--shards", "4", "--output", "json");
        assertThat(created.exit).as(created.err).isZero();
        assertThat(parse(created.out, CreateStreamResponse.newBuilder()).getStream().getOpenShardCount()).isEqualTo(4);

        Result described = run("stream", "describe", "orders", "--output", "json");
        assertThat(parse(described.out, DescribeStreamSummaryResponse.newBuilder()).getStreamDescriptionSummary()
                .getStreamName()).isEqualTo("orders");
        assertThat(run("stream", "describe", "orders").out).contains("orders").contains("ACTIVE");

        Result listed = run("stream", "list", "--output", "json");
        assertThat(parse(listed.out, ListStreamsResponse.newBuilder()).getStreamNamesList()).contains("orders");

        Result shards = run("shard", "list", "orders", "--output", "json");
        assertThat(parse(shards.out, ListShardsResponse.newBuilder()).getShardsList()).hasSize(4);
        assertThat(run("shard", "list", "orders").out).contains("shardId-000000000003").contains("open");

        Result deleted = run("stream", "delete", "orders");
        assertThat(deleted.exit).isZero();
        assertThat(deleted.out).contains("deleted stream orders");
        Result gone = run("stream", "describe", "orders");
        assertThat(gone.exit).isEqualTo(SluiceCli.Exit.NOT_FOUND);
        assertThat(gone.err).contains("orders").contains("sluice stream list");
    }

    @Test
    void putOneRecord_andLinesFromAFile_thenGetAndTailReadThemBackInOrder() throws Exception {
        assertThat(run("stream", "create", "events", "--shards", "1").exit).isZero();
        Result one = run("put", "events", "--key", "k", "hello", "--output", "json");
        assertThat(one.exit).as(one.err).isZero();
        PutRecordResponse first = parse(one.out, PutRecordResponse.newBuilder()).build();
        assertThat(first.getShardId()).isEqualTo("shardId-000000000000");

        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            lines.add("{\"n\": " + i + "}");
        }
        Path file = dir.resolve("lines.txt");
        Files.write(file, lines);
        Result many = run("put", "events", "--file", file.toString(), "--output", "json");
        assertThat(many.exit).as(many.err).isZero();
        assertThat(many.out).contains("\"put\": 1200").contains("\"failed\": 0");
        assertThat(many.err).as("no progress output when not on a terminal").isEmpty();

        Result got = run("get", "events", "--shard-id", "shardId-000000000000", "--limit", "2000", "--output", "json");
        List<String> data = new ArrayList<>();
        for (Record r : parse(got.out, GetRecordsResponse.newBuilder()).getRecordsList()) {
            data.add(r.getData().toStringUtf8());
        }
        List<String> expected = new ArrayList<>(List.of("hello"));
        expected.addAll(lines);
        assertThat(data).containsExactlyElementsOf(expected);

        Result after = run("get", "events", "--shard-id", "shardId-000000000000", "--type", "AFTER_SEQUENCE_NUMBER",
                "--sequence-number", first.getSequenceNumber(), "--limit", "1", "--output", "json");
        assertThat(parse(after.out, GetRecordsResponse.newBuilder()).getRecords(0).getData().toStringUtf8())
                .isEqualTo(lines.get(0));

        Result tail = run("tail", "events", "--shard-id", "shardId-000000000000", "--type", "TRIM_HORIZON",
                "--max-records", "3", "--for", "20", "--output", "json");
        String[] jsonLines = tail.out.strip().split("\n");
        assertThat(jsonLines).hasSize(3);
        assertThat(parse(jsonLines[2], Record.newBuilder()).getData().toStringUtf8()).isEqualTo(lines.get(1));
    }

    @Test
    void consumerLeases_showOwnersCheckpointsAndLag() throws Exception {
        assertThat(run("stream", "create", "clicks", "--shards", "2").exit).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(run("put", "clicks", "--explicit-hash-key", "0", "r" + i).exit).isZero();
        }
        Thread.sleep(50); // not a wait for a condition: the gap in arrival times that the lag below measures
        assertThat(run("put", "clicks", "--explicit-hash-key", "0", "newest").exit).isZero();
        Result got = run("get", "clicks", "--shard-id", "shardId-000000000000", "--output", "json");
        String second = parse(got.out, GetRecordsResponse.newBuilder()).getRecords(1).getSequenceNumber();

        var channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(endpoint).usePlaintext()
                .build();
        try {
            var leases = io.sluice.proto.v1.LeasesGrpc.newBlockingStub(channel);
            var lease = leases.acquireLease(io.sluice.proto.v1.AcquireLeaseRequest.newBuilder()
                    .setApplication("billing").setStreamName("clicks").setShardId("shardId-000000000000")
                    .setWorkerId("worker-1").setLeaseDurationMs(60_000).build()).getLease();
            leases.checkpoint(io.sluice.proto.v1.CheckpointRequest.newBuilder().setApplication("billing")
                    .setStreamName("clicks").setShardId("shardId-000000000000").setWorkerId("worker-1")
                    .setLeaseCounter(lease.getLeaseCounter()).setSequenceNumber(second).build());
        } finally {
            channel.shutdownNow();
        }

        Result r = run("consumer", "leases", "billing", "clicks", "--output", "json");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("\"shardId\": \"shardId-000000000000\", \"owner\": \"worker-1\"")
                .contains("\"checkpoint\": \"" + second + "\"")
                .contains("\"shardId\": \"shardId-000000000001\", \"owner\": \"\"");
        java.util.regex.Matcher lag = java.util.regex.Pattern.compile("\"lagMs\": (\\d+)").matcher(r.out);
        assertThat(lag.find()).isTrue();
        assertThat(Long.parseLong(lag.group(1))).as("r2 is behind 'newest' by the 50 ms pause")
                .isGreaterThanOrEqualTo(40);
        assertThat(lag.find()).isTrue();
        assertThat(Long.parseLong(lag.group(1))).as("an empty shard has no lag").isZero();
        assertThat(run("consumer", "leases", "billing", "clicks").out).contains("worker-1").contains("(free)");
    }

    @Test
    void consumerApplications_listsEveryApplicationWithItsWorkers() throws Exception {
        assertThat(run("stream", "create", "views", "--shards", "3").exit).isZero();
        var channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(endpoint).usePlaintext()
                .build();
        try {
            var leases = io.sluice.proto.v1.LeasesGrpc.newBlockingStub(channel);
            for (String worker : List.of("w-1", "w-2")) {
                leases.acquireLease(io.sluice.proto.v1.AcquireLeaseRequest.newBuilder().setApplication("reports")
                        .setStreamName("views").setShardId(worker.equals("w-1") ? "shardId-000000000000"
                                : "shardId-000000000002")
                        .setWorkerId(worker).setLeaseDurationMs(60_000).build());
            }
        } finally {
            channel.shutdownNow();
        }
        Result r = run("consumer", "applications", "--stream", "views", "--output", "json");
        assertThat(r.exit).as(r.err).isZero();
        ListApplicationsResponse apps = parse(r.out, ListApplicationsResponse.newBuilder()).build();
        assertThat(apps.getApplicationsList()).hasSize(1);
        assertThat(apps.getApplications(0).getApplication()).isEqualTo("reports");
        assertThat(apps.getApplications(0).getShardCount()).isEqualTo(3);
        assertThat(apps.getApplications(0).getOwnedLeases()).isEqualTo(2);
        assertThat(apps.getApplications(0).getWorkersList()).containsExactly("w-1", "w-2");
        assertThat(run("consumer", "applications").out).contains("reports").contains("views").contains("w-1,w-2");
        Result missing = run("consumer", "applications", "--stream", "no-such-stream");
        assertThat(missing.exit).isEqualTo(SluiceCli.Exit.NOT_FOUND);
    }

    @Test
    void firehose_createDescribeListPutDelete_andThePutRecordsAreDelivered() throws Exception {
        Path out = dir.resolve("delivered");
        Result created = run("firehose", "create", "audit", "--destination", out.toUri().toString(),
                "--format", "json_lines", "--compression", "none", "--buffer-seconds", "0", "--output", "json");
        assertThat(created.exit).as(created.err).isZero();
        var description = parse(created.out, CreateDeliveryStreamResponse.newBuilder()).getDescription();
        assertThat(description.getDefinition().getSourceStreamName()).isEqualTo("firehose-audit");

        Result described = run("firehose", "describe", "audit", "--output", "json");
        assertThat(parse(described.out, DescribeDeliveryStreamResponse.newBuilder()).getDescription()
                .getDefinition().getDestination()).isEqualTo(description.getDefinition().getDestination());
        assertThat(run("firehose", "describe", "audit").out).contains("JSON_LINES").contains("DIRECT_PUT");
        assertThat(parse(run("firehose", "list", "--output", "json").out, ListDeliveryStreamsResponse.newBuilder())
                .getDeliveryStreamNamesList()).contains("audit");
        assertThat(run("firehose", "list").out).contains("audit");

        Result one = run("firehose", "put", "audit", "{\"n\": -1}", "--output", "json");
        assertThat(one.exit).as(one.err).isZero();
        assertThat(parse(one.out, FirehosePutRecordResponse.newBuilder()).getRecordId()).contains(":");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            lines.add("{\"n\": " + i + "}");
        }
        lines.add("x".repeat(FirehoseCommands.MAX_RECORD_BYTES + 1));
        Path file = dir.resolve("audit.jsonl");
        Files.write(file, lines);
        Result many = run("firehose", "put", "audit", "--file", file.toString(), "--output", "json");
        assertThat(many.exit).as("one line over the record limit").isEqualTo(SluiceCli.Exit.INVALID);
        assertThat(many.out).contains("\"put\": 700").contains("\"failed\": 1").contains("line 701")
                .contains("1024000");

        await("701 records delivered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(deliveredNumbers(out)).as("records delivered so far")
                        .hasSizeGreaterThanOrEqualTo(701));
        List<Long> delivered = deliveredNumbers(out);
        List<Long> expected = new ArrayList<>();
        for (long i = -1; i < 700; i++) {
            expected.add(i);
        }
        assertThat(delivered).as("every accepted record delivered once").containsExactlyInAnyOrderElementsOf(expected);

        Result deleted = run("firehose", "delete", "audit");
        assertThat(deleted.exit).isZero();
        Result gone = run("firehose", "describe", "audit");
        assertThat(gone.exit).isEqualTo(SluiceCli.Exit.NOT_FOUND);
        assertThat(gone.err).contains("audit").contains("sluice firehose list");

        Result down = run("firehose", "list", "--firehose-endpoint=127.0.0.1:" + freePort(), "--timeout", "5");
        assertThat(down.exit).isEqualTo(SluiceCli.Exit.UNAVAILABLE);
        assertThat(down.err).contains("check that a Firehose process listens on");
        Result noSchema = run("firehose", "create", "typed", "--destination", out.toUri().toString());
        assertThat(noSchema.exit).as("PARQUET without a schema").isEqualTo(SluiceCli.Exit.INVALID);
        assertThat(noSchema.err).contains("avro_schema");
    }

    /** The "n" member of every delivered JSON line under {@code root} (visible files only). */
    private static List<Long> deliveredNumbers(Path root) throws IOException {
        List<Long> numbers = new ArrayList<>();
        if (!Files.exists(root)) {
            return numbers;
        }
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")
                    && !f.getFileName().toString().startsWith("_") && f.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"n\":\\s*(-?\\d+)").matcher(line);
                    if (m.find()) {
                        numbers.add(Long.parseLong(m.group(1)));
                    }
                }
            }
        }
        return numbers;
    }

    @Test
    void clusterStatus_namesTheBrokerAndEveryGroupWithALeader() throws Exception {
        Result r = run("cluster", "status", "--output", "json");
        DescribeClusterResponse c = parse(r.out, DescribeClusterResponse.newBuilder()).build();
        assertThat(c.getBrokersList()).extracting(b -> b.getClientAddress()).containsExactly(endpoint);
        assertThat(c.getGroupsList()).isNotEmpty().allSatisfy(g -> assertThat(g.getLeaderNodeId()).isNotEmpty());
        assertThat(run("cluster", "status").out).contains("GROUP").contains("LEADER");
    }

    @Test
    void clearErrors_badArguments_brokerRefusals_unreachableEndpoint() throws Exception {
        Result usage = run("stream", "create", "x");
        assertThat(usage.exit).isEqualTo(SluiceCli.Exit.USAGE);
        assertThat(usage.err).contains("--shards");

        Result badName = run("stream", "create", "bad name!", "--shards", "1");
        assertThat(badName.exit).isEqualTo(SluiceCli.Exit.INVALID);
        assertThat(badName.err).contains("stream_name");

        Result noShard = run("get", "nope", "--shard-id", "shardId-000000000000");
        assertThat(noShard.exit).isEqualTo(SluiceCli.Exit.NOT_FOUND);

        int closed = freePort();
        Result down = run("stream", "list", "--endpoint=127.0.0.1:" + closed, "--timeout", "5");
        assertThat(down.exit).isEqualTo(SluiceCli.Exit.UNAVAILABLE);
        assertThat(down.err).contains("check that a broker listens on 127.0.0.1:" + closed);

        Result badEndpoint = run("stream", "list", "--endpoint=nowhere");
        assertThat(badEndpoint.exit).isEqualTo(SluiceCli.Exit.INVALID);
        assertThat(badEndpoint.err).contains("--endpoint");

        assertThat(run("--help").out).contains("stream").contains("Exit codes");
        assertThat(run("stream", "create", "--help").out).contains("--retention-hours");
        Result completion = run("generate-completion");
        assertThat(completion.exit).isZero();
        assertThat(completion.out).contains("complete -F").contains("stream").contains("tail");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
