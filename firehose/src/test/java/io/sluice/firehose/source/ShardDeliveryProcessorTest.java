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
        assertThat(store.objects().keySet()).containsExactly("2024/06/01/12/logs-" + SHARD + "-1-2.jsonl.snappy");
        assertThat(p.oldestBufferedArrivalMs()).isEqualTo(Long.MAX_VALUE);
    }

    private static ConsumerRecord record(long seq) {
        return new ConsumerRecord(SHARD, Long.toString(seq), Instant.parse("2024-06-01T12:00:00Z").toEpochMilli(),
                "pk", ByteString.copyFrom("{\"n\":" + seq + "}", StandardCharsets.UTF_8));
    }
}
