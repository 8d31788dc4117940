package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerMetrics;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.ShardMetrics;
import io.sluice.client.consumer.SluiceConsumer;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.AcquireLeaseRequest;
import io.sluice.proto.v1.CheckpointRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The consumer SDK against three in-process brokers: workers of one application sharing a stream's shards, a worker
 * killed, a worker stopped gracefully, a checkpoint fenced off after a steal, and push and polling delivery. Every
 * test has its own stream and application on one shared cluster.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsumerClusterTest {
    private static final int SHARDS = 12;
    private static final int BATCH = 500;

    @TempDir
    static Path dir;
    private static MiniCluster cluster;
    private final List<SluiceConsumer> workers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new MiniCluster(dir, 3);
        cluster.awaitReady();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(SluiceConsumer::shutdownNow);
    }

    private SluiceConsumer.Builder worker(String application, String stream, String workerId) {
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            endpoints.add(cluster.address(i));
        }
        return SluiceConsumer.builder().endpoints(endpoints).application(application).stream(stream)
                .workerId(workerId).initialPosition(StartPosition.trimHorizon()).processorThreads(2)
                .random(new Random(workerId.hashCode()));
    }

    private SluiceConsumer start(SluiceConsumer.Builder builder) {
        SluiceConsumer c = builder.build();
        workers.add(c);
        c.start();
        return c;
    }

    /** Puts {@code count} records with random partition keys, {@link #BATCH} per call, through the brokers in turn. */
    private static void put(String stream, int count, ConsumerLedger ledger, IntConsumer afterEachCall) {
        Random random = new Random(stream.hashCode());
        for (int sent = 0, call = 0; sent < count; sent += BATCH, call++) {
            PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
            for (int i = sent; i < Math.min(count, sent + BATCH); i++) {
                req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("key-" + random.nextInt(1 << 20))
                        .setData(ByteString.copyFromUtf8(stream + "-" + i)));
            }
            PutRecordsRequest r = req.build();
            PutRecordsResponse resp = cluster.stub(call % cluster.size()).putRecords(r);
            ledger.acknowledged(r, resp);
            afterEachCall.accept(ledger.acknowledgedCount());
        }
    }

    private static CompletableFuture<Void> putInBackground(String stream, int count, ConsumerLedger ledger) {
        return CompletableFuture.runAsync(() -> put(stream, count, ledger, n -> { }));
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) {
        Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
    }

    private static boolean holds(SluiceConsumer w, int shards) {
        return w.metrics().shards().size() == shards;
    }

    private static Set<String> heldByAll(List<SluiceConsumer> ws) {
        Set<String> all = new HashSet<>();
        ws.forEach(w -> all.addAll(w.metrics().shardIds()));
        return all;
    }

    private static String shardCounts(List<SluiceConsumer> ws) {
        StringBuilder b = new StringBuilder();
        ws.forEach(w -> b.append(w.config().workerId()).append('=').append(w.metrics().shards().size()).append(' '));
        return b.toString().trim();
    }

    /** Scenario 1: workers join one by one while records flow; each record processed, duplicates only at takeovers. */
    @Test
    void threeWorkers_joiningWhileRecordsFlow_processEveryRecord_withDuplicatesOnlyAtTakeovers() throws Exception {
        String stream = "consume-all";
        StreamsTestSupport.createStream(cluster, stream, SHARDS);
        ConsumerLedger ledger = new ConsumerLedger();
        int total = 50_000;
        List<SluiceConsumer> ws = new ArrayList<>();
        ws.add(start(worker("app", stream, "w1").leaseDuration(Duration.ofSeconds(10))
                .renewInterval(Duration.ofSeconds(1)).processorFactory(ledger.factory("w1"))));
        long t0 = System.nanoTime();
        // w2 and w3 join while records are being put and processed, so leases change hands mid-stream.
        put(stream, total, ledger, acked -> {
            if (acked == total / 4 || acked == total / 2) {
                String id = acked == total / 4 ? "w2" : "w3";
                ws.add(start(worker("app", stream, id).leaseDuration(Duration.ofSeconds(10))
                        .renewInterval(Duration.ofSeconds(1)).processorFactory(ledger.factory(id))));
            }
        });
        long putMs = (System.nanoTime() - t0) / 1_000_000;
        await("every record processed", Duration.ofSeconds(60), () -> ledger.distinctProcessed() == total);
        await("4 shards per worker (" + shardCounts(ws) + ")", Duration.ofSeconds(60),
                () -> ws.stream().allMatch(w -> holds(w, 4)));
        long doneMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(heldByAll(ws)).hasSize(SHARDS);
        ConsumerLedger.Report report = ledger.check();
        assertThat(report.records()).isEqualTo(total);
        long stolen = ws.stream().mapToLong(w -> w.metrics().leasesStolen()).sum();
        assertThat(report.takeovers()).as("w2 and w3 took 8 of w1's shards while records flowed")
                .isGreaterThanOrEqualTo(8);
        System.out.printf("[consumer] scenario 1: %d records put in %d ms, all processed after %d ms; %d deliveries, "
                        + "%d duplicates over %d takeovers (%d steals) %s; records processed per worker: %s%n",
                total, putMs, doneMs, report.deliveries(), report.duplicates(), report.takeovers(), stolen,
                report.duplicatesByShard(), ws.stream().map(w -> w.config().workerId() + "="
                        + w.metrics().recordsProcessed()).toList());
        for (SluiceConsumer w : ws) {
            w.close();
        }
    }

    /** Scenario 2: a worker killed (no checkpoint, no release): its shards move once its leases expire. */
    @Test
    void aKilledWorker_losesItsShardsToTheOthers_withinLeaseDurationPlusOneRenewInterval() throws Exception {
        String stream = "consume-kill";
        StreamsTestSupport.createStream(cluster, stream, SHARDS);
        ConsumerLedger ledger = new ConsumerLedger();
        Duration lease = Duration.ofSeconds(3);
        Duration renew = Duration.ofSeconds(1);
        List<SluiceConsumer> ws = new ArrayList<>();
        for (String id : List.of("k1", "k2", "k3")) {
            ws.add(start(worker("app-kill", stream, id).leaseDuration(lease).renewInterval(renew)
                    .processorFactory(ledger.factory(id))));
        }
        await("4 shards per worker (" + shardCounts(ws) + ")", Duration.ofSeconds(60),
                () -> ws.stream().allMatch(w -> holds(w, 4)));
        int total = 10_000;
        put(stream, total / 2, ledger, n -> { });
        await("the first half processed", Duration.ofSeconds(60),
                () -> ledger.distinctProcessed() == total / 2);

        SluiceConsumer victim = ws.remove(2);
        Set<String> victimShards = victim.metrics().shardIds();
        CompletableFuture<Void> morePuts = putInBackground(stream, total / 2, ledger);
        long killedAt = System.nanoTime();
        victim.shutdownNow();
        await("the survivors hold every shard (" + shardCounts(ws) + ")", Duration.ofSeconds(30),
                () -> heldByAll(ws).size() == SHARDS);
        long movedMs = (System.nanoTime() - killedAt) / 1_000_000;
        morePuts.get(60, TimeUnit.SECONDS);
        await("every record processed", Duration.ofSeconds(60), () -> ledger.distinctProcessed() == total);

        // The killed worker's leases expire at most one lease duration after its last renewal (before the kill);
        // the survivors take them at their next cycle. 1 s is allowed for that cycle's own calls.
        assertThat(movedMs).as("ms from the kill until every shard was held again")
                .isLessThanOrEqualTo(lease.plus(renew).toMillis() + 1_000);
        assertThat(ws.get(0).metrics().shardIds()).hasSize(6);
        assertThat(ws.get(1).metrics().shardIds()).hasSize(6);
        assertThat(heldByAll(ws)).containsAll(victimShards);
        ConsumerLedger.Report report = ledger.check();
        assertThat(report.records()).isEqualTo(total);
        assertThat(ledger.leases).filteredOn(l -> l.worker.equals("k3") && victimShards.contains(l.shardId)
                        && !"leaseLost".equals(l.ending)).as("the killed worker's processors get no callback")
                .hasSize(4).allMatch(l -> l.ending == null);
        System.out.printf("[consumer] scenario 2: shards of the killed worker held again after %d ms (lease %d ms, "
                        + "renew %d ms); %d duplicates over %d takeovers %s%n", movedMs, lease.toMillis(),
                renew.toMillis(), report.duplicates(), report.takeovers(), report.duplicatesByShard());
        for (SluiceConsumer w : ws) {
            w.close();
        }
    }

    /** Scenario 3: a graceful stop checkpoints and releases at once: nothing is processed twice. */
    @Test
    void aGracefulStop_handsItsShardsOver_withoutAnyDuplicate() throws Exception {
        String stream = "consume-graceful";
        StreamsTestSupport.createStream(cluster, stream, SHARDS);
        ConsumerLedger ledger = new ConsumerLedger();
        List<SluiceConsumer> ws = new ArrayList<>();
        for (String id : List.of("g1", "g2", "g3")) {
            ws.add(start(worker("app-graceful", stream, id).leaseDuration(Duration.ofSeconds(10))
                    .renewInterval(Duration.ofSeconds(1)).processorFactory(ledger.factory(id))));
        }
        await("4 shards per worker (" + shardCounts(ws) + ")", Duration.ofSeconds(60),
                () -> ws.stream().allMatch(w -> holds(w, 4)));
        int total = 20_000;
        CompletableFuture<Void> puts = putInBackground(stream, total, ledger);
        await("a third processed", Duration.ofSeconds(60), () -> ledger.distinctProcessed() >= total / 3);

        SluiceConsumer leaving = ws.remove(2);
        Set<String> leavingShards = leaving.metrics().shardIds();
        long closeStarted = System.nanoTime();
        leaving.close();
        long closeMs = (System.nanoTime() - closeStarted) / 1_000_000;
        assertThat(leaving.metrics().shards()).isEmpty();
        // Released at once: the others take the shards at their next cycles, long before the 10 s leases expire.
        long releasedAt = System.nanoTime();
        await("6 shards per remaining worker (" + shardCounts(ws) + ")", Duration.ofSeconds(5),
                () -> ws.stream().allMatch(w -> holds(w, 6)));
        long takenOverMs = (System.nanoTime() - releasedAt) / 1_000_000;
        puts.get(60, TimeUnit.SECONDS);
        await("every record processed", Duration.ofSeconds(60), () -> ledger.distinctProcessed() == total);

        ConsumerLedger.Report report = ledger.check();
        assertThat(report.records()).isEqualTo(total);
        assertThat(report.takeovers()).as("g3's 4 shards changed hands").isGreaterThanOrEqualTo(4);
        assertThat(report.duplicates()).as("duplicates after a graceful stop %s", report.duplicatesByShard())
                .isZero();
        assertThat(ledger.leases).filteredOn(l -> l.worker.equals("g3") && leavingShards.contains(l.shardId)
                        && !"leaseLost".equals(l.ending)).as("g3's processors when it was closed")
                .hasSize(4).allMatch(l -> "shutdownRequested".equals(l.ending));
        System.out.printf("[consumer] scenario 3: close() took %d ms, its shards were held by the others %d ms "
                + "later; %d takeovers, %d duplicates%n", closeMs, takenOverMs, report.takeovers(),
                report.duplicates());
        for (SluiceConsumer w : ws) {
            w.close();
        }
    }

    /** Scenario 4: after a steal, the former owner's checkpoint carries a stale counter and the cluster refuses it. */
    @Test
    void aCheckpointWithAStaleFencingCounter_isRefusedWithLeaseLost_afterTheLeaseWasStolen() throws Exception {
        String stream = "consume-fence";
        StreamsTestSupport.createStream(cluster, stream, 1);
        String shard = "shardId-000000000000";
        List<String> seqs = StreamsTestSupport.putAll(cluster.stub(0), stream, "k",
                List.of(ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("b")), 2);

        CountDownLatch inFirstBatch = new CountDownLatch(1);
        CountDownLatch stolen = new CountDownLatch(1);
        AtomicReference<SluiceException> refusal = new AtomicReference<>();
        CountDownLatch leaseLost = new CountDownLatch(1);
        List<String> callsAfterRefusal = new ArrayList<>();
        RecordProcessor processor = new RecordProcessor() {
            @Override
            public void initialize(String shardId, StartPosition start) {
            }

            @Override
            public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long behind) {
                if (refusal.get() != null) {
                    callsAfterRefusal.add("processRecords");
                    return;
                }
                inFirstBatch.countDown();
                try {
                    assertThat(stolen.await(60, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    checkpointer.checkpoint();
                } catch (SluiceException e) {
                    refusal.set(e);
                }
            }

            @Override
            public void leaseLost() {
                leaseLost.countDown();
            }

            @Override
            public void shardEnded(Checkpointer checkpointer) {
                callsAfterRefusal.add("shardEnded");
            }

            @Override
            public void shutdownRequested(Checkpointer checkpointer) {
                callsAfterRefusal.add("shutdownRequested");
            }
        };
        // A renew interval of 9 s: the worker cannot learn of the steal from a renewal before it checkpoints, so the
        // refusal has to come from the cluster.
        SluiceConsumer owner = start(worker("app-fence", stream, "owner").leaseDuration(Duration.ofSeconds(10))
                .renewInterval(Duration.ofSeconds(9)).processorFactory(s -> processor));
        assertThat(inFirstBatch.await(60, TimeUnit.SECONDS)).isTrue();
        long ownerCounter = owner.metrics().shards().get(0).leaseCounter();

        LeasesGrpc.LeasesBlockingStub leases = LeasesGrpc.newBlockingStub(cluster.channel(1))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        Lease taken = leases.acquireLease(AcquireLeaseRequest.newBuilder().setApplication("app-fence")
                .setStreamName(stream).setShardId(shard).setWorkerId("thief").setLeaseDurationMs(60_000)
                .setSteal(true).setExpectedCounter(ownerCounter).build()).getLease();
        assertThat(taken.getOwner()).isEqualTo("thief");
        assertThat(taken.getLeaseCounter()).isEqualTo(ownerCounter + 1);
        stolen.countDown();

        assertThat(leaseLost.await(30, TimeUnit.SECONDS)).as("leaseLost() after the refusal").isTrue();
        SluiceException e = refusal.get();
        assertThat(e).as("the owner's checkpoint failed").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.LEASE_LOST);
        assertThat(e.getMessage()).as("refused by the cluster, not locally").contains("the checkpoint was refused")
                .contains("counter " + ownerCounter);
        Lease now = leases.listLeases(ListLeasesRequest.newBuilder().setApplication("app-fence")
                .setStreamName(stream).build()).getLeases(0);
        assertThat(now.getCheckpoint()).as("the refused checkpoint recorded nothing").isEmpty();
        assertThat(now.getOwner()).isEqualTo("thief");
        await("the owner holds no lease", Duration.ofSeconds(10), () -> owner.metrics().shards().isEmpty());
        assertThat(owner.metrics().leasesLost()).isEqualTo(1);
        assertThat(callsAfterRefusal).as("no callback after leaseLost").isEmpty();

        // The same checkpoint is accepted with the current counter, and still refused with the stale one.
        CheckpointRequest.Builder checkpoint = CheckpointRequest.newBuilder().setApplication("app-fence")
                .setStreamName(stream).setShardId(shard).setSequenceNumber(seqs.get(1));
        assertThat(leases.checkpoint(checkpoint.setWorkerId("thief").setLeaseCounter(taken.getLeaseCounter())
                .build()).getLease().getCheckpoint()).isEqualTo(seqs.get(1));
        StreamsTestSupport.assertFailsWith(ErrorCode.LEASE_LOST,
                () -> leases.checkpoint(checkpoint.setWorkerId("owner").setLeaseCounter(ownerCounter).build()));
        owner.close();
    }

    /** Scenario 5: both delivery modes deliver every record once, in order, and report how they read. */
    @ParameterizedTest
    @EnumSource(Delivery.class)
    void pushAndPolling_bothDeliverEveryRecordInOrder(Delivery delivery) throws Exception {
        String stream = "consume-" + delivery.name().toLowerCase();
        StreamsTestSupport.createStream(cluster, stream, 4);
        ConsumerLedger ledger = new ConsumerLedger();
        put(stream, 2_000, ledger, n -> { });
        SluiceConsumer w = start(worker("app-" + delivery, stream, "d1").delivery(delivery)
                .pollInterval(Duration.ofMillis(50)).maxPrefetchRecords(300).processorFactory(ledger.factory("d1")));
        await("the first 2,000 records processed", Duration.ofSeconds(60),
                () -> ledger.distinctProcessed() == 2_000);
        // Records put once the worker is caught up arrive too (push: as the broker applies them).
        put(stream, 1_000, ledger, n -> { });
        await("every record processed", Duration.ofSeconds(60), () -> ledger.distinctProcessed() == 3_000);
        await("lag back to 0", Duration.ofSeconds(10), () -> w.metrics().maxMillisBehindLatest() == 0);

        ConsumerLedger.Report report = ledger.check();
        assertThat(report.records()).isEqualTo(3_000);
        assertThat(report.duplicates()).isZero();
        ConsumerMetrics m = w.metrics();
        assertThat(m.shards()).hasSize(4);
        assertThat(m.shards()).extracting(ShardMetrics::delivery).as("how each shard is read now")
                .containsOnly(delivery);
        assertThat(m.recordsProcessed()).isEqualTo(3_000);
        assertThat(m.recordsPerSecond()).isPositive();
        assertThat(m.shards()).allSatisfy(s -> assertThat(s.lastCheckpoint()).isNotNull());
        w.close();
    }
}
