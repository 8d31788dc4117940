package io.sluice.firehose.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.firehose.delivery.BufferingHints;
import io.sluice.firehose.delivery.DataFormat;
import io.sluice.firehose.delivery.DeliveryMetrics;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.firehose.delivery.InMemoryObjectStore;
import io.sluice.firehose.delivery.RetryPolicy;
import io.sluice.firehose.delivery.ShardDelivery;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The processor between the consumer SDK's lease callbacks and a shard's delivery. */
class ShardDeliveryProcessorTest {
    private static final String SHARD = "shardId-000000000000";

    /** The lease's checkpointer as the consumer gives it. */
    private static final class RecordingCheckpointer implements Checkpointer {
        final List<String> checkpoints = new ArrayList<>();
        volatile long millisUntilLeaseExpiry = 10_000;
        int givenUp;

        @Override
        public long millisUntilLeaseExpiry() {
            return millisUntilLeaseExpiry;
        }

        @Override
        public void giveUpLease() {
            givenUp++;
        }

        @Override
        public void checkpoint() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkpoint(String sequenceNumber) {
            checkpoints.add(sequenceNumber);
        }

        @Override
        public void checkpointShardEnd() {
            checkpoints.add("SHARD_END");
        }

        @Override
        public String lastCheckpoint() {
            return checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
        }
    }

    private static final class StepClock extends Clock {
        volatile Instant now = Instant.parse("2024-06-01T12:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aQuietShardWhoseTimedDeliveryFailed_isDeliveredByALaterCheck_withoutAnotherRecord() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        StepClock clock = new StepClock();
        DeliveryStreamConfig config = DeliveryStreamConfig.builder().name("logs").sourceStream("logs-in")
                .destination("file:///tmp/unused").dataFormat(DataFormat.JSON_LINES)
                .bufferingHints(new BufferingHints(1, 10)).build();
        ShardDeliveryProcessor p = new ShardDeliveryProcessor("logs", (shard, checkpointer) ->
                new ShardDelivery(config, shard, store, checkpointer, new DeliveryMetrics(), clock,
                        new RetryPolicy(2, Duration.ZERO, Duration.ZERO), d -> { }));
        RecordingCheckpointer checkpointer = new RecordingCheckpointer();
        p.initialize(SHARD, io.sluice.client.consumer.StartPosition.trimHorizon());
        p.processRecords(List.of(record(1), record(2)), checkpointer, 0);

        clock.now = clock.now.plusSeconds(10);
        store.failPuts(key -> true, Integer.MAX_VALUE);
        p.maybeFlush(); // the timed delivery fails past its retries
        assertThat(checkpointer.checkpoints).isEmpty();
        assertThat(p.finished()).isFalse();

        store.failPuts(key -> false, 0);
        p.maybeFlush(); // no record came; the timer alone completes it
        assertThat(checkpointer.checkpoints).containsExactly("2");
        assertThat(store.objects().keySet()).containsExactly("2024/06/01/12/logs-" + SHARD + "-1-2.jsonl.snappy",
                "_sluice/logs/" + SHARD + "/intents/1.json");
        assertThat(p.oldestBufferedArrivalMs()).isEqualTo(Long.MAX_VALUE);
    }

    private static ConsumerRecord record(long seq) {
        return new ConsumerRecord(SHARD, Long.toString(seq), Instant.parse("2024-06-01T12:00:00Z").toEpochMilli(),
                "pk", ByteString.copyFrom("{\"n\":" + seq + "}", StandardCharsets.UTF_8));
    }

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final StepClock clock = new StepClock();
    private final DeliveryMetrics metrics = new DeliveryMetrics();
    private final io.sluice.firehose.delivery.BufferBudget budget = new io.sluice.firehose.delivery.BufferBudget(
            1 << 30);
    private final RecordingCheckpointer lease = new RecordingCheckpointer();
    private final java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();

    /** A processor as the worker makes it: a 2.5 s lease margin, 10 s interval, a shared budget. */
    private ShardDeliveryProcessor processor() {
        DeliveryStreamConfig config = DeliveryStreamConfig.builder().name("logs").sourceStream("logs-in")
                .destination("file:///tmp/unused").dataFormat(DataFormat.JSON_LINES)
                .bufferingHints(new BufferingHints(1, 10)).build();
        ShardDeliveryProcessor p = new ShardDeliveryProcessor("logs", (shard, checkpointer) ->
                new ShardDelivery(config, shard, store, checkpointer, metrics, clock,
                        new RetryPolicy(2, Duration.ZERO, Duration.ZERO), d -> { }, budget), 2_500,
                ended::incrementAndGet);
        p.initialize(SHARD, io.sluice.client.consumer.StartPosition.trimHorizon());
        return p;
    }

    @Test
    void aCallbackFailingUnexpectedly_endsTheDelivery_theTimerWritesNothing_andTheBudgetIsGivenBack() {
        ShardDeliveryProcessor p = processor();
        p.processRecords(List.of(record(1), record(2)), lease, 0);
        assertThat(budget.totalBytes()).isPositive();
        // A record out of order: IllegalArgumentException from the delivery, not a DeliveryException.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.processRecords(List.of(record(2)), lease, 0))
                .isInstanceOf(RuntimeException.class);
        assertThat(budget.totalBytes()).as("the buffers' share given back").isZero();

        clock.now = clock.now.plusSeconds(10);
        p.maybeFlush(); // the consumer released the lease: the timer must not deliver for it
        assertThat(store.objects()).isEmpty();
        assertThat(lease.checkpoints).isEmpty();
        assertThat(p.oldestBufferedArrivalMs()).as("still undelivered until the processor ends")
                .isEqualTo(record(1).approximateArrivalTimestampMs());

        p.processingEnded(); // the consumer's end of the lease
        assertThat(p.finished()).isTrue();
        assertThat(ended).hasValue(1);
        assertThat(p.oldestBufferedArrivalMs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aProcessorEndedWithoutCallbacks_givesItsBudgetBack_evenWhileItHoldsBuffers() {
        ShardDeliveryProcessor p = processor();
        p.processRecords(List.of(record(1), record(2)), lease, 0);
        assertThat(budget.totalBytes()).isPositive();
        p.processingEnded(); // e.g. the consumer's close() timed out, or it stopped at once
        assertThat(budget.totalBytes()).isZero();
        assertThat(p.finished()).isTrue();
        p.maybeFlush();
        assertThat(budget.totalBytes()).isZero();
        assertThat(store.objects()).isEmpty();
    }

    @Test
    void aNonRetryableFailureOnTheTimer_givesTheLeaseUp_andTheShardKeepsReportingItsOldestRecord() throws Exception {
        ShardDeliveryProcessor p = processor();
        p.processRecords(List.of(record(1), record(2)), lease, 0);
        // another writer cut the batch from record 1 differently
        store.putIfAbsent("_sluice/logs/" + SHARD + "/intents/1.json",
                "{\"first\":\"1\",\"last\":\"3\",\"records\":3}".getBytes(StandardCharsets.UTF_8));
        clock.now = clock.now.plusSeconds(10);
        p.maybeFlush();
        assertThat(lease.givenUp).as("no record needed to end the lease").isEqualTo(1);
        assertThat(lease.checkpoints).isEmpty();
        assertThat(store.objects().keySet()).containsExactly("_sluice/logs/" + SHARD + "/intents/1.json");
        assertThat(p.oldestBufferedArrivalMs()).isEqualTo(record(1).approximateArrivalTimestampMs());
        assertThat(metrics.deliveryFailures()).isEqualTo(1);
        assertThat(budget.totalBytes()).isZero();
        p.maybeFlush();
        assertThat(lease.givenUp).isEqualTo(1);
        p.leaseLost(); // what the consumer does after giveUpLease
        p.processingEnded();
        assertThat(p.oldestBufferedArrivalMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(p.finished()).isTrue();
    }

    @Test
    void theTimer_doesNotWrite_whenTheLeaseIsNotKnownToBeHeldForTheMargin() {
        ShardDeliveryProcessor p = processor();
        p.processRecords(List.of(record(1), record(2)), lease, 0);
        clock.now = clock.now.plusSeconds(10);
        lease.millisUntilLeaseExpiry = 2_499; // renewals failed for a while (or the process was paused)
        p.maybeFlush();
        assertThat(store.objects()).as("not even the intent").isEmpty();
        assertThat(lease.checkpoints).isEmpty();
        assertThat(lease.givenUp).isEqualTo(1);
    }
}
