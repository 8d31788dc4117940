package io.sluice.firehose.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HadoopObjectStore} on filesystems whose streams can be aborted (as S3A's) and cannot (as HDFS's): a write
 * that fails leaves nothing visible, no temporary file, and no stream open.
 */
class HadoopObjectStoreTest {
    @TempDir
    Path dir;

    @BeforeEach
    void reset() {
        FaultyFileSystem.OPEN.set(0);
        FaultyFileSystem.ABORTED.set(0);
    }

    private HadoopObjectStore store(boolean abortable, long failAfterBytes) throws IOException {
        Configuration c = FaultyFileSystem.settings(abortable, failAfterBytes);
        Map<String, String> props = new HashMap<>();
        c.forEach(e -> props.put(e.getKey(), e.getValue()));
        return new HadoopObjectStore(URI.create("faulty://" + dir.toUri().getPath()), props);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void notAbortable_aFailedPut_leavesNothingVisible_andClosesItsStream() throws Exception {
        try (HadoopObjectStore s = store(false, 10)) {
            assertThatThrownBy(() -> s.put("a/b.parquet", new byte[100], 0, 100)).isInstanceOf(IOException.class)
                    .hasMessageContaining("injected failure");
            assertThat(files()).isEmpty();
            assertThat(FaultyFileSystem.OPEN).hasValue(0);
            assertThatThrownBy(() -> s.putIfAbsent("a/c.json", new byte[100])).isInstanceOf(IOException.class);
            assertThat(files()).isEmpty();
            assertThat(FaultyFileSystem.OPEN).hasValue(0);
        }
    }

    @Test
    void notAbortable_putReplaces_andPutIfAbsentKeepsTheFirst_throughARename() throws Exception {
        try (HadoopObjectStore s = store(false, -1)) {
            s.put("a/b.parquet", new byte[] {1, 2, 3}, 1, 2);
            s.put("a/b.parquet", new byte[] {4, 5}, 0, 2);
            assertThat(s.get("a/b.parquet")).hasValueSatisfying(v -> assertThat(v).containsExactly(4, 5));
            assertThat(s.putIfAbsent("_sluice/k.json", new byte[] {1})).isTrue();
            assertThat(s.putIfAbsent("_sluice/k.json", new byte[] {2})).isFalse();
            assertThat(s.get("_sluice/k.json")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
            assertThat(files()).containsExactly("_sluice/k.json", "a/b.parquet");
            assertThat(FaultyFileSystem.OPEN).hasValue(0);
        }
    }

    @Test
    void abortable_aFailedPut_isAborted_notPublished() throws Exception {
        try (HadoopObjectStore s = store(true, 10)) {
            assertThatThrownBy(() -> s.put("a/b.parquet", new byte[100], 0, 100)).isInstanceOf(IOException.class);
            assertThat(FaultyFileSystem.ABORTED).hasValue(1);
            assertThat(FaultyFileSystem.OPEN).hasValue(0);
            assertThat(files()).isEmpty();
        }
        try (HadoopObjectStore s = store(true, -1)) {
            s.put("a/b.parquet", new byte[] {7}, 0, 1);
            assertThat(files()).containsExactly("a/b.parquet"); // written in place, no temporary file
        }
    }

    @Test
    void dotsInsideAPathElement_areOrdinaryCharacters_butDotElementsAreRefused() throws Exception {
        try (HadoopObjectStore s = store(true, -1)) { // abortable, as S3A
            s.put("v=1.0..2.0/orders..v2-shardId-000000000000-1-2.parquet", new byte[] {1}, 0, 1);
            assertThat(s.putIfAbsent("_sluice/orders..v2/shardId-000000000000/intents/1.json", new byte[] {2}))
                    .isTrue();
            assertThat(s.get("v=1.0..2.0/orders..v2-shardId-000000000000-1-2.parquet")).isPresent();
            assertThat(s.list("_sluice/orders..v2/shardId-000000000000/intents"))
                    .extracting(io.sluice.firehose.delivery.ObjectStore.StoredObject::key)
                    .containsExactly("_sluice/orders..v2/shardId-000000000000/intents/1.json");
            assertThat(files()).containsExactly("_sluice/orders..v2/shardId-000000000000/intents/1.json",
                    "v=1.0..2.0/orders..v2-shardId-000000000000-1-2.parquet");
            for (String bad : List.of("a/../b.parquet", "../b.parquet", "a/./b", "..", "/a")) {
                assertThatThrownBy(() -> s.put(bad, new byte[] {1}, 0, 1))
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void aDeliveryStreamWithDotsInItsNameAndPartitionValues_isDelivered() throws Exception {
        io.sluice.firehose.delivery.DeliveryStreamConfig config = io.sluice.firehose.delivery.DeliveryStreamConfig
                .builder().name("orders..v2").sourceStream("in").destination("file:///tmp/unused")
                .dataFormat(io.sluice.firehose.delivery.DataFormat.JSON_LINES)
                .prefix("v=!{partitionKey:v}/").build();
        List<String> checkpoints = new java.util.ArrayList<>();
        io.sluice.firehose.delivery.DeliveryMetrics metrics = new io.sluice.firehose.delivery.DeliveryMetrics();
        try (HadoopObjectStore s = store(true, -1)) {
            io.sluice.firehose.delivery.ShardDelivery d = new io.sluice.firehose.delivery.ShardDelivery(config,
                    "shardId-000000000000", s, checkpoints::add, metrics, java.time.Clock.systemUTC(),
                    io.sluice.firehose.delivery.RetryPolicy.DEFAULT, x -> { });
            for (int i = 1; i <= 3; i++) {
                d.add(new io.sluice.firehose.delivery.SourceRecord("shardId-000000000000", Integer.toString(i),
                        1_717_243_200_000L, "pk", ("{\"v\":\"1.0..2.0\",\"i\":" + i + "}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            d.flush();
        }
        assertThat(checkpoints).containsExactly("3");
        assertThat(metrics.deliveryFailures()).isZero();
        assertThat(files()).containsExactly("_sluice/orders..v2/shardId-000000000000/intents/1.json",
                "v=1.0..2.0/orders..v2-shardId-000000000000-1-3.jsonl.snappy");
    }
}
