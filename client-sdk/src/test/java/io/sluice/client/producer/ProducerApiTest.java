package io.sluice.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a user of the producer API sees without a cluster: settings, record validation, the fake. */
class ProducerApiTest {
    private static final byte[] DATA = "v".getBytes(StandardCharsets.UTF_8);

    @Test
    void badSettingsFailBuildNamingTheKeyAndWhatItAccepts() {
        assertThatThrownBy(() -> SluiceProducer.builder().build()).hasMessageStartingWith("endpoints: must be set");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("no-port").build())
                .hasMessageStartingWith("endpoints: must be one or more host:port");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("h:1").lingerMs(-1).build())
                .hasMessage("linger.ms: must be 0..60000, got -1");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("h:1").maxBatchRecords(501).build())
                .hasMessage("batch.max.records: must be 1..500, got 501");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("h:1").maxBatchBytes((5 << 20) + 1).build())
                .hasMessageStartingWith("batch.max.bytes: must be 1..5242880");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("h:1").deliveryTimeoutMs(1000)
                .requestTimeoutMs(5000).build())
                .hasMessageStartingWith("delivery.timeout.ms: must be at least linger.ms + request.timeout.ms");
        assertThatThrownBy(() -> SluiceProducer.builder().endpoints("h:1").retryBackoffMs(500).retryBackoffMaxMs(100)
                .build()).hasMessageStartingWith("retry.backoff.max.ms: must be at least retry.backoff.ms");
        assertThatThrownBy(() -> SluiceProducer.builder().properties(Map.of("endpoints", "h:1", "lingr.ms", "5"))
                .build()).hasMessageStartingWith("lingr.ms: unknown producer setting");
        assertThatThrownBy(() -> SluiceProducer.builder().properties(Map.of("endpoints", "h:1", "idempotent", "yes"))
                .build()).hasMessageContaining("idempotent: must be true|false");
        ProducerConfig c = ProducerConfig.fromProperties(Map.of("endpoints", "a:1, b:2", "idempotent", "true"),
                io.sluice.common.Limits.DEFAULTS);
        assertThat(c.endpoints()).containsExactly("a:1", "b:2");
        assertThat(c.strictOrdering()).as("idempotence implies strict ordering").isTrue();
    }

    @Test
    void recordsBreakingALimitFailAtOnceWithTheBrokersFieldNames_forTheRealProducerAndTheFake() throws Exception {
        // Nothing listens on port 1: these puts must fail on validation, before any network use.
        try (SluiceProducer real = SluiceProducer.builder().endpoints("127.0.0.1:1").maxBlockMs(60_000).build()) {
            for (Producer p : List.of(real, new FakeProducer())) {
                assertInvalid(p.put("s", "", DATA), "partition_key", "1..256");
                assertInvalid(p.put("s", "k".repeat(257), DATA), "partition_key", "256");
                assertInvalid(p.put("s", "k", new byte[(1 << 20)]), "data", "1048576");
                assertInvalid(p.put("s", "k", "-1", DATA), "explicit_hash_key", "");
                assertInvalid(p.put("s", "k", "340282366920938463463374607431768211456", DATA), "explicit_hash_key",
                        "");
                assertInvalid(p.put("bad name", "k", DATA), "stream_name", "128");
                assertInvalid(p.put("s", "k", null), "data", "");
            }
            assertThat(real.metrics().bufferedBytes()).as("nothing was queued").isZero();
        }
    }

    @Test
    void fakeProducerRoutesAndSequencesLikeAStream_andInjectsFailures() throws Exception {
        FakeProducer fake = new FakeProducer().withShards("clicks", 4);
        PutResult a = fake.put("clicks", "user-1", DATA).get();
        PutResult b = fake.put("clicks", "user-1", DATA).get();
        assertThat(b.shardId()).isEqualTo(a.shardId());
        assertThat(b.sequenceNumber()).isGreaterThan(a.sequenceNumber());
        PutResult top = fake.put("clicks", "k", "340282366920938463463374607431768211455", DATA).get();
        assertThat(top.shardId()).isEqualTo("shardId-000000000003");

        fake.failNext(1, SluiceException.of(ErrorCode.THROTTLED, "slow down"));
        Throwable e = failure(fake.put("clicks", "user-2", DATA));
        assertThat(((SluiceException) e).code()).isEqualTo(ErrorCode.THROTTLED);
        assertThat(fake.put("clicks", "user-2", DATA).get().shardId()).startsWith("shardId-");
        assertThat(fake.records("clicks")).extracting(FakeProducer.Sent::partitionKey)
                .containsExactly("user-1", "user-1", "k", "user-2");
        fake.close();
        assertThat(failure(fake.put("clicks", "x", DATA))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void docsListEverySetting() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "producer.md"));
        assertThat(doc).as("docs/producer.md must end with ProducerConfig.referenceMarkdown()")
                .contains(ProducerConfig.referenceMarkdown());
    }

    private static void assertInvalid(CompletableFuture<PutResult> f, String field, String limit) throws Exception {
        assertThat(f).as("fails at once").isCompletedExceptionally();
        Throwable e = failure(f);
        assertThat(e).isInstanceOf(SluiceException.class);
        SluiceException se = (SluiceException) e;
        assertThat(se.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(se.detail().getField()).isEqualTo(field);
        assertThat(se.getMessage()).contains(field).contains(limit);
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
