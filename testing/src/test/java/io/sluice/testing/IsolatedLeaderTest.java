package io.sluice.testing;

import static io.sluice.testing.ClusterTestSupport.begin;
import static io.sluice.testing.ClusterTestSupport.createStream;
import static io.sluice.testing.ClusterTestSupport.step;
import static io.sluice.testing.ClusterTestSupport.waitUpTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.producer.PutResult;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.Shard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader of the stream's replication group is cut off from both other brokers while a producer puts records: the
 * other two elect a leader among themselves and keep acknowledging puts. After the partition heals, every
 * acknowledged record is read exactly once, in put order, from the new leader and from the old one once it caught up.
 */
class IsolatedLeaderTest {
    private static final String STREAM = "s";

    @TempDir
    Path dir;

    @Test
    void isolatedLeader_isReplacedByTheMajority_andNoAcknowledgedRecordIsLostOrDuplicated() throws Exception {
        begin("isolated leader");
        try (SluiceCluster c = SluiceCluster.start(dir, 3, Clock.systemUTC(), Map.of("groups.per.broker", "1"))) {
            c.awaitReady();
            step("ready");
            createStream(c, STREAM, 2);
            List<String> shards = c.streams(0).listShards(ListShardsRequest.newBuilder().setStreamName(STREAM)
                    .build()).getShardsList().stream().map(Shard::getShardId).toList();
            String group = c.groupOf(STREAM, shards.get(0));
            assertThat(shards).allSatisfy(s -> assertThat(c.groupOf(STREAM, s)).isEqualTo(group));
            int oldLeader = c.awaitLeaderOf(STREAM, shards.get(0));

            Acks acks = new Acks();
            AtomicBoolean producing = new AtomicBoolean(true);
            try (SluiceProducer producer = SluiceProducer.builder().endpoints(c.clientEndpoints()).idempotent(true)
                    .lingerMs(5).requestTimeoutMs(3_000).deliveryTimeoutMs(60_000).metadataMaxAgeMs(500).build()) {
                Thread t = new Thread(() -> produce(producer, acks, producing), "test-producer");
                t.start();
                waitUpTo(60).until(() -> acks.count() >= 500);
                step(acks.count() + " acks; isolating leader " + oldLeader);

                c.isolate(oldLeader);
                int newLeader = waitUpTo(30).until(() -> c.leaderOfGroup(group),
                        l -> l.isPresent() && l.getAsInt() != oldLeader).getAsInt();
                int atElection = acks.count();
                step("broker " + newLeader + " leads; " + atElection + " acks");
                waitUpTo(30).until(() -> acks.count() >= atElection + 500);
                step(acks.count() + " acks under the new leader; healing");

                c.healAll();
                producing.set(false);
                t.join();
                producer.flush();
            }
            step("producer closed: " + acks.count() + " acked, " + acks.failed.get() + " failed");
            assertThat(acks.failed.get()).as("puts that failed for good").isZero();

            int leader = c.awaitLeaderOf(STREAM, shards.get(0));
            for (String shard : shards) {
                acks.verify(shard, c.readShard(leader, STREAM, shard));
            }
            step("verified from the current leader " + leader);

            c.awaitCaughtUp(oldLeader);
            ClusterTestSupport.electLeader(c, STREAM, shards.get(0), oldLeader);
            step("old leader " + oldLeader + " leads again");
            for (String shard : shards) {
                acks.verify(shard, c.readShard(oldLeader, STREAM, shard));
            }
            c.healAll();
            step("verified from the old leader");
        }
    }

    /** Puts records "r-<n>" under 16 keys, at most 200 unacknowledged, until told to stop. */
    private static void produce(SluiceProducer producer, Acks acks, AtomicBoolean producing) {
        Semaphore inFlight = new Semaphore(200);
        for (int n = 0; producing.get(); n++) {
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                return;
            }
            String payload = "r-" + n;
            producer.put(STREAM, "key-" + (n % 16), payload.getBytes(StandardCharsets.UTF_8))
                    .whenComplete((r, e) -> {
                        inFlight.release();
                        if (e == null) {
                            acks.add(payload, r);
                        } else {
                            acks.failed.incrementAndGet();
                        }
                    });
        }
    }

    /** The acknowledged records: payload -> where it was stored. */
    private static final class Acks {
        final Map<String, PutResult> byPayload = new ConcurrentHashMap<>();
        final AtomicInteger failed = new AtomicInteger();

        void add(String payload, PutResult r) {
            byPayload.put(payload, r);
        }

        int count() {
            return byPayload.size();
        }

        /**
         * Every record acknowledged in {@code shard} is read exactly once, with the sequence number it was
         * acknowledged with, and acknowledged records come in put order (the producer is idempotent, so ordered per
         * shard). Records whose put failed could be stored too; none failed here.
         */
        void verify(String shard, List<Record> read) {
            Map<String, Integer> seen = new HashMap<>();
            List<Integer> order = new ArrayList<>();
            for (Record r : read) {
                String payload = r.getData().toStringUtf8();
                seen.merge(payload, 1, Integer::sum);
                PutResult ack = byPayload.get(payload);
                if (ack != null) {
                    assertThat(ack.shardId()).as("shard of %s", payload).isEqualTo(shard);
                    if (ack.sequenceNumberKnown()) {
                        assertThat(r.getSequenceNumber()).as("sequence number of %s", payload)
                                .isEqualTo(ack.sequenceNumber().toString());
                    }
                    order.add(Integer.parseInt(payload.substring(2)));
                }
            }
            assertThat(seen).as("records read more than once in %s", shard).allSatisfy((p, n) -> assertThat(n)
                    .as(p).isEqualTo(1));
            List<String> missing = byPayload.entrySet().stream()
                    .filter(e -> e.getValue().shardId().equals(shard) && !seen.containsKey(e.getKey()))
                    .map(Map.Entry::getKey).toList();
            assertThat(missing).as("acknowledged records missing from %s", shard).isEmpty();
            assertThat(order).as("acknowledged records of %s in put order", shard).isSorted();
        }
    }
}
