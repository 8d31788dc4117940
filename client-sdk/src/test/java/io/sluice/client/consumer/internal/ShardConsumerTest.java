package io.sluice.client.consumer.internal;

import static io.sluice.client.consumer.internal.FakeFetcher.seq;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A shard consumer driven step by step: a manual executor, a fake fetcher, an in-memory lease table. */
class ShardConsumerTest {
    private static final String SHARD = FakeLeases.shard(0);

    private final TestClock clock = new TestClock();
    private final FakeLeases cluster = new FakeLeases(clock, 1);
    private final ManualExecutor pool = new ManualExecutor();
    private final LongAdder processedByWorker = new LongAdder();
    private final List<String> events = new ArrayList<>();
    private LeaseClient worker;
    private LeaseInfo lease;
    private FakeFetcher fetcher;
    private Consumer<Checkpointer> afterBatch = c -> { };
    private Consumer<Checkpointer> onShutdown = Checkpointer::checkpoint;
    private Consumer<Checkpointer> onShardEnd = Checkpointer::checkpointShardEnd;

    @BeforeEach
    void takeTheLease() {
        worker = cluster.client("a", 10_000);
        lease = worker.acquire(SHARD, false, 0);
    }

    private final RecordProcessor processor = new RecordProcessor() {
        @Override
        public void initialize(String shardId, StartPosition start) {
            events.add("initialize " + shardId + " " + start);
        }

        @Override
        public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long millisBehind) {
            events.add("process " + records.get(0).sequenceNumber() + ".." + records.get(records.size() - 1)
                    .sequenceNumber());
            afterBatch.accept(checkpointer);
        }

        @Override
        public void leaseLost() {
            events.add("leaseLost");
        }

        @Override
        public void shardEnded(Checkpointer checkpointer) {
            events.add("shardEnded");
            onShardEnd.accept(checkpointer);
        }

        @Override
        public void shutdownRequested(Checkpointer checkpointer) {
            events.add("shutdownRequested");
            onShutdown.accept(checkpointer);
        }

        @Override
        public void processingEnded() {
            ended.incrementAndGet();
        }
    };
    private final java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();

    private ShardConsumer consumer(int maxPrefetchRecords) {
        ShardConsumer.Settings s = new ShardConsumer.Settings(worker, (shard, buffer) -> {
            fetcher = new FakeFetcher(shard, buffer);
            return fetcher;
        }, maxPrefetchRecords, 1 << 20, pool, clock, processedByWorker);
        ShardConsumer c = new ShardConsumer(lease, StartPosition.trimHorizon(), processor, s);
        c.start();
        pool.runAll();
        return c;
    }

    private String process(long from, long to) {
        return "process " + seq(from) + ".." + seq(to);
    }

    @Test
    void initializeThenBatchesInOrder_thenShutdownCheckpointsAndReleasesAtOnce() {
        ShardConsumer c = consumer(100);
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON");
        assertThat(fetcher.startedAt).isEqualTo(StartPosition.trimHorizon());
        fetcher.push(0, 3);
        fetcher.push(3, 2);
        pool.runAll();
        assertThat(events).endsWith(process(0, 2), process(3, 4));
        assertThat(c.metrics().recordsProcessed()).isEqualTo(5);
        assertThat(processedByWorker.sum()).isEqualTo(5);

        fetcher.push(5, 10); // prefetched, never handed over: shutdown comes first
        c.requestShutdown();
        pool.runAll();
        assertThat(events).endsWith(process(3, 4), "shutdownRequested");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.SHUT_DOWN);
        assertThat(fetcher.stopped).isTrue();
        FakeLeases.Row row = cluster.row(SHARD);
        assertThat(row.checkpoint).as("the last record processed, not the last prefetched").isEqualTo(seq(4));
        assertThat(row.owner).as("released at once").isEmpty();
        int checkpointAt = indexOf("a checkpoint");
        assertThat(checkpointAt).isLessThan(indexOf("a release"));
    }

    private int indexOf(String prefix) {
        for (int i = 0; i < cluster.calls.size(); i++) {
            if (cluster.calls.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no call " + prefix + " in " + cluster.calls);
    }

    @Test
    void leaseLost_dropsPrefetchedRecords_andNeitherCheckpointsNorReleases() {
        ShardConsumer c = consumer(100);
        fetcher.push(0, 3);
        fetcher.push(3, 3);
        c.leaseLost();
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", "leaseLost");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.LEASE_LOST);
        assertThat(c.metrics().prefetchedRecords()).isZero();
        assertThat(cluster.calls).noneMatch(s -> s.startsWith("a checkpoint") || s.startsWith("a release"));
    }

    @Test
    void aRefusedCheckpoint_endsTheProcessorWithLeaseLost_andNoMoreRecords() {
        afterBatch = Checkpointer::checkpoint;
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        pool.runAll();
        cluster.client("b", 10_000).acquire(SHARD, true, lease.leaseCounter()); // stolen
        fetcher.push(2, 2);
        fetcher.push(4, 2);
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", process(0, 1), process(2, 3),
                "leaseLost");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.LEASE_LOST);
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(seq(1));
        assertThat(cluster.row(SHARD).owner).isEqualTo("b");
    }

    @Test
    void shardEnd_callsShardEnded_whichCheckpointsShardEnd_andTheLeaseIsReleased() {
        afterBatch = Checkpointer::checkpoint;
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        fetcher.pushShardEnd();
        pool.runAll();
        assertThat(events).endsWith(process(0, 1), "shardEnded");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.SHARD_ENDED);
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(LeaseInfo.SHARD_END);
        assertThat(cluster.row(SHARD).owner).isEmpty();
    }

    @Test
    void shardEndedWithoutCheckpointingShardEnd_isAFailure_andTheShardIsNotMarkedFinished() {
        onShardEnd = Checkpointer::checkpoint;
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        fetcher.pushShardEnd();
        pool.runAll();
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.FAILED);
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(seq(1));
        assertThat(cluster.row(SHARD).owner).as("released for a retry").isEmpty();
    }

    @Test
    void aProcessorThatThrows_getsNoMoreCalls_andTheLeaseIsReleasedWithoutACheckpoint() {
        afterBatch = c -> {
            throw new IllegalStateException("boom");
        };
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        fetcher.push(2, 2);
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", process(0, 1));
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.FAILED);
        assertThat(cluster.row(SHARD).owner).isEmpty();
        assertThat(cluster.row(SHARD).checkpoint).isNull();
    }

    @Test
    void aLeaseNotRenewedInTime_stopsBeforeTheNextBatch() {
        ShardConsumer c = consumer(100);
        c.extendLease(clock.millis() + 3_000);
        fetcher.push(0, 2);
        pool.runAll();
        clock.advance(Duration.ofMillis(3_000));
        fetcher.push(2, 2);
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", process(0, 1), "leaseLost");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.LEASE_LOST);
    }

    @Test
    void extendLease_neverShortensIt() {
        ShardConsumer c = consumer(100);
        c.extendLease(5_000);
        c.extendLease(4_000);
        assertThat(c.leaseValidUntilMs()).isEqualTo(5_000);
    }

    @Test
    void abandon_endsWithoutCallbacksAndFencesCheckpoints() {
        List<Checkpointer> kept = new ArrayList<>();
        afterBatch = kept::add;
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        pool.runAll();
        c.abandon();
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", process(0, 1));
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.LEASE_LOST);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.get(0).checkpoint())
                .isInstanceOf(io.sluice.common.SluiceException.class);
        assertThat(cluster.calls).noneMatch(s -> s.startsWith("a checkpoint") || s.startsWith("a release"));
        assertThat(cluster.row(SHARD).owner).as("left to expire").isEqualTo("a");
    }

    @Test
    void lostBeforeInitialize_theProcessorGetsNoCallAtAll() {
        ShardConsumer.Settings s = new ShardConsumer.Settings(worker, (shard, buffer) -> {
            fetcher = new FakeFetcher(shard, buffer);
            return fetcher;
        }, 10, 1 << 20, pool, clock, processedByWorker);
        ShardConsumer c = new ShardConsumer(lease, StartPosition.latest(), processor, s);
        c.start();
        c.leaseLost();
        pool.runAll();
        assertThat(events).isEmpty();
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.LEASE_LOST);
        assertThat(fetcher.startedAt).isNull();
    }

    @Test
    void giveUpLease_fromAnotherThread_endsWithLeaseLost_releasesWithoutCheckpoint_andRefusesCheckpoints() {
        List<Checkpointer> kept = new ArrayList<>();
        afterBatch = kept::add;
        ShardConsumer c = consumer(100);
        fetcher.push(0, 2);
        pool.runAll();
        kept.get(0).giveUpLease(); // e.g. a timer thread of the processor
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.get(0).checkpoint())
                .isInstanceOf(io.sluice.common.SluiceException.class);
        fetcher.push(2, 3);
        pool.runAll();
        assertThat(events).containsExactly("initialize " + SHARD + " TRIM_HORIZON", process(0, 1), "leaseLost");
        assertThat(c.done()).isCompletedWithValue(ShardConsumer.Outcome.FAILED);
        assertThat(fetcher.stopped).isTrue();
        assertThat(cluster.calls).noneMatch(s -> s.startsWith("a checkpoint"));
        assertThat(cluster.row(SHARD).owner).as("released at once").isEmpty();
        assertThat(ended).hasValue(1);
    }

    @Test
    void millisUntilLeaseExpiry_followsTheLocalValidity_andIsZeroOnceLost() {
        List<Checkpointer> kept = new ArrayList<>();
        afterBatch = kept::add;
        ShardConsumer c = consumer(100);
        c.extendLease(clock.millis() + 10_000);
        fetcher.push(0, 1);
        pool.runAll();
        assertThat(kept.get(0).millisUntilLeaseExpiry()).isEqualTo(10_000);
        clock.advance(Duration.ofMillis(7_500));
        assertThat(kept.get(0).millisUntilLeaseExpiry()).isEqualTo(2_500);
        clock.advance(Duration.ofMillis(3_000));
        assertThat(kept.get(0).millisUntilLeaseExpiry()).isEqualTo(-500);
        c.extendLease(clock.millis() + 10_000);
        c.leaseLost();
        assertThat(kept.get(0).millisUntilLeaseExpiry()).isZero();
    }

    @Test
    void processingEnded_isCalledOnce_whateverTheEnd_evenWithoutInitialize() {
        ShardConsumer.Settings s = new ShardConsumer.Settings(worker, (shard, buffer) -> {
            fetcher = new FakeFetcher(shard, buffer);
            return fetcher;
        }, 10, 1 << 20, pool, clock, processedByWorker);
        ShardConsumer notStarted = new ShardConsumer(lease, StartPosition.latest(), processor, s);
        notStarted.start();
        notStarted.requestShutdown();
        pool.runAll();
        assertThat(events).isEmpty();
        assertThat(ended).hasValue(1);

        ended.set(0);
        ShardConsumer abandoned = consumer(100);
        abandoned.abandon();
        abandoned.abandon();
        pool.runAll();
        assertThat(ended).hasValue(1);

        ended.set(0);
        afterBatch = c -> {
            throw new IllegalStateException("bug in the processor");
        };
        ShardConsumer failed = consumer(100);
        fetcher.push(0, 1);
        pool.runAll();
        assertThat(failed.done()).isCompletedWithValue(ShardConsumer.Outcome.FAILED);
        assertThat(ended).hasValue(1);
    }
}
