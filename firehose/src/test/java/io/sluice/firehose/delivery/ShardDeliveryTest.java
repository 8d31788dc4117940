package io.sluice.firehose.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ShardDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final MutableClock clock = new MutableClock(Orders.T0);
    private final DeliveryMetrics metrics = new DeliveryMetrics();
    private final List<String> checkpoints = new ArrayList<>();
    private final List<Duration> sleeps = new ArrayList<>();

    private ShardDelivery delivery(DeliveryStreamConfig config) {
        return delivery(config, checkpoints::add);
    }

    private ShardDelivery delivery(DeliveryStreamConfig config, Checkpointer checkpointer) {
        return new ShardDelivery(config, Orders.SHARD, store, checkpointer, metrics, clock,
                new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1)), sleeps::add);
    }

    private Map<String, byte[]> dataObjects() {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        store.objects().forEach((k, v) -> {
            if (k.endsWith(".parquet")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Every delivered Parquet row's id, in object-key order. */
    private List<Long> deliveredIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (byte[] bytes : dataObjects().values()) {
            for (GenericRecord r : ParquetFiles.read(bytes)) {
                ids.add((Long) r.get("id"));
            }
        }
        return ids;
    }

    /** The first sequence numbers of the batch intents in the store, in key order. */
    private List<String> intents() {
        String dir = "_sluice/orders/" + Orders.SHARD + "/intents/";
        return store.objects().keySet().stream().filter(k -> k.startsWith(dir))
                .map(k -> k.substring(dir.length(), k.length() - ".json".length())).toList();
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void deliversBySize_whenBufferedDataReachesTheSizeHint() throws Exception {
        ShardDelivery d = delivery(Orders.config().bufferingHints(new BufferingHints(1, 900)).build());
        String pad = "x".repeat(10_000);
        int n = 0;
        long bytes = 0;
        int expected = -1;
        while (checkpoints.isEmpty()) {
            n++;
            SourceRecord r = Orders.record(n, "{\"id\":" + n + ",\"customer\":\"" + pad + "\",\"amount\":1}");
            bytes += r.data().length;
            if (expected < 0 && bytes >= 1 << 20) {
                expected = n;
            }
            d.add(r);
        }
        assertThat(n).isEqualTo(expected);
        assertThat(checkpoints).containsExactly(Orders.seq(n));
        assertThat(dataObjects()).hasSize(1);
        assertThat(deliveredIds()).isEqualTo(range(1, n));
        assertThat(metrics.deliveredObjects()).isEqualTo(1);
        assertThat(metrics.deliveredRecords()).isEqualTo(n);
        assertThat(metrics.incomingRecords()).isEqualTo(n);
    }

    @Test
    void deliversByInterval_andAQuietStreamStillFlushesOnTime() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        for (SourceRecord r : Orders.orders(1, 3)) {
            d.add(r);
        }
        clock.advance(Duration.ofSeconds(59));
        assertThat(d.maybeFlush()).isFalse();
        assertThat(d.timeUntilFlush()).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(d.maybeFlush()).isTrue();
        assertThat(checkpoints).containsExactly(Orders.seq(3));
        assertThat(deliveredIds()).containsExactly(1L, 2L, 3L);
        assertThat(d.timeUntilFlush()).isEmpty();
        clock.advance(Duration.ofHours(1));
        assertThat(d.maybeFlush()).isFalse();
        assertThat(dataObjects()).hasSize(1);
        assertThat(metrics.freshnessHistogram().getTotalCount()).isEqualTo(3);
    }

    @Test
    void intervalZero_deliversAtEveryPoll() throws Exception {
        ShardDelivery d = delivery(Orders.config().bufferingHints(new BufferingHints(1, 0)).build());
        d.add(Orders.order(1));
        d.add(Orders.order(2));
        assertThat(d.maybeFlush()).isTrue();
        d.add(Orders.order(3));
        assertThat(d.maybeFlush()).isTrue();
        assertThat(checkpoints).containsExactly(Orders.seq(2), Orders.seq(3));
    }

    @Test
    void objectNames_areDeterministicFromStreamShardFirstAndLast() throws Exception {
        ShardDelivery d = delivery(Orders.config().prefix("out/").build());
        for (SourceRecord r : Orders.orders(5, 9)) {
            d.add(r);
        }
        d.flush();
        assertThat(dataObjects().keySet()).containsExactly(
                "out/orders-" + Orders.SHARD + "-" + Orders.seq(5) + "-" + Orders.seq(9) + ".parquet");
    }

    @Test
    void metadataColumns_carryShardSequenceArrivalAndPartitionKey() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(4));
        d.flush();
        GenericRecord r = ParquetFiles.read(dataObjects().values().iterator().next()).get(0);
        assertThat(r.get("id")).isEqualTo(4L);
        assertThat(r.get("customer").toString()).isEqualTo("c4");
        assertThat(r.get("region").toString()).isEqualTo("us");
        assertThat(r.get("amount")).isEqualTo(6.0);
        assertThat(r.get("_shard_id").toString()).isEqualTo(Orders.SHARD);
        assertThat(r.get("_sequence_number").toString()).isEqualTo(Orders.seq(4));
        assertThat(r.get("_arrival_time")).isEqualTo(Orders.T0 + 4000);
        assertThat(r.get("_partition_key").toString()).isEqualTo("pk-4");
    }

    @Test
    void badRecords_landInTheErrorPrefixWithTheirReason() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(1));
        d.add(Orders.record(2, "{not json"));
        d.add(Orders.record(3, "{\"id\":\"three\",\"customer\":\"c\",\"amount\":1}"));
        d.add(Orders.record(4, "[1,2]"));
        d.add(Orders.record(5, "{\"customer\":\"c\",\"amount\":1}"));
        d.add(Orders.order(6));
        d.flush();
        assertThat(deliveredIds()).containsExactly(1L, 6L);
        List<String> errorKeys = store.objects().keySet().stream().filter(k -> k.startsWith("errors/")).toList();
        assertThat(errorKeys).containsExactly("errors/2024/06/01/12/orders-" + Orders.SHARD + "-" + Orders.seq(2)
                + "-" + Orders.seq(5) + ".jsonl.snappy"); // the delivery stream's compression (the default)
        List<JsonNode> lines = new ArrayList<>();
        for (String line : decompress(store.objects().get(errorKeys.get(0)), Compression.SNAPPY).split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).extracting(n -> n.get("errorCode").asText())
                .containsExactly("JSON_PARSE_ERROR", "SCHEMA_MISMATCH", "NOT_A_JSON_OBJECT", "SCHEMA_MISMATCH");
        assertThat(lines.get(1).get("errorMessage").asText()).isEqualTo("field 'id': expected an integer, got a string");
        assertThat(lines.get(3).get("errorMessage").asText()).contains("field 'id'").contains("required");
        assertThat(new String(Base64.getDecoder().decode(lines.get(0).get("rawData").asText()), UTF_8))
                .isEqualTo("{not json");
        assertThat(lines.get(0).get("shardId").asText()).isEqualTo(Orders.SHARD);
        assertThat(lines.get(0).get("sequenceNumber").asText()).isEqualTo(Orders.seq(2));
        assertThat(lines.get(0).get("partitionKey").asText()).isEqualTo("pk-2");
        assertThat(metrics.failedRecords()).isEqualTo(4);
        assertThat(checkpoints).containsExactly(Orders.seq(6));
    }

    @Test
    void prefixes_partitionByArrivalTimeAndAJsonField() throws Exception {
        ShardDelivery d = delivery(Orders.config()
                .prefix("region=!{partitionKey:region}/!{timestamp:yyyy-MM-dd/HH}/").build());
        for (SourceRecord r : Orders.orders(1, 6)) {
            d.add(r);
        }
        d.add(Orders.record(7, "{\"id\":7,\"customer\":\"c\",\"region\":null,\"amount\":1}"));
        d.flush();
        assertThat(dataObjects().keySet()).containsExactly(
                "region=ap/2024-06-01/12/orders-" + Orders.SHARD + "-" + Orders.seq(2) + "-" + Orders.seq(5) + ".parquet",
                "region=eu/2024-06-01/12/orders-" + Orders.SHARD + "-" + Orders.seq(3) + "-" + Orders.seq(6) + ".parquet",
                "region=us/2024-06-01/12/orders-" + Orders.SHARD + "-" + Orders.seq(1) + "-" + Orders.seq(4) + ".parquet");
        String errors = decompress(store.objects().entrySet().stream().filter(e -> e.getKey().startsWith("errors/"))
                .findFirst().orElseThrow().getValue(), Compression.SNAPPY);
        assertThat(JSON.readTree(errors).get("errorCode").asText()).isEqualTo("PARTITION_KEY_MISSING");
    }

    @Test
    void timestampPrefix_usesTheConfiguredZone() throws Exception {
        ShardDelivery d = delivery(Orders.config().prefix("!{timestamp:yyyy/MM/dd/HH}/").timeZone("Asia/Tokyo")
                .build());
        d.add(Orders.order(1));
        d.flush();
        assertThat(dataObjects().keySet()).allMatch(k -> k.startsWith("2024/06/01/21/"));
    }

    @Test
    void capOnOpenPartitions_deliversTheBatchBeforeANewPrefixWouldExceedIt() throws Exception {
        ShardDelivery d = delivery(Orders.config().prefix("!{partitionKey:region}/").maxOpenPartitions(2).build());
        for (SourceRecord r : Orders.orders(1, 4)) {
            d.add(r);
        }
        // ids 1 (us), 2 (ap) open two prefixes; 3 (eu) would be a third, so 1..2 are delivered first.
        assertThat(checkpoints).containsExactly(Orders.seq(2));
        d.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(2), Orders.seq(4));
        assertThat(deliveredIds()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    }

    @Test
    void crashAfterObjectsBeforeCheckpoint_replayWritesTheSameObjectsAgain() throws Exception {
        DeliveryStreamConfig config = Orders.config().prefix("!{partitionKey:region}/").build();
        AtomicInteger calls = new AtomicInteger();
        ShardDelivery first = delivery(config, seq -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("process killed before the checkpoint was stored");
            }
            checkpoints.add(seq);
        });
        for (SourceRecord r : Orders.orders(1, 100)) {
            first.add(r);
            if (r.sequenceNumber().equals(Orders.seq(30)) || r.sequenceNumber().equals(Orders.seq(60))) {
                clock.advance(Duration.ofSeconds(60));
                try {
                    first.maybeFlush();
                } catch (DeliveryException e) {
                    break; // the "crash": objects of 31..60 are written, the checkpoint is not
                }
            }
        }
        assertThat(checkpoints).containsExactly(Orders.seq(30));
        Map<String, byte[]> beforeCrash = Map.copyOf(dataObjects());
        assertThat(beforeCrash).hasSize(6);

        // Restart from the checkpoint with other timing: no interval passes, so only the intent can cut at 60.
        ShardDelivery second = delivery(config);
        for (SourceRecord r : Orders.orders(31, 100)) {
            second.add(r);
        }
        second.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(30), Orders.seq(60), Orders.seq(100));
        assertThat(dataObjects().keySet()).containsAll(beforeCrash.keySet()).hasSize(9);
        assertThat(deliveredIds()).containsExactlyInAnyOrderElementsOf(range(1, 100));
        assertThat(intents()).as("kept after the checkpoint").containsExactly(Orders.seq(1), Orders.seq(31),
                Orders.seq(61));
    }

    @Test
    void crashBetweenObjectsOfOneBatch_replayCompletesIt() throws Exception {
        DeliveryStreamConfig config = Orders.config().prefix("!{partitionKey:region}/").build();
        ShardDelivery first = delivery(config);
        for (SourceRecord r : Orders.orders(1, 9)) {
            first.add(r);
        }
        store.failPuts(k -> k.startsWith("eu/"), 3);
        assertThatThrownBy(first::flush).isInstanceOf(DeliveryException.class)
                .hasMessageContaining("failed after 3 attempts");
        assertThat(metrics.writeRetries()).isEqualTo(2);
        assertThat(metrics.deliveryFailures()).isEqualTo(1);
        assertThat(checkpoints).isEmpty();
        assertThatThrownBy(() -> first.add(Orders.order(10))).isInstanceOf(IllegalStateException.class);

        ShardDelivery second = delivery(config);
        for (SourceRecord r : Orders.orders(1, 12)) {
            second.add(r);
        }
        second.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(9), Orders.seq(12));
        assertThat(deliveredIds()).containsExactlyInAnyOrderElementsOf(range(1, 12));
    }

    @Test
    void timedDeliveryOfAQuietShard_whoseWritesFail_isKeptAndCompletedAtTheNextCheck() throws Exception {
        ShardDelivery d = delivery(Orders.config().prefix("!{partitionKey:region}/").build());
        for (SourceRecord r : Orders.orders(1, 5)) {
            d.add(r);
        }
        clock.advance(Duration.ofSeconds(60));
        // the second object of the batch fails on every attempt: the destination is down
        store.failPuts(k -> k.startsWith("eu/"), 3);
        assertThatThrownBy(d::maybeFlush).isInstanceOfSatisfying(DeliveryException.class,
                e -> assertThat(e.retryable()).isTrue());
        assertThat(checkpoints).isEmpty();
        assertThat(d.timeUntilFlush()).contains(Duration.ZERO);
        assertThat(d.oldestBufferedArrivalMs()).contains(Orders.T0 + 1000);
        // No record comes any more; the next check writes the batch again, under the same names.
        assertThat(d.maybeFlush()).isTrue();
        assertThat(checkpoints).containsExactly(Orders.seq(5));
        assertThat(deliveredIds()).containsExactlyInAnyOrderElementsOf(range(1, 5));
        assertThat(intents()).containsExactly(Orders.seq(1));
        assertThat(d.oldestBufferedArrivalMs()).isEmpty();
        d.add(Orders.order(6));
        d.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(5), Orders.seq(6));
    }

    @Test
    void aRecordAddedWhileADeliveryIsPending_completesItFirst() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(1));
        clock.advance(Duration.ofSeconds(60));
        store.failPuts(k -> k.endsWith(".parquet"), 3);
        assertThatThrownBy(d::maybeFlush).isInstanceOf(DeliveryException.class);
        d.add(Orders.order(2));
        assertThat(checkpoints).containsExactly(Orders.seq(1));
        d.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(1), Orders.seq(2));
        assertThat(dataObjects().keySet()).containsExactly(
                "2024/06/01/12/orders-" + Orders.SHARD + "-" + Orders.seq(1) + "-" + Orders.seq(1) + ".parquet",
                "2024/06/01/12/orders-" + Orders.SHARD + "-" + Orders.seq(2) + "-" + Orders.seq(2) + ".parquet");
    }

    private static final String OTHER_SHARD = "shardId-000000000002";

    /** Record {@code position} of {@code shard}, about 1,000 bytes of data. */
    private static SourceRecord big(String shard, long position) {
        String json = "{\"id\":" + position + ",\"customer\":\"" + "c".repeat(950) + "\",\"amount\":1}";
        return new SourceRecord(shard, Orders.seq(position), Orders.T0 + position * 1000, "pk-" + position,
                json.getBytes(UTF_8));
    }

    @Test
    void processWideBudget_deliversTheLargestBatchEarly_andOnlyThatOne() throws Exception {
        BufferBudget budget = new BufferBudget(20_000);
        List<String> otherCheckpoints = new ArrayList<>();
        DeliveryStreamConfig config = Orders.config().build(); // 1 MiB, 60 s: the hints are far away
        ShardDelivery a = new ShardDelivery(config, Orders.SHARD, store, checkpoints::add, metrics, clock,
                RetryPolicy.DEFAULT, sleeps::add, budget);
        ShardDelivery b = new ShardDelivery(config, OTHER_SHARD, store, otherCheckpoints::add, metrics, clock,
                RetryPolicy.DEFAULT, sleeps::add, budget);
        for (int i = 1; i <= 15; i++) {
            a.add(big(Orders.SHARD, i));
        }
        for (int i = 1; i <= 5; i++) {
            b.add(big(OTHER_SHARD, i));
        }
        assertThat(budget.totalBytes()).isLessThanOrEqualTo(20_000);
        b.add(big(OTHER_SHARD, 6)); // over the limit; a's batch is the largest: a is asked, b keeps buffering
        assertThat(budget.totalBytes()).isGreaterThan(20_000);
        assertThat(checkpoints).isEmpty();
        assertThat(otherCheckpoints).isEmpty();
        assertThat(a.maybeFlush()).isTrue(); // a's flush check (no interval has passed)
        assertThat(checkpoints).containsExactly(Orders.seq(15));
        assertThat(otherCheckpoints).isEmpty();
        assertThat(budget.totalBytes()).isEqualTo(6 * big(OTHER_SHARD, 1).data().length);
        assertThat(b.maybeFlush()).isFalse();
        assertThat(deliveredIds()).isEqualTo(range(1, 15));

        // Now b is the largest: a's record that passes the limit asks b, which delivers at its next record.
        for (int i = 16; i <= 30 && otherCheckpoints.isEmpty(); i++) {
            a.add(big(Orders.SHARD, i));
            b.add(big(OTHER_SHARD, i - 9));
        }
        assertThat(otherCheckpoints).hasSize(1);
        assertThat(checkpoints).containsExactly(Orders.seq(15));
        assertThat(budget.totalBytes()).isLessThanOrEqualTo(20_000);
    }

    @Test
    void anEarlyCut_isReplayedAtTheSameRecord_afterACrash() throws Exception {
        BufferBudget budget = new BufferBudget(9_000);
        DeliveryStreamConfig config = Orders.config().build();
        ShardDelivery first = new ShardDelivery(config, Orders.SHARD, store, seq -> {
            throw new IllegalStateException("killed before the checkpoint");
        }, metrics, clock, RetryPolicy.DEFAULT, sleeps::add, budget);
        int n = 0;
        try {
            while (true) {
                first.add(big(Orders.SHARD, ++n));
            }
        } catch (DeliveryException e) {
            assertThat(e.getMessage()).contains("checkpoint");
        }
        assertThat(n).isEqualTo(10); // the budget, not the 1 MiB hint, cut the batch
        Map<String, byte[]> beforeCrash = Map.copyOf(dataObjects());
        assertThat(beforeCrash).hasSize(1);
        assertThat(budget.totalBytes()).isZero();

        // The replay has no budget pressure at all; the intent alone cuts it at the same record.
        ShardDelivery second = delivery(config);
        for (int i = 1; i <= 25; i++) {
            second.add(big(Orders.SHARD, i));
        }
        second.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(10), Orders.seq(25));
        assertThat(dataObjects()).hasSize(2).containsKeys(beforeCrash.keySet().toArray(String[]::new));
        assertThat(dataObjects().get(beforeCrash.keySet().iterator().next()))
                .isEqualTo(beforeCrash.values().iterator().next());
        assertThat(deliveredIds()).isEqualTo(range(1, 25));
    }

    @Test
    void transientWriteFailures_areRetriedWithBackoff() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(1));
        store.failPuts(k -> k.endsWith(".parquet"), 2);
        d.flush();
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(metrics.writeRetries()).isEqualTo(2);
        assertThat(deliveredIds()).containsExactly(1L);
    }

    @Test
    void anotherWritersDifferentCut_failsTheDelivery() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(1));
        d.add(Orders.order(2));
        store.putIfAbsent("_sluice/orders/" + Orders.SHARD + "/intents/" + Orders.seq(1) + ".json",
                ("{\"first\":\"" + Orders.seq(1) + "\",\"last\":\"" + Orders.seq(3) + "\",\"records\":3}")
                        .getBytes(UTF_8));
        assertThatThrownBy(d::flush).isInstanceOf(DeliveryException.class).hasMessageContaining("another writer");
        assertThat(dataObjects()).isEmpty();
        assertThat(checkpoints).isEmpty();
    }

    @Test
    void recordsOutOfOrder_areRefused() throws Exception {
        ShardDelivery d = delivery(Orders.config().build());
        d.add(Orders.order(2));
        assertThatThrownBy(() -> d.add(Orders.order(2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rawMode_keepsTheBytesAsPutWithMetadata() throws Exception {
        ShardDelivery d = delivery(Orders.config().avroSchema(null).dataFormat(DataFormat.RAW_PARQUET).build());
        d.add(Orders.record(1, "not even json \u00e9"));
        d.add(Orders.order(2));
        d.flush();
        List<GenericRecord> rows = ParquetFiles.read(dataObjects().values().iterator().next());
        assertThat(rows).extracting(r -> new String(((java.nio.ByteBuffer) r.get("data")).array(), UTF_8))
                .containsExactly("not even json \u00e9", Orders.json(2));
        assertThat(rows.get(1).get("_sequence_number").toString()).isEqualTo(Orders.seq(2));
    }

    @Test
    void jsonLines_gzip_appendMetadataMembers() throws Exception {
        ShardDelivery d = delivery(Orders.config().avroSchema(null).dataFormat(DataFormat.JSON_LINES)
                .compression(Compression.GZIP).build());
        d.add(Orders.order(1));
        d.add(Orders.record(2, "{\"id\":2,\"_shard_id\":\"spoof\"}"));
        d.add(Orders.record(3, "{\"nested\":{\"a\":[1,2.50,\"x\"]}}"));
        d.flush();
        String key = store.objects().keySet().stream().filter(k -> k.endsWith(".jsonl.gz")).findFirst().orElseThrow();
        String text = new String(new GZIPInputStream(new ByteArrayInputStream(store.objects().get(key)))
                .readAllBytes(), UTF_8);
        String[] lines = text.split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines[0]);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("_sequence_number").asText()).isEqualTo(Orders.seq(1));
        assertThat(first.get("_arrival_time").asLong()).isEqualTo(Orders.T0 + 1000);
        assertThat(lines[1]).startsWith("{\"nested\":{\"a\":[1,2.50,\"x\"]},\"_shard_id\"");
        assertThat(metrics.failedRecords()).isEqualTo(1);
    }

    /** An independent decoder per compression: the JDK's gzip, zstd-jni, snappy-java's framing format. */
    static String decompress(byte[] bytes, Compression compression) throws IOException {
        java.io.InputStream raw = new ByteArrayInputStream(bytes);
        try (java.io.InputStream in = switch (compression) {
            case NONE -> raw;
            case GZIP -> new GZIPInputStream(raw);
            case ZSTD -> new com.github.luben.zstd.ZstdInputStream(raw);
            case SNAPPY -> new org.xerial.snappy.SnappyFramedInputStream(raw);
        }) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void errorObjects_followTheDeliveryStreamsCompression(Compression compression) throws Exception {
        ShardDelivery d = delivery(Orders.config().compression(compression).build());
        d.add(Orders.order(1));
        d.add(Orders.record(2, "{not json"));
        d.add(Orders.record(3, "[3]"));
        d.flush();
        String key = "errors/2024/06/01/12/orders-" + Orders.SHARD + "-" + Orders.seq(2) + "-" + Orders.seq(3)
                + ".jsonl" + compression.jsonLinesSuffix();
        assertThat(store.objects()).containsKey(key);
        String[] lines = decompress(store.objects().get(key), compression).split("\n");
        assertThat(lines).extracting(l -> JSON.readTree(l).get("errorCode").asText())
                .containsExactly("JSON_PARSE_ERROR", "NOT_A_JSON_OBJECT");
        byte[] magic = switch (compression) { // each format's own header, so the decoder above is not lenient
            case NONE -> "{".getBytes(UTF_8);
            case GZIP -> new byte[] {0x1f, (byte) 0x8b};
            case ZSTD -> new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
            case SNAPPY -> new byte[] {(byte) 0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y'};
        };
        assertThat(java.util.Arrays.copyOf(store.objects().get(key), magic.length)).isEqualTo(magic);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void parquet_roundTripsWithEveryCodec(Compression compression) throws Exception {
        ShardDelivery d = delivery(Orders.config().compression(compression).build());
        for (SourceRecord r : Orders.orders(1, 50)) {
            d.add(r);
        }
        d.flush();
        assertThat(deliveredIds()).isEqualTo(range(1, 50));
    }

    @Test
    void aZombieWithABatchFromTheSameFirstRecord_failsAtTheKeptIntent_andWritesNoObject() throws Exception {
        DeliveryStreamConfig config = Orders.config().build();
        List<String> zombieCheckpoints = new ArrayList<>();
        // The zombie buffered 1..5 and was paused past its lease before it could deliver them.
        ShardDelivery zombie = delivery(config, zombieCheckpoints::add);
        for (SourceRecord r : Orders.orders(1, 5)) {
            zombie.add(r);
        }
        // The new owner replays from the checkpoint (none) with other timing and delivers 1..3, then 4..6.
        ShardDelivery owner = delivery(config);
        for (SourceRecord r : Orders.orders(1, 3)) {
            owner.add(r);
        }
        owner.flush();
        for (SourceRecord r : Orders.orders(4, 6)) {
            owner.add(r);
        }
        owner.flush();
        assertThat(checkpoints).containsExactly(Orders.seq(3), Orders.seq(6));
        Map<String, byte[]> delivered = Map.copyOf(dataObjects());

        // The zombie wakes up and delivers its 1..5 (its checkpoint would be refused, but only after the objects).
        assertThatThrownBy(zombie::flush).isInstanceOf(DeliveryException.class)
                .hasMessageContaining("another writer cut the batch from " + Orders.seq(1) + " at " + Orders.seq(3));
        assertThat(dataObjects()).isEqualTo(delivered);
        assertThat(deliveredIds()).isEqualTo(range(1, 6)); // every record in exactly one object
        assertThat(zombieCheckpoints).isEmpty();
    }

    /** A lease that is held until {@code owned} turns false, and refuses writes after that. */
    private static final class Lease implements Checkpointer {
        final List<String> checkpoints = new ArrayList<>();
        volatile int writesAllowed = Integer.MAX_VALUE;
        int checks;

        @Override
        public void checkpoint(String sequenceNumber) {
            checkpoints.add(sequenceNumber);
        }

        @Override
        public void checkOwnership() {
            if (++checks > writesAllowed) {
                throw new IllegalStateException("lease held for 100 ms more, less than the margin");
            }
        }
    }

    @Test
    void aLeaseThatMayHaveExpired_stopsTheDelivery_beforeTheIntent_andBeforeTheNextObject() throws Exception {
        DeliveryStreamConfig config = Orders.config().prefix("!{partitionKey:region}/").build();
        Lease lease = new Lease();
        ShardDelivery d = delivery(config, lease);
        for (SourceRecord r : Orders.orders(1, 6)) {
            d.add(r);
        }
        lease.writesAllowed = 0;
        assertThatThrownBy(d::flush).isInstanceOf(DeliveryException.class)
                .hasMessageContaining("may no longer be this writer's");
        assertThat(store.objects()).as("not even the intent").isEmpty();
        assertThat(metrics.deliveryFailures()).isEqualTo(1);

        // On the timer path too, and between two objects of a batch: the intent and one object, then no more.
        Lease second = new Lease();
        ShardDelivery timed = delivery(config, second);
        for (SourceRecord r : Orders.orders(1, 6)) {
            timed.add(r);
        }
        second.writesAllowed = 2;
        clock.advance(Duration.ofSeconds(60));
        assertThatThrownBy(timed::maybeFlush).isInstanceOfSatisfying(DeliveryException.class,
                e -> assertThat(e.retryable()).as("not kept for a retry: the shard is not ours").isFalse());
        assertThat(intents()).containsExactly(Orders.seq(1));
        assertThat(dataObjects()).hasSize(1);
        assertThat(second.checkpoints).isEmpty();
        assertThat(sleeps).as("no retry of a write refused for the lease").isEmpty();
    }

    @Test
    void expiredIntentsBehindTheCheckpoint_areRemovedWhenTheShardIsTaken_theOthersKept() throws Exception {
        store.clock(clock::millis);
        DeliveryStreamConfig config = Orders.config().build();
        ShardDelivery d = delivery(config);
        d.add(Orders.order(1));
        d.flush();
        d.add(Orders.order(2));
        d.flush();
        clock.advance(Duration.ofHours(23));
        d.add(Orders.order(3));
        d.flush();
        // the intent of a batch cut but not checkpointed before a crash: its replay will need it
        store.putIfAbsent("_sluice/orders/" + Orders.SHARD + "/intents/" + Orders.seq(4) + ".json",
                ("{\"first\":\"" + Orders.seq(4) + "\",\"last\":\"" + Orders.seq(4) + "\",\"records\":1}")
                        .getBytes(UTF_8));
        clock.advance(Duration.ofHours(2)); // 1 and 2 are 25 h old, 3 and 4 are 2 h old
        assertThat(intents()).containsExactly(Orders.seq(1), Orders.seq(2), Orders.seq(3), Orders.seq(4));

        ShardDelivery taken = delivery(config);
        assertThat(taken.cleanUpAbandoned(Orders.seq(1))).isEqualTo(1);
        assertThat(intents()).as("only those behind the checkpoint").containsExactly(Orders.seq(2), Orders.seq(3),
                Orders.seq(4));
        assertThat(delivery(config).cleanUpAbandoned(Orders.seq(3))).isEqualTo(1);
        assertThat(intents()).as("younger than the retention").containsExactly(Orders.seq(3), Orders.seq(4));
        clock.advance(Duration.ofHours(23));
        assertThat(delivery(config).cleanUpAbandoned(Orders.seq(3))).isEqualTo(1);
        assertThat(intents()).as("ahead of the checkpoint").containsExactly(Orders.seq(4));
        assertThat(delivery(config).cleanUpAbandoned(null)).isZero();
        assertThat(dataObjects()).hasSize(3);
    }

    @Test
    void anUnexpectedRuntimeExceptionOfTheStore_failsTheDelivery_andIsCounted() throws Exception {
        ObjectStore throwing = new ForwardingStore(store) {
            @Override
            public void put(String key, byte[] data, int offset, int length) {
                throw new IllegalArgumentException("not a relative object key: " + key);
            }
        };
        ShardDelivery d = new ShardDelivery(Orders.config().build(), Orders.SHARD, throwing, checkpoints::add,
                metrics, clock, RetryPolicy.DEFAULT, sleeps::add);
        d.add(Orders.order(1));
        clock.advance(Duration.ofSeconds(60));
        assertThatThrownBy(d::maybeFlush).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(metrics.deliveryFailures()).isEqualTo(1);
        assertThat(checkpoints).isEmpty();
        assertThat(d.oldestBufferedArrivalMs()).isEmpty();
        assertThatThrownBy(() -> d.add(Orders.order(2))).isInstanceOf(IllegalStateException.class);
    }

    /** Forwards every call to another store. */
    private static class ForwardingStore implements ObjectStore {
        private final ObjectStore to;

        ForwardingStore(ObjectStore to) {
            this.to = to;
        }

        @Override
        public void put(String key, byte[] data, int offset, int length) throws IOException {
            to.put(key, data, offset, length);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] data) throws IOException {
            return to.putIfAbsent(key, data);
        }

        @Override
        public java.util.Optional<byte[]> get(String key) throws IOException {
            return to.get(key);
        }

        @Override
        public void delete(String key) throws IOException {
            to.delete(key);
        }

        @Override
        public List<StoredObject> list(String dir) throws IOException {
            return to.list(dir);
        }

        @Override
        public int cleanUpAbandoned(String deliveryStream, String shardId) throws IOException {
            return to.cleanUpAbandoned(deliveryStream, shardId);
        }

        @Override
        public String uriOf(String key) {
            return to.uriOf(key);
        }

        @Override
        public void close() throws IOException {
            to.close();
        }
    }
}
