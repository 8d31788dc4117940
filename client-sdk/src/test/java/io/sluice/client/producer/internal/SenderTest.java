package io.sluice.client.producer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.producer.PutResult;
import io.sluice.common.HashKey;
import io.sluice.common.HashKeyRange;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sender step driven by hand: batching, routing, retries, ordering and idempotent sequences. */
class SenderTest {
    private static final String FIRST = "0";
    private static final String LAST = HashKey.MAX_VALUE.toString();

    private static List<String> data(PutRecordsRequest r) {
        return r.getRecordsList().stream().map(e -> e.getData().toStringUtf8()).toList();
    }

    private static List<CompletableFuture<PutResult>> putAll(SenderHarness h, String hashKey, String... data)
            throws Exception {
        List<CompletableFuture<PutResult>> out = new ArrayList<>();
        for (String d : data) {
            out.add(h.put("k", hashKey, d));
        }
        return out;
    }

    @Test
    void batchesWaitForLinger_thenGoToTheirGroupLeaders_oneCallPerLeader() throws Exception {
        try (SenderHarness h = new SenderHarness(2, 2, Map.of())) {
            List<CompletableFuture<PutResult>> a = putAll(h, FIRST, "a0", "a1", "a2");
            List<CompletableFuture<PutResult>> b = putAll(h, LAST, "b0", "b1");
            h.runOnce();
            assertThat(h.client.calls).as("nothing sent before linger.ms").isEmpty();

            h.time.advanceMs(10);
            h.runOnce();
            assertThat(h.client.calls).hasSize(2);
            for (FakeBrokerClient.Call c : h.client.calls) {
                if (c.address().equals(FakeBrokerClient.address(0))) {
                    assertThat(data(c.request())).containsExactly("a0", "a1", "a2");
                } else {
                    assertThat(c.address()).isEqualTo(FakeBrokerClient.address(1));
                    assertThat(data(c.request())).containsExactly("b0", "b1");
                }
                assertThat(c.request().getProducerId()).as("not idempotent").isZero();
                c.response().complete(h.client.success(c.request()));
            }
            h.runOnce();
            assertThat(a).allMatch(CompletableFuture::isDone);
            assertThat(a.get(2).join().shardId()).isEqualTo("shardId-000000000000");
            assertThat(a.get(2).join().sequenceNumber().position()).isEqualTo(2);
            assertThat(b.get(1).join().shardId()).isEqualTo("shardId-000000000001");
            assertThat(h.buffer.usedBytes()).as("acknowledged records release the buffer").isZero();
            assertThat(h.metrics.snapshot(0).recordsSent()).isEqualTo(5);
            assertThat(h.metrics.snapshot(0).averageBatchRecords()).isEqualTo(2.5);
        }
    }

    @Test
    void fullBatch_isSentWithoutWaitingForLinger() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of("batch.max.records", "3"))) {
            putAll(h, FIRST, "r0", "r1", "r2", "r3");
            h.runOnce();
            assertThat(h.client.calls).hasSize(1);
            assertThat(data(h.client.calls.poll().request())).containsExactly("r0", "r1", "r2");
        }
    }

    @Test
    void shardBatchesOfOneLeader_shareCallsWithinThePutRecordsLimit() throws Exception {
        try (SenderHarness h = new SenderHarness(4, 1, Map.of("batch.max.records", "200"))) {
            List<HashKeyRange> ranges = HashKeyRange.evenSplit(4);
            for (HashKeyRange r : ranges) {
                for (int i = 0; i < 200; i++) {
                    h.put("k", r.start().toString(), r.start() + "-" + i);
                }
            }
            h.runOnce();
            assertThat(h.client.calls).hasSize(2);
            for (FakeBrokerClient.Call c : h.client.calls) {
                assertThat(c.request().getRecordsCount()).isEqualTo(400);
                assertThat(c.request().getRecordsList().stream().map(h.client::shardOf).distinct()).hasSize(2);
            }
        }
    }

    @Test
    void retriableEntryFailures_areRetriedAlone_afterBackoff_inOrder() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of())) {
            List<CompletableFuture<PutResult>> f = putAll(h, FIRST, "r0", "r1", "r2", "r3");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            PutRecordsRequest req = c.request();
            c.response().complete(FakeBrokerClient.answer(req, i -> i % 2 == 0
                    ? h.client.success(PutRecordsRequest.newBuilder().addRecords(req.getRecords(i)).build())
                    .getRecords(0)
                    : PutRecordsResultEntry.newBuilder().setErrorCode(ErrorCode.THROTTLED).setErrorMessage("slow")
                    .setRetriable(true).build()));
            h.runOnce();
            assertThat(f.get(0)).isCompleted();
            assertThat(f.get(2)).isCompleted();
            assertThat(f.get(1)).isNotDone();
            assertThat(f.get(3)).isNotDone();
            assertThat(h.client.calls).as("the retry waits for its backoff").isEmpty();

            h.time.advanceMs(50);
            h.runOnce();
            assertThat(h.client.calls).as("still backing off (100 ms +/- 20%)").isEmpty();
            h.time.advanceMs(100);
            h.runOnce();
            FakeBrokerClient.Call retry = h.client.calls.poll();
            assertThat(data(retry.request())).containsExactly("r1", "r3");
            retry.response().complete(h.client.success(retry.request()));
            h.runOnce();
            assertThat(f).allMatch(x -> x.isDone() && !x.isCompletedExceptionally());
            assertThat(h.metrics.snapshot(0).recordsRetried()).isEqualTo(2);
        }
    }

    @Test
    void nonRetriableEntryFailure_failsThatRecordAtOnce() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of())) {
            CompletableFuture<PutResult> f = h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            c.response().complete(FakeBrokerClient.failure(c.request(), ErrorCode.INVALID_ARGUMENT, false));
            h.runOnce();
            assertThat(f).isCompletedExceptionally();
            assertThat(f.handle((r, e) -> ((SluiceException) e).code()).join()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            h.time.advanceMs(1000);
            h.runOnce();
            assertThat(h.client.calls).isEmpty();
            assertThat(h.buffer.usedBytes()).isZero();
            assertThat(h.metrics.snapshot(0).recordsFailed()).isEqualTo(1);
        }
    }

    @Test
    void failingCalls_moveToAnotherBroker_andStopAtTheDeliveryTimeout_withTheLastError() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of())) {
            CompletableFuture<PutResult> f = h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 1000 && !f.isDone(); i++) {
                h.runOnce();
                FakeBrokerClient.Call c = h.client.calls.poll();
                if (c != null) {
                    addresses.add(c.address());
                    c.response().completeExceptionally(SluiceException.of(ErrorCode.UNAVAILABLE,
                            "broker " + c.address() + " unreachable"));
                }
                h.time.advanceMs(50);
            }
            assertThat(f).isCompletedExceptionally();
            SluiceException e = (SluiceException) f.handle((r, t) -> t).join();
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("delivery.timeout.ms (5000 ms)").contains("last error")
                    .contains("unreachable");
            assertThat(addresses.size()).as("retried until the deadline").isGreaterThan(5);
            assertThat(addresses.get(0)).as("first to the group leader").isEqualTo(FakeBrokerClient.address(0));
            assertThat(addresses.get(1)).as("then, with the leader failing, elsewhere").isNotEqualTo(addresses.get(0));
        }
    }

    @Test
    void strictOrdering_keepsOneBatchPerShardInFlight_otherwiseSeveral() throws Exception {
        for (boolean strict : new boolean[] {true, false}) {
            try (SenderHarness h = new SenderHarness(1, 1, Map.of("batch.max.records", "2",
                    "strict.ordering", Boolean.toString(strict)))) {
                putAll(h, FIRST, "r0", "r1", "r2", "r3", "r4", "r5");
                for (int i = 0; i < 5; i++) {
                    h.runOnce();
                }
                assertThat(h.client.calls).as("calls in flight, strict=%s", strict).hasSize(strict ? 1 : 3);
                if (strict) {
                    FakeBrokerClient.Call c = h.client.calls.poll();
                    assertThat(data(c.request())).containsExactly("r0", "r1");
                    c.response().complete(h.client.success(c.request()));
                    h.runOnce();
                    assertThat(data(h.client.calls.poll().request())).containsExactly("r2", "r3");
                }
            }
        }
    }

    @Test
    void idempotent_sequencesCountRecordsPerShard_andARetryResendsTheSameBatch() throws Exception {
        try (SenderHarness h = new SenderHarness(2, 1, Map.of("idempotent", "true", "batch.max.records", "2"))) {
            putAll(h, FIRST, "a0", "a1", "a2");
            putAll(h, LAST, "b0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call first = h.client.calls.poll();
            assertThat(h.client.calls).isEmpty();
            PutRecordsRequest r1 = first.request();
            assertThat(r1.getProducerId()).isNotZero().isEqualTo(h.sequences.producerId());
            assertThat(r1.getProducerSequencesMap()).as("a sequence for every shard in the call")
                    .containsExactlyInAnyOrderEntriesOf(Map.of("shardId-000000000000", 0L, "shardId-000000000001", 0L));
            assertThat(data(r1)).as("shards' batches may come in any order; a shard's records keep theirs")
                    .containsExactlyInAnyOrder("a0", "a1", "b0").containsSubsequence("a0", "a1");

            first.response().completeExceptionally(SluiceException.of(ErrorCode.UNAVAILABLE, "timed out"));
            h.runOnce();
            h.time.advanceMs(500);
            for (int i = 0; i < 3; i++) {
                h.runOnce();
            }
            List<PutRecordsRequest> retries = new ArrayList<>();
            h.client.calls.forEach(c -> retries.add(c.request()));
            assertThat(retries).as("one call per shard batch in flight; a2 waits behind its shard's retry")
                    .allSatisfy(r -> assertThat(r.getProducerId()).isEqualTo(r1.getProducerId()));
            List<PutRecordsRequestEntry> resent = retries.stream().flatMap(r -> r.getRecordsList().stream()).toList();
            assertThat(resent).containsExactlyInAnyOrderElementsOf(r1.getRecordsList());
            assertThat(retries.stream().flatMap(r -> r.getProducerSequencesMap().entrySet().stream()))
                    .containsExactlyInAnyOrderElementsOf(r1.getProducerSequencesMap().entrySet());

            for (FakeBrokerClient.Call c; (c = h.client.calls.poll()) != null; ) {
                c.response().complete(h.client.success(c.request()));
            }
            h.runOnce();
            FakeBrokerClient.Call next = h.client.calls.poll();
            assertThat(data(next.request())).containsExactly("a2");
            assertThat(next.request().getProducerSequencesMap()).containsExactlyEntriesOf(
                    Map.of("shardId-000000000000", 2L));
        }
    }

    @Test
    void idempotent_duplicateSequence_completesAsStoredWithoutASequenceNumber() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of("idempotent", "true"))) {
            CompletableFuture<PutResult> f = h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            c.response().complete(FakeBrokerClient.failure(c.request(), ErrorCode.DUPLICATE_SEQUENCE, false));
            h.runOnce();
            PutResult r = f.get(1, TimeUnit.SECONDS);
            assertThat(r.shardId()).isEqualTo("shardId-000000000000");
            assertThat(r.sequenceNumberKnown()).isFalse();
            assertThat(h.metrics.snapshot(0).recordsSent()).isEqualTo(1);
        }
    }

    @Test
    void idempotent_batchGivenUp_movesItsShardToANewProducerIdFromSequenceZero() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of("idempotent", "true"))) {
            CompletableFuture<PutResult> f = h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            long id = c.request().getProducerId();
            c.response().complete(FakeBrokerClient.failure(c.request(), ErrorCode.INTERNAL, false));
            h.runOnce();
            assertThat(f).isCompletedExceptionally();

            h.put("k", FIRST, "r1");
            h.time.advanceMs(10);
            h.runOnce();
            PutRecordsRequest next = h.client.calls.poll().request();
            assertThat(next.getProducerId()).isNotZero().isNotEqualTo(id);
            assertThat(next.getProducerSequencesMap()).containsExactlyEntriesOf(Map.of("shardId-000000000000", 0L));
        }
    }

    @Test
    void idempotent_outOfOrderSequence_isRetried() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of("idempotent", "true"))) {
            CompletableFuture<PutResult> f = h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            c.response().complete(FakeBrokerClient.failure(c.request(), ErrorCode.OUT_OF_ORDER_SEQUENCE, true));
            h.runOnce();
            h.time.advanceMs(500);
            h.runOnce();
            FakeBrokerClient.Call retry = h.client.calls.poll();
            assertThat(retry.request()).isEqualTo(c.request());
            retry.response().complete(h.client.success(retry.request()));
            h.runOnce();
            assertThat(f.get(1, TimeUnit.SECONDS).sequenceNumberKnown()).isTrue();
        }
    }

    @Test
    void answerFromAnotherShard_refreshesTheShardMap() throws Exception {
        try (SenderHarness h = new SenderHarness(1, 1, Map.of())) {
            int before = h.client.listShardsCalls.get();
            h.put("k", FIRST, "r0");
            h.time.advanceMs(10);
            h.runOnce();
            FakeBrokerClient.Call c = h.client.calls.poll();
            c.response().complete(FakeBrokerClient.answer(c.request(), i -> PutRecordsResultEntry.newBuilder()
                    .setShardId("shardId-000000000009").setSequenceNumber("5").build()));
            h.runOnce();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (h.client.listShardsCalls.get() == before && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(h.client.listShardsCalls.get()).isGreaterThan(before);
        }
    }
}
