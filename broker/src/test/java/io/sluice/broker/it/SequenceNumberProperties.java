package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.common.ShardId;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Against one real broker, started once for the whole property: however puts from several concurrent producers
 * interleave over the shards, sequence numbers never fail to increase within a shard, neither in each producer's
 * acknowledgement order nor in the shard as read back, and every acknowledged record is stored exactly once.
 */
class SequenceNumberProperties {
    private static final String STREAM = "interleavings";
    private static final int SHARDS = 4;
    private static final int PRODUCERS = 4;

    private static Path dir;
    private static MiniCluster cluster;
    private static ExecutorService producerThreads;
    private static List<StreamsGrpc.StreamsBlockingStub> producerStubs;
    private static StreamsGrpc.StreamsBlockingStub readerStub;
    private static List<String> shardStartHashKeys;
    private static int tryNumber;

    /** Where one record goes: shard {@code shard} by its starting hash key, or (shard -1) wherever the key hashes. */
    record Target(int shard, String partitionKey) {
    }

    /** One call by one producer: a PutRecord when {@code batch} is false (one target), else a PutRecords. */
    record Put(int producer, boolean batch, List<Target> targets) {
    }

    /** An acknowledged record, in the order its producer saw the acknowledgements. */
    record Ack(String shardId, BigInteger sequenceNumber, ByteString data) {
    }

    @BeforeContainer
    static void startBroker() throws Exception {
        dir = Files.createTempDirectory("sluice-sequence-properties");
        cluster = new MiniCluster(dir, 1);
        cluster.awaitReady();
        createStream(cluster, STREAM, SHARDS);
        shardStartHashKeys = cluster.stub(0).listShards(ListShardsRequest.newBuilder().setStreamName(STREAM).build())
                .getShardsList().stream().map(s -> s.getHashKeyRange().getStartingHashKey()).toList();
        producerThreads = Executors.newFixedThreadPool(PRODUCERS);
        readerStub = cluster.stub(0);
        producerStubs = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            producerStubs.add(cluster.stub(0)); // one channel each, so producers race on separate connections
        }
    }

    @AfterContainer
    static void stopBroker() throws IOException {
        if (producerThreads != null) {
            producerThreads.shutdownNow();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Put>> interleavings() {
        Arbitrary<Target> target = Arbitraries.oneOf(
                Arbitraries.integers().between(0, SHARDS - 1).map(s -> new Target(s, "explicit")),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(6).map(k -> new Target(-1, k)));
        Arbitrary<Put> put = Combinators.combine(
                        Arbitraries.integers().between(0, PRODUCERS - 1),
                        Arbitraries.of(false, true),
                        target.list().ofMinSize(1).ofMaxSize(12))
                .as((producer, batch, targets) -> new Put(producer, batch, batch ? targets : targets.subList(0, 1)));
        return put.list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 30)
    void sequenceNumbersStrictlyIncreaseWithinEachShard_andEveryAckedRecordIsStoredOnce(
            @ForAll("interleavings") List<Put> puts) throws Exception {
        int thisTry = ++tryNumber;
        StreamsGrpc.StreamsBlockingStub reader = readerStub.withDeadlineAfter(60, TimeUnit.SECONDS);
        Map<String, String> startOfTry = new LinkedHashMap<>();
        for (int s = 0; s < SHARDS; s++) {
            startOfTry.put(ShardId.format(s), reader.getShardIterator(GetShardIteratorRequest.newBuilder()
                    .setStreamName(STREAM).setShardId(ShardId.format(s)).setShardIteratorType(ShardIteratorType.LATEST)
                    .build()).getShardIterator());
        }

        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Ack>>> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            List<Put> mine = puts.stream().filter(x -> x.producer() == producer).toList();
            StreamsGrpc.StreamsBlockingStub stub = producerStubs.get(p).withDeadlineAfter(60, TimeUnit.SECONDS);
            producers.add(producerThreads.submit(() -> {
                go.await();
                return produce(stub, thisTry, producer, mine);
            }));
        }
        go.countDown();
        Map<Integer, List<Ack>> acksByProducer = new HashMap<>();
        for (int p = 0; p < PRODUCERS; p++) {
            acksByProducer.put(p, producers.get(p).get(60, TimeUnit.SECONDS));
        }

        // Per producer and shard, in acknowledgement order: strictly increasing.
        Map<String, Map<BigInteger, ByteString>> ackedByShard = new HashMap<>();
        for (List<Ack> acks : acksByProducer.values()) {
            Map<String, BigInteger> lastPerShard = new HashMap<>();
            for (Ack a : acks) {
                BigInteger last = lastPerShard.put(a.shardId(), a.sequenceNumber());
                if (last != null) {
                    assertThat(a.sequenceNumber()).as("in %s after %s", a.shardId(), last).isGreaterThan(last);
                }
                ByteString other = ackedByShard.computeIfAbsent(a.shardId(), k -> new HashMap<>())
                        .put(a.sequenceNumber(), a.data());
                assertThat(other).as("another record acknowledged with %s", a.sequenceNumber()).isNull();
            }
        }
        int acked = acksByProducer.values().stream().mapToInt(List::size).sum();
        assertThat(acked).isEqualTo(puts.stream().mapToInt(p -> p.targets().size()).sum());

        // Read back: strictly increasing, and exactly the acknowledged records of this try.
        for (Map.Entry<String, String> shard : startOfTry.entrySet()) {
            List<Record> stored = readFrom(reader, shard.getValue());
            for (int i = 1; i < stored.size(); i++) {
                assertThat(new BigInteger(stored.get(i).getSequenceNumber()))
                        .isGreaterThan(new BigInteger(stored.get(i - 1).getSequenceNumber()));
            }
            Map<BigInteger, ByteString> read = new HashMap<>();
            stored.forEach(r -> read.put(new BigInteger(r.getSequenceNumber()), r.getData()));
            assertThat(read).hasSameSizeAs(stored)
                    .isEqualTo(ackedByShard.getOrDefault(shard.getKey(), Map.of()));
        }
    }

    private static List<Ack> produce(StreamsGrpc.StreamsBlockingStub stub, int thisTry, int producer, List<Put> puts) {
        List<Ack> acks = new ArrayList<>();
        for (int call = 0; call < puts.size(); call++) {
            Put put = puts.get(call);
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int j = 0; j < put.targets().size(); j++) {
                Target t = put.targets().get(j);
                PutRecordsRequestEntry.Builder e = PutRecordsRequestEntry.newBuilder().setPartitionKey(t.partitionKey())
                        .setData(ByteString.copyFromUtf8("t" + thisTry + "-p" + producer + "-c" + call + "-r" + j));
                if (t.shard() >= 0) {
                    e.setExplicitHashKey(shardStartHashKeys.get(t.shard()));
                }
                entries.add(e.build());
            }
            List<Ack> callAcks = new ArrayList<>();
            if (put.batch()) {
                PutRecordsResponse r = stub.putRecords(PutRecordsRequest.newBuilder().setStreamName(STREAM)
                        .addAllRecords(entries).build());
                assertThat(r.getFailedRecordCount()).as("%s", r).isZero();
                for (int j = 0; j < entries.size(); j++) {
                    PutRecordsResultEntry e = r.getRecords(j);
                    callAcks.add(new Ack(e.getShardId(), new BigInteger(e.getSequenceNumber()),
                            entries.get(j).getData()));
                }
            } else {
                PutRecordsRequestEntry e = entries.get(0);
                PutRecordResponse r = stub.putRecord(PutRecordRequest.newBuilder().setStreamName(STREAM)
                        .setPartitionKey(e.getPartitionKey()).setExplicitHashKey(e.getExplicitHashKey())
                        .setData(e.getData()).build());
                callAcks.add(new Ack(r.getShardId(), new BigInteger(r.getSequenceNumber()), e.getData()));
            }
            for (int j = 0; j < callAcks.size(); j++) {
                int shard = put.targets().get(j).shard();
                if (shard >= 0) {
                    assertThat(callAcks.get(j).shardId()).isEqualTo(ShardId.format(shard));
                }
            }
            acks.addAll(callAcks);
        }
        return acks;
    }

    private static List<Record> readFrom(StreamsGrpc.StreamsBlockingStub reader, String iterator) {
        List<Record> out = new ArrayList<>();
        String it = iterator;
        while (true) {
            GetRecordsResponse r = reader.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setLimit(50).build());
            if (r.getRecordsCount() == 0) {
                return out;
            }
            out.addAll(r.getRecordsList());
            it = r.getNextShardIterator();
        }
    }
}
