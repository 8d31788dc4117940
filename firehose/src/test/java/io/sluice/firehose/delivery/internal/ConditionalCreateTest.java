package io.sluice.firehose.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch intent's create-if-absent on S3 (S3A against S3Proxy on loopback) when two writers race: the second
 * writer's object lands between the first writer's start and its close.
 */
class ConditionalCreateTest {
    private static final String BUCKET = "lake";

    @TempDir
    static Path s3Root;
    private static S3Proxy s3Proxy;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        FilesystemNio2BlobStore blobStore = new FilesystemNio2BlobStore(s3Root.toString());
        blobStore.createContainer(software.amazon.awssdk.services.s3.model.CreateBucketRequest.builder()
                .bucket(BUCKET).build());
        s3Proxy = S3Proxy.builder().blobStore(blobStore).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "k", "s").stopTimeout(0).build();
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

    private static HadoopObjectStore store() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("fs.s3a.endpoint", "http://127.0.0.1:" + s3Proxy.getPort());
        p.put("fs.s3a.path.style.access", "true");
        p.put("fs.s3a.endpoint.region", "us-east-1");
        p.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        p.put("fs.s3a.access.key", "k");
        p.put("fs.s3a.secret.key", "s");
        p.put("fs.s3a.attempts.maximum", "1");
        p.put("fs.s3a.retry.limit", "1");
        return new HadoopObjectStore(URI.create("s3a://" + BUCKET + "/race"), p);
    }

    @Test
    void twoWritersRacing_onlyOneCreatesTheIntent_andTheLoserSeesTheWinners() throws Exception {
        try (HadoopObjectStore first = store(); HadoopObjectStore second = store()) {
            assertThat(first.conditionalCreate()).isTrue();
            String key = "_sluice/orders/shardId-000000000001/intents/100.json";
            boolean[] secondCreated = {false};
            boolean firstCreated = first.putIfAbsent(key, "first".getBytes(),
                    () -> secondCreated[0] = second.putIfAbsent(key, "second".getBytes()));
            assertThat(secondCreated[0]).isTrue();
            assertThat(firstCreated).isFalse();
            assertThat(first.get(key)).hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo("second"));
            assertThat(first.putIfAbsent(key, "again".getBytes())).isFalse();
        }
    }
}
