package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.StreamsGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader of a replication group is stopped while several producers write 100k records: every record whose put
 * was acknowledged is afterwards read exactly once, in each producer's order within its shard.
 *
 * <p>Producers do not retry (a retried put may be stored twice until producers are idempotent), so a record whose put
 * failed during the election may or may not be stored; either way it must not be stored twice.
 */
class LeaderFailoverTest {
    private static final int PRODUCERS = 4;
    private static final int RECORDS_PER_PRODUCER = 25_000;
    private static final int BATCH = 250;

    @TempDir
    Path dir;

    @Test
    void leaderStoppedUnderLoad_everyAcknowledgedRecordIsReadExactlyOnceInOrder() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("load").setShardCount(8).build());

            RaftGroupId group0 = c.broker(0).replication().raft().layout().dataGroups().get(0).getGroupId();
            int victim = Integer.parseInt(c.broker(0).replication().raft().leaderId(group0).substring(1)) - 1;
            AtomicInteger acked = new AtomicInteger();
            AtomicLong stoppedAtNanos = new AtomicLong();
            AtomicLong firstAckAfterStopNanos = new AtomicLong();
            Set<Integer> stopped = ConcurrentHashMap.newKeySet();
            AckLedger ledger = new AckLedger();

            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> {
                    int target = producer % c.size();
                    for (int sent = 0; sent < RECORDS_PER_PRODUCER; sent += BATCH) {
                        while (stopped.contains(target)) {
                            target = (target + 1) % c.size();
                        }
                        PutRecordsRequest req = AckLedger.batch("load", producer, sent, BATCH);
                        PutRecordsResponse resp;
                        try {
                            resp = c.stub(target).withDeadlineAfter(30, TimeUnit.SECONDS).putRecords(req);
                        } catch (StatusRuntimeException e) {
                            ledger.failedPut(req); // the whole put is unacknowledged; move to another broker
                            target = (target + 1) % c.size();
                            continue;
                        }
                        int ok = ledger.record(req, resp);
                        if (ok > 0 && stoppedAtNanos.get() != 0) {
                            firstAckAfterStopNanos.compareAndSet(0, System.nanoTime());
                        }
                        acked.addAndGet(ok);
                    }
                    return null;
                }));
            }

            await("a third of the records acknowledged").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> acked.get() >= PRODUCERS * RECORDS_PER_PRODUCER / 3);
            stopped.add(victim);
            stoppedAtNanos.set(System.nanoTime());
            c.stop(victim);
            for (Future<?> f : producers) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            System.out.printf("leader n%d of group 0 stopped after %d acks; %d records acknowledged, %d failed; "
                            + "first ack after the stop came %d ms later%n", victim + 1,
                    PRODUCERS * RECORDS_PER_PRODUCER / 3, ledger.acknowledgedCount(), ledger.failedCount(),
                    (firstAckAfterStopNanos.get() - stoppedAtNanos.get()) / 1_000_000);
            assertThat(ledger.acknowledgedCount() + ledger.failedCount()).isEqualTo(PRODUCERS * RECORDS_PER_PRODUCER);
            assertThat(ledger.acknowledgedCount()).as("most puts succeed despite the failover")
                    .isGreaterThan(PRODUCERS * RECORDS_PER_PRODUCER / 2);

            // The stopped broker comes back and catches up; then read everything from each shard's leader.
            c.restart(victim);
            c.awaitReady();
            Map<String, List<String>> readByShard = new HashMap<>();
            StreamsGrpc.StreamsBlockingStub any = c.stub((victim + 1) % c.size());
            for (Shard s : any.listShards(ListShardsRequest.newBuilder().setStreamName("load").build())
                    .getShardsList()) {
                readByShard.put(s.getShardId(), c.readShard("load", s.getShardId()));
            }
            ledger.verify(readByShard);
            ReplicaRecoveryTest.awaitCaughtUp(c, victim);
            for (int i = 0; i < c.size(); i++) {
                if (i != victim) {
                    ReplicaRecoveryTest.assertSameShardData(c, i, victim);
                }
            }
        }
    }
}
