package io.sluice.firehose.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivers through the real object stores, a local directory and S3A against S3Proxy on loopback, and reads every
 * object back with parquet-avro and, independently, with DuckDB.
 */
class DestinationTest {
    private static final String BUCKET = "lake";
    private static final String ACCESS_KEY = "firehose-test";
    private static final String SECRET_KEY = "firehose-secret";

    @TempDir
    static Path s3Root;
    private static S3Proxy s3Proxy;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        FilesystemNio2BlobStore blobStore = new FilesystemNio2BlobStore(s3Root.toString());
        blobStore.createContainer(software.amazon.awssdk.services.s3.model.CreateBucketRequest.builder()
                .bucket(BUCKET).build());
        s3Proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .stopTimeout(0)
                .build();
        s3Proxy.start();
        await("S3Proxy started").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> s3Proxy.getState().equals("STARTED"));
    }

    @AfterAll
    static void stopS3Proxy() throws Exception {
        if (s3Proxy != null) {
            s3Proxy.stop();
        }
    }

    private static Map<String, String> s3aProperties(String secret) {
        Map<String, String> p = new HashMap<>();
        p.put("fs.s3a.endpoint", "http://127.0.0.1:" + s3Proxy.getPort());
        p.put("fs.s3a.path.style.access", "true");
        p.put("fs.s3a.endpoint.region", "us-east-1");
        p.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        p.put("fs.s3a.access.key", ACCESS_KEY);
        p.put("fs.s3a.secret.key", secret);
        p.put("fs.s3a.attempts.maximum", "1");
        p.put("fs.s3a.retry.limit", "1");
        return p;
    }

    /** Puts records 1..n over two shards (with two bad records), delivered in several batches. */
    private static List<String> deliver(DeliveryStreamConfig config, ObjectStore store, int n) throws Exception {
        List<String> checkpoints = new ArrayList<>();
        MutableClock clock = new MutableClock(Orders.T0);
        for (String shard : List.of("shardId-000000000000", "shardId-000000000001")) {
            ShardDelivery d = new ShardDelivery(config, shard, store, checkpoints::add, new DeliveryMetrics(), clock,
                    RetryPolicy.DEFAULT, Sleeper.REAL);
            for (int i = 1; i <= n; i++) {
                SourceRecord r = Orders.order(i);
                String json = i == 7 ? "{\"id\": 7, oops" : Orders.json(i);
                d.add(new SourceRecord(shard, r.sequenceNumber(), r.arrivalTimeMs(), r.partitionKey(),
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                if (i % 40 == 0) {
                    clock.advance(Duration.ofSeconds(61));
                    d.maybeFlush();
                }
            }
            d.flush();
        }
        return checkpoints;
    }

    private static List<String> expectedRows(int n) {
        List<String> out = new ArrayList<>();
        for (String shard : List.of("shardId-000000000000", "shardId-000000000001")) {
            for (int i = 1; i <= n; i++) {
                if (i != 7) {
                    out.add(shard + "/" + Orders.seq(i) + "/" + i);
                }
            }
        }
        return out;
    }

    private static List<String> rowsOf(List<GenericRecord> records) {
        return records.stream().map(r -> r.get("_shard_id") + "/" + r.get("_sequence_number") + "/" + r.get("id"))
                .toList();
    }

    private static List<String> duckDbRows(String glob) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT _shard_id, _sequence_number, id FROM read_parquet('" + glob
                     + "')")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getLong(3));
            }
        }
        return out;
    }

    @Test
    void localDirectory_everyRecordDeliveredOnce_readByParquetAvroAndDuckDb() throws Exception {
        Path root = tmp.resolve("lake");
        DeliveryStreamConfig config = Orders.config().destination(root.toUri().toString())
                .prefix("orders/region=!{partitionKey:region}/!{timestamp:yyyy/MM/dd}/").compression(Compression.ZSTD)
                .build();
        try (ObjectStore store = ObjectStores.open(config.destination(), Map.of())) {
            assertThat(deliver(config, store, 100)).hasSize(6);
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        // Firehose's own batch intents stay under _sluice/ (readers skip _-prefixed directories); nothing else.
        assertThat(files).allMatch(f -> f.getFileName().toString()
                .matches("orders-shardId-\\d{12}-\\d+-\\d+\\.(parquet|jsonl\\.zst)")
                || root.relativize(f).toString().matches("_sluice/orders/shardId-\\d{12}/intents/\\d+\\.json"));
        List<GenericRecord> read = new ArrayList<>();
        for (Path f : files) {
            if (f.toString().endsWith(".parquet")) {
                read.addAll(ParquetFiles.read(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()));
            }
        }
        assertThat(rowsOf(read)).containsExactlyInAnyOrderElementsOf(expectedRows(100));
        assertThat(duckDbRows(root + "/orders/**/*.parquet")).containsExactlyInAnyOrderElementsOf(expectedRows(100));
        try (Stream<Path> errors = Files.walk(root.resolve("errors"))) {
            List<Path> errorFiles = errors.filter(Files::isRegularFile).toList();
            assertThat(errorFiles).hasSize(2);
            assertThat(ShardDeliveryTest.decompress(Files.readAllBytes(errorFiles.get(0)), Compression.ZSTD))
                    .contains("\"errorCode\":\"JSON_PARSE_ERROR\"");
        }
    }

    @Test
    void s3aThroughS3Proxy_everyRecordDeliveredOnce_readByParquetAvroAndDuckDb() throws Exception {
        DeliveryStreamConfig config = Orders.config().destination("s3a://" + BUCKET + "/firehose")
                .prefix("orders/!{partitionKey:region}/").build();
        try (ObjectStore store = ObjectStores.open(config.destination(), s3aProperties(SECRET_KEY))) {
            assertThat(deliver(config, store, 100)).hasSize(6);
        }
        Configuration conf = new Configuration();
        s3aProperties(SECRET_KEY).forEach(conf::set);
        List<GenericRecord> read = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Path local = Files.createDirectories(tmp.resolve("downloaded"));
        try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), conf)) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path("s3a://" + BUCKET
                    + "/firehose"), true);
            while (it.hasNext()) {
                org.apache.hadoop.fs.Path p = it.next().getPath();
                names.add(p.toString());
                if (p.getName().endsWith(".parquet")) {
                    read.addAll(ParquetFiles.read(p, conf));
                    fs.copyToLocalFile(p, new org.apache.hadoop.fs.Path(local.resolve(names.size() + ".parquet")
                            .toUri()));
                }
            }
        }
        // Firehose's own batch intents stay under _sluice/ (readers skip _-prefixed directories); nothing else.
        assertThat(names).allMatch(n -> n.matches("s3a://lake/firehose/(orders/(eu|us|ap)|errors/2024/06/01/12)/"
                + "orders-shardId-\\d{12}-\\d+-\\d+\\.(parquet|jsonl\\.snappy)")
                || n.matches("s3a://lake/firehose/_sluice/orders/shardId-\\d{12}/intents/\\d+\\.json"));
        assertThat(rowsOf(read)).containsExactlyInAnyOrderElementsOf(expectedRows(100));
        assertThat(duckDbRows(local + "/*.parquet")).containsExactlyInAnyOrderElementsOf(expectedRows(100));
    }

    @Test
    void s3a_credentialsAreChecked() throws Exception {
        try (ObjectStore store = ObjectStores.open(URI.create("s3a://" + BUCKET + "/x"), s3aProperties("wrong"))) {
            assertThatThrownBy(() -> store.put("a/b.parquet", new byte[] {1}, 0, 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("403");
        }
    }

    private static final String TMP = ".0b7e2f4c-6a1d-4e0a-9c3b-5d8f7a2e1c90.tmp";

    @Test
    void local_crashLeftoversOfTheShard_areRemoved_othersKept() throws Exception {
        Path root = tmp.resolve("leftovers");
        String shard = "shardId-000000000001";
        List<String> ours = List.of(
                "orders/eu/2024/.orders-" + shard + "-100-250.parquet" + TMP,
                ".orders-" + shard + "-7-9.jsonl.gz" + TMP,
                "_sluice/orders/" + shard + "/intents/.100.json" + TMP);
        List<String> kept = List.of(
                "orders/eu/2024/orders-" + shard + "-100-250.parquet",                // a visible object
                "orders/eu/2024/.orders-shardId-000000000002-100-250.parquet" + TMP, // another shard's
                "orders/eu/2024/.orders-eu-" + shard + "-100-250.parquet" + TMP,      // another delivery stream's
                "_sluice/orders/shardId-000000000002/intents/.100.json" + TMP,
                "_sluice/orders/" + shard + "/intents/100.json",
                "orders/.hidden-by-someone-else.tmp");
        for (String f : concat(ours, kept)) {
            Files.createDirectories(root.resolve(f).getParent());
            Files.write(root.resolve(f), new byte[] {1});
        }
        try (ObjectStore store = ObjectStores.open(root.toUri(), Map.of())) {
            assertThat(store.cleanUpAbandoned("orders", shard)).isEqualTo(3);
            assertThat(store.cleanUpAbandoned("orders", shard)).isZero();
        }
        for (String f : ours) {
            assertThat(root.resolve(f)).doesNotExist();
        }
        for (String f : kept) {
            assertThat(root.resolve(f)).exists();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void s3a_unfinishedMultipartUploadsOfTheShard_areAborted_othersKept() throws Exception {
        String shard = "shardId-000000000001";
        List<String> ours = List.of("firehose/orders/eu/orders-" + shard + "-100-250.parquet",
                "firehose/_sluice/orders/" + shard + "/intents/100.json");
        List<String> kept = List.of("firehose/orders/eu/orders-shardId-000000000002-100-250.parquet",
                "firehose/orders/eu/orders-eu-" + shard + "-100-250.parquet",
                "elsewhere/orders-" + shard + "-100-250.parquet");
        try (software.amazon.awssdk.services.s3.S3Client s3 = s3Client()) {
            for (String key : concat(ours, kept)) {
                String id = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
                s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1),
                        software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[1024]));
            }
            assertThat(uploads(s3)).containsExactlyInAnyOrderElementsOf(concat(ours, kept));
            try (ObjectStore store = ObjectStores.open(URI.create("s3a://" + BUCKET + "/firehose"),
                    s3aProperties(SECRET_KEY))) {
                assertThat(store.cleanUpAbandoned("orders", shard)).isEqualTo(2);
            }
            assertThat(uploads(s3)).containsExactlyInAnyOrderElementsOf(kept);
            for (String key : kept) {
                s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads()
                        .forEach(u -> s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(u.uploadId())));
            }
        }
    }

    private static List<String> uploads(software.amazon.awssdk.services.s3.S3Client s3) {
        return s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().stream()
                .map(software.amazon.awssdk.services.s3.model.MultipartUpload::key).toList();
    }

    private static software.amazon.awssdk.services.s3.S3Client s3Client() {
        return software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + s3Proxy.getPort()))
                .forcePathStyle(true)
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder())
                .build();
    }

    @Test
    void putIfAbsent_keepsTheFirstObject_onBothStores() throws Exception {
        try (ObjectStore s3 = ObjectStores.open(URI.create("s3a://" + BUCKET + "/cas"), s3aProperties(SECRET_KEY));
             ObjectStore local = ObjectStores.open(tmp.resolve("cas").toUri(), Map.of())) {
            for (ObjectStore store : List.of(s3, local)) {
                assertThat(store.putIfAbsent("_sluice/k.json", new byte[] {1})).isTrue();
                assertThat(store.putIfAbsent("_sluice/k.json", new byte[] {2})).isFalse();
                assertThat(store.get("_sluice/k.json")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
                store.delete("_sluice/k.json");
                assertThat(store.get("_sluice/k.json")).isEmpty();
            }
        }
    }
}
