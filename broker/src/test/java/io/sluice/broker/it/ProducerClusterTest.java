package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.producer.ProducerMetrics;
import io.sluice.client.producer.PutResult;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.Shard;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The producer SDK against real brokers: unreachable clusters, leader failover, idempotence. */
class ProducerClusterTest {
    private static final int RECORDS = 20_000;

    @TempDir
    Path dir;

    @Test
    void noBrokerReachable_putBlocksUpToMaxBlockThenFailsNamingTheCause() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (SluiceProducer p = SluiceProducer.builder().endpoints("127.0.0.1:" + closedPort).maxBlockMs(1500)
                .requestTimeoutMs(500).build()) {
            long start = System.nanoTime();
            CompletableFuture<PutResult> f = p.put("events", "k", "v".getBytes(StandardCharsets.UTF_8));
            Throwable error = catchFailure(f, 30);
            long blockedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(blockedMs).as("put blocked while it waited for the shard map").isGreaterThanOrEqualTo(1400);
            assertThat(error).isInstanceOf(SluiceException.class);
            assertThat(error.getMessage()).contains("max.block.ms").contains("events");
            System.out.println("cluster unreachable: " + error.getMessage());
        }
    }

    @Test
    void clusterStoppedAfterStart_putsFillTheBufferThenBlockAndFail_pendingOnesFailAfterTheDeliveryTimeout()
            throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 1)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(2).build());
            try (SluiceProducer p = SluiceProducer.builder().endpoints(c.address(0)).maxBlockMs(1000)
                    .bufferMemoryBytes(64 * 1024).deliveryTimeoutMs(4000).requestTimeoutMs(1000).build()) {
                assertThat(p.put("s", "k", new byte[100]).get(30, TimeUnit.SECONDS).shardId()).startsWith("shardId-");
                c.stop(0);

                byte[] data = new byte[1000];
                List<CompletableFuture<PutResult>> pending = new ArrayList<>();
                CompletableFuture<PutResult> refused = null;
                long start = System.nanoTime();
                for (int i = 0; i < 200 && refused == null; i++) {
                    CompletableFuture<PutResult> f = p.put("s", "k" + i, data);
                    if (f.isCompletedExceptionally()) {
                        refused = f;
                    } else {
                        pending.add(f);
                    }
                }
                assertThat(refused).as("a full buffer refuses the put").isNotNull();
                Throwable full = catchFailure(refused, 1);
                assertThat(full).isInstanceOf(SluiceException.class);
                assertThat(((SluiceException) full).code()).isEqualTo(ErrorCode.THROTTLED);
                assertThat(full.getMessage()).contains("buffer.memory.bytes").contains("max.block.ms");
                assertThat((System.nanoTime() - start) / 1_000_000).as("put blocked max.block.ms first")
                        .isGreaterThanOrEqualTo(900);
                assertThat(pending).as("the buffer held some records").hasSizeGreaterThan(30);
                for (CompletableFuture<PutResult> f : pending) {
                    Throwable e = catchFailure(f, 30);
                    assertThat(e).as("nothing is dropped silently: each buffered record fails").isNotNull();
                }
                System.out.println("buffer full: " + full.getMessage());
                System.out.println("delivery timeout: " + catchFailure(pending.get(0), 1).getMessage());
                assertThat(p.metrics().recordsFailed()).isEqualTo(pending.size());
                assertThat(p.metrics().bufferedBytes()).isZero();
            }
        }
    }

    /**
     * Stops the leader of a replication group while one producer puts 20k records over 8 shards; every acknowledged
     * record is there afterwards at the sequence number it was acknowledged with. Without idempotence a retried batch
     * may be stored twice (counted and printed); with it, never.
     */
    @ParameterizedTest(name = "idempotent={0}")
    @ValueSource(booleans = {false, true})
    void leaderStoppedMidLoad_everyAcknowledgedRecordIsStored(boolean idempotent) throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("load").setShardCount(8).build());
            RaftGroupId group0 = c.broker(0).replication().raft().layout().dataGroups().get(0).getGroupId();
            int victim = Integer.parseInt(c.broker(0).replication().raft().leaderId(group0).substring(1)) - 1;
            List<String> endpoints = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                endpoints.add(c.address(i));
            }

            Map<String, PutResult> acked = new HashMap<>();
            int failed = 0;
            ProducerMetrics metrics;
            try (SluiceProducer p = SluiceProducer.builder().endpoints(endpoints).idempotent(idempotent)
                    .lingerMs(5).deliveryTimeoutMs(120_000).requestTimeoutMs(5000).build()) {
                List<CompletableFuture<PutResult>> futures = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    futures.add(p.put("load", "key-" + (i % 1000), ("rec-" + i).getBytes(StandardCharsets.UTF_8)));
                    if (i == RECORDS / 3) {
                        futures.get(i).get(60, TimeUnit.SECONDS);
                        c.stop(victim);
                    }
                }
                p.flush();
                for (int i = 0; i < RECORDS; i++) {
                    try {
                        acked.put("rec-" + i, futures.get(i).join());
                    } catch (CompletionException e) {
                        failed++;
                    }
                }
                metrics = p.metrics();
            }
            System.out.printf("idempotent=%s: %d acknowledged, %d failed, %d record retries, %d requests%n",
                    idempotent, acked.size(), failed, metrics.recordsRetried(), metrics.requestsSent());
            assertThat(failed).as("retries within delivery.timeout.ms ride out the failover").isZero();

            c.restart(victim);
            c.awaitReady();
            Map<String, Integer> copies = new HashMap<>();
            Set<String> storedWhereAcknowledged = new HashSet<>();
            for (Shard s : c.stub(0).listShards(ListShardsRequest.newBuilder().setStreamName("load").build())
                    .getShardsList()) {
                for (var r : c.readShardRecords("load", s.getShardId())) {
                    String payload = r.getData().toStringUtf8();
                    copies.merge(payload, 1, Integer::sum);
                    PutResult ack = acked.get(payload);
                    if (ack != null && ack.sequenceNumberKnown() && ack.shardId().equals(s.getShardId())
                            && ack.sequenceNumber().toString().equals(r.getSequenceNumber())) {
                        storedWhereAcknowledged.add(payload);
                    }
                }
            }
            assertThat(copies.keySet()).as("every acknowledged record is stored").containsAll(acked.keySet());
            long duplicates = copies.values().stream().filter(n -> n > 1).count();
            System.out.printf("idempotent=%s: %d records stored more than once%n", idempotent, duplicates);
            long knownSequence = acked.values().stream().filter(PutResult::sequenceNumberKnown).count();
            assertThat(storedWhereAcknowledged).as("stored at the acknowledged shard and sequence number")
                    .hasSize((int) knownSequence);
            if (idempotent) {
                assertThat(duplicates).as("an idempotent producer's retries are never stored twice").isZero();
            }
        }
    }

    private static Throwable catchFailure(CompletableFuture<?> f, int seconds) throws Exception {
        try {
            f.get(seconds, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }
}
