package io.sluice.client.producer.internal;

import io.sluice.client.producer.ProducerConfig;
import io.sluice.client.producer.PutResult;
import io.sluice.common.HashKey;
import io.sluice.common.Limits;
import com.google.protobuf.ByteString;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The producer's machinery wired as {@code SluiceProducer} wires it, but with manual time, a seeded random, a
 * {@link FakeBrokerClient} and no I/O thread: the test calls {@link #runOnce()} itself.
 */
final class SenderHarness implements AutoCloseable {
    static final String STREAM = "s";

    final ManualTime time = new ManualTime();
    final FakeBrokerClient client;
    final ProducerConfig config;
    final BufferMemory buffer;
    final RecordAccumulator accumulator;
    final MetadataCache metadata;
    final MetricsRecorder metrics = new MetricsRecorder();
    final ProducerSequences sequences;
    final Sender sender;

    SenderHarness(int shards, int groups, Map<String, String> settings) throws InterruptedException {
        Map<String, String> all = new HashMap<>(Map.of("endpoints", "seed:1", "linger.ms", "10",
                "delivery.timeout.ms", "5000", "request.timeout.ms", "1000", "retry.backoff.ms", "100",
                "retry.backoff.max.ms", "400"));
        all.putAll(settings);
        config = ProducerConfig.fromProperties(all, Limits.DEFAULTS);
        client = new FakeBrokerClient(shards, groups);
        Random random = new Random(42);
        buffer = new BufferMemory(config.bufferMemoryBytes());
        accumulator = new RecordAccumulator(config.lingerMs(), config.maxBatchRecords(), config.maxBatchBytes(),
                config.deliveryTimeoutMs(), time);
        metadata = new MetadataCache(client, config.endpoints(), config.requestTimeoutMs(), config.maxBlockMs(),
                config.retryBackoffMs(), new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs(), random),
                config.metadataMaxAgeMs(), time);
        sequences = config.idempotent() ? new ProducerSequences(random) : null;
        BatchOutcomes outcomes = new BatchOutcomes(accumulator, buffer, metadata, sequences, metrics,
                new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs(), random), config.deliveryTimeoutMs(),
                time);
        sender = new Sender(accumulator, buffer, metadata, client, outcomes, sequences, metrics, Limits.DEFAULTS,
                config.requestTimeoutMs(), config.retryBackoffMaxMs(), config.maxInFlightRequestsPerBroker(),
                config.strictOrdering(), time, () -> { });
        metadata.shardMap(STREAM, TimeUnit.SECONDS.toNanos(10));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metadata.cluster().leaderAddressByGroup().size() < groups) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no cluster view within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    /** Puts a record as SluiceProducer.put does, minus validation and blocking. */
    CompletableFuture<PutResult> put(String partitionKey, String explicitHashKey, String data) throws Exception {
        HashKey key = explicitHashKey == null ? HashKey.ofPartitionKey(partitionKey)
                : HashKey.parseExplicit(explicitHashKey, "explicit_hash_key");
        ShardMap.Route route = metadata.shardMap(STREAM, TimeUnit.SECONDS.toNanos(1)).route(key);
        int size = Limits.DEFAULTS.checkRecord(partitionKey, data.length(), "");
        if (!buffer.reserve(size, 0)) {
            throw new AssertionError("buffer full");
        }
        PutRecordsRequestEntry.Builder e = PutRecordsRequestEntry.newBuilder().setPartitionKey(partitionKey)
                .setData(ByteString.copyFromUtf8(data));
        if (explicitHashKey != null) {
            e.setExplicitHashKey(explicitHashKey);
        }
        PendingRecord r = new PendingRecord(e.build(), size, time.nanoTime(), new CompletableFuture<>());
        accumulator.append(new ShardKey(STREAM, route.shardId()), route.group(), r);
        return r.future();
    }

    long runOnce() {
        return sender.runOnce();
    }

    @Override
    public void close() {
        metadata.close();
    }
}
