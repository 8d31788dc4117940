package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.HashKeyRange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Drives {@link Producer#runOnce} with explicit times and a sender that answers only when told to. */
class ProducerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private record Call(Batch batch, Runnable done) {
    }

    private static final class FakeSender implements Producer.BatchSender {
        final List<Call> calls = new ArrayList<>();
        int answered;

        @Override
        public void send(Batch batch, Runnable done) {
            calls.add(new Call(batch, done));
        }

        void answerNext() {
            calls.get(answered++).done().run();
        }

        void answerAll() {
            while (answered < calls.size()) {
                answerNext();
            }
        }

        List<Long> intendedTimes() {
            List<Long> out = new ArrayList<>();
            for (Call c : calls) {
                for (int i = 0; i < c.batch().count(); i++) {
                    out.add(c.batch().intendedNanos(i));
                }
            }
            out.sort(Long::compare);
            return out;
        }
    }

    private static KeySpace keys() {
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(2);
        return new KeySpace(100, 1024, 7, new ShardMap(List.of(
                new ShardMap.ShardInfo("shardId-000000000000", ranges.get(0), "group-0"),
                new ShardMap.ShardInfo("shardId-000000000001", ranges.get(1), "group-1"))));
    }

    private static Producer producer(FakeSender sender, RateSchedule schedule, int batchRecords, int maxInFlight,
                                     long lingerNanos) {
        KeySpace keys = keys();
        return new Producer(keys, new ShardBatcher(2, batchRecords, 1 << 20, lingerNanos), schedule, 1, sender,
                maxInFlight, lingerNanos);
    }

    @Test
    void fixedRate_recordsKeepTheirIntendedTimesAndLeaveAfterTheLinger() {
        FakeSender sender = new FakeSender();
        Producer p = producer(sender, new RateSchedule(0, 1000), 500, 16, 5 * MS);
        long wake = p.runOnce(0);
        assertThat(wake).as("next record due at 1 ms").isEqualTo(MS);
        p.runOnce(4 * MS + MS / 2);
        assertThat(sender.calls).as("no batch is older than the linger yet").isEmpty();
        p.runOnce(5 * MS);
        assertThat(sender.calls).isNotEmpty();
        assertThat(sender.calls.get(0).batch().firstIntendedNanos()).isZero();
        p.stop();
        p.runOnce(5 * MS);
        assertThat(sender.intendedTimes()).containsExactly(0L, MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS);
        assertThat(p.lagNanos()).isZero();
    }

    @Test
    void maxRate_neverHasMoreCallsOutstandingThanTheWindow() {
        FakeSender sender = new FakeSender();
        Producer p = producer(sender, null, 10, 2, 5 * MS);
        long wake = p.runOnce(0);
        assertThat(sender.calls).hasSize(2);
        assertThat(p.inFlight()).isEqualTo(2);
        assertThat(wake).as("waits for an answer").isEqualTo(Producer.MAX_PARK_NANOS);
        p.runOnce(MS);
        assertThat(sender.calls).hasSize(2);
        sender.answerNext();
        p.runOnce(2 * MS);
        assertThat(sender.calls).hasSize(3);
        assertThat(sender.calls).allSatisfy(c -> assertThat(c.batch().count()).isEqualTo(10));
    }

    @Test
    void fixedRate_aProducerThatCannotSendFallsBehindAndLateRecordsKeepTheirSchedule() {
        FakeSender sender = new FakeSender();
        Producer p = producer(sender, new RateSchedule(0, 1000), 1, 1, 5 * MS);
        p.runOnce(1000 * MS); // 1001 records are due, but only one call may be outstanding
        assertThat(sender.calls).hasSize(1);
        assertThat(p.lagNanos()).as("stopped making records once batches piled up").isGreaterThan(900 * MS);
        sender.answerNext();
        p.runOnce(1000 * MS);
        assertThat(sender.calls).hasSize(2);
        assertThat(sender.calls.get(1).batch().firstIntendedNanos()).as("the second record, made late, still counts "
                + "from when it was due").isEqualTo(MS);
    }

    @Test
    void stop_sendsWhatIsLeftAndIsDoneOnceEveryCallIsAnswered() {
        FakeSender sender = new FakeSender();
        Producer p = producer(sender, new RateSchedule(0, 1000), 500, 16, 1000 * MS);
        p.runOnce(10 * MS);
        assertThat(sender.calls).isEmpty();
        p.stop();
        assertThat(p.done()).isFalse();
        p.runOnce(10 * MS);
        assertThat(sender.intendedTimes()).hasSize(11);
        assertThat(p.done()).as("calls are still outstanding").isFalse();
        sender.answerAll();
        assertThat(p.done()).isTrue();
    }
}
