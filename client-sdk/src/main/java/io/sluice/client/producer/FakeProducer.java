package io.sluice.client.producer;

import io.sluice.common.HashKey;
import io.sluice.common.HashKeyRange;
import io.sluice.common.Limits;
import io.sluice.common.SequenceNumber;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A {@link Producer} for users' unit tests: no cluster, no threads. Each put is validated as {@link SluiceProducer}
 * validates it (same errors), then either fails as configured or is stored in memory and acknowledged at once with a
 * shard id (by hash key, over the stream's configured shard count, 1 by default) and a sequence number.
 *
 * <pre>{@code
 * FakeProducer producer = new FakeProducer().withShards("clicks", 4);
 * producer.failNext(1, SluiceException.of(ErrorCode.THROTTLED, "slow down"));
 * myService.handle(request, producer);
 * assertThat(producer.records("clicks")).extracting(FakeProducer.Sent::partitionKey).containsExactly("user-1");
 * }</pre>
 *
 * <p>Thread-safe (every method is synchronized).
 */
public final class FakeProducer implements Producer {
    /** A record the fake acknowledged. {@code explicitHashKey} is null when none was given. */
    public record Sent(String stream, String partitionKey, String explicitHashKey, byte[] data, String shardId,
                       SequenceNumber sequenceNumber) {
    }

    /** A put as the fake receives it, for {@link #failWhen}. */
    public record Attempt(String stream, String partitionKey, String explicitHashKey, byte[] data) {
    }

    private final Limits limits;
    private final Map<String, Integer> shardCounts = new HashMap<>();
    private final Map<String, Long> streamIds = new HashMap<>();
    private final Map<String, Long> nextPosition = new HashMap<>();
    private final List<Sent> sent = new ArrayList<>();
    private final Deque<RuntimeException> failNext = new ArrayDeque<>();
    private final List<Map.Entry<Predicate<Attempt>, Function<Attempt, RuntimeException>>> rules = new ArrayList<>();
    private long failedCount;
    private long flushes;
    private boolean closed;

    /** A fake that checks records against Kinesis's default limits. */
    public FakeProducer() {
        this(Limits.DEFAULTS);
    }

    public FakeProducer(Limits limits) {
        this.limits = limits;
    }

    /** Routes {@code stream}'s records over {@code shardCount} shards that split the hash key space evenly. */
    public synchronized FakeProducer withShards(String stream, int shardCount) {
        limits.checkShardCount(shardCount, "shardCount");
        shardCounts.put(stream, shardCount);
        return this;
    }

    /** The next {@code count} valid puts fail with {@code error} (after earlier failNext calls are used up). */
    public synchronized FakeProducer failNext(int count, RuntimeException error) {
        for (int i = 0; i < count; i++) {
            failNext.add(error);
        }
        return this;
    }

    /** Every valid put that matches {@code when} fails with what {@code error} returns for it. */
    public synchronized FakeProducer failWhen(Predicate<Attempt> when, Function<Attempt, RuntimeException> error) {
        rules.add(Map.entry(when, error));
        return this;
    }

    /** Removes every failure rule and pending failNext. */
    public synchronized FakeProducer clearFailures() {
        failNext.clear();
        rules.clear();
        return this;
    }

    @Override
    public CompletableFuture<PutResult> put(String stream, String partitionKey, byte[] data) {
        return put(stream, partitionKey, null, data);
    }

    @Override
    public synchronized CompletableFuture<PutResult> put(String stream, String partitionKey, String explicitHashKey,
                                                         byte[] data) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
        }
        HashKey key;
        try {
            Limits.checkStreamName(stream, "stream_name");
            if (data == null) {
                throw SluiceException.invalidArgument("data", "a byte array (it may be empty)", "null");
            }
            limits.checkRecord(partitionKey, data.length, "");
            boolean explicit = explicitHashKey != null && !explicitHashKey.isEmpty();
            key = explicit ? HashKey.parseExplicit(explicitHashKey, "explicit_hash_key")
                    : HashKey.ofPartitionKey(partitionKey);
        } catch (SluiceException e) {
            return CompletableFuture.failedFuture(e);
        }
        String ehk = explicitHashKey == null || explicitHashKey.isEmpty() ? null : explicitHashKey;
        Attempt attempt = new Attempt(stream, partitionKey, ehk, data.clone());
        RuntimeException failure = failNext.poll();
        for (int i = 0; failure == null && i < rules.size(); i++) {
            if (rules.get(i).getKey().test(attempt)) {
                failure = rules.get(i).getValue().apply(attempt);
            }
        }
        if (failure != null) {
            failedCount++;
            return CompletableFuture.failedFuture(failure);
        }
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(shardCounts.getOrDefault(stream, 1));
        int shard = 0;
        while (!ranges.get(shard).contains(key)) {
            shard++;
        }
        String shardId = ShardId.format(shard);
        long streamId = streamIds.computeIfAbsent(stream, s -> (long) streamIds.size() + 1);
        long position = nextPosition.merge(stream + "/" + shardId, 1L, Long::sum) - 1;
        Sent s = new Sent(stream, partitionKey, ehk, attempt.data(), shardId, new SequenceNumber(streamId, position));
        sent.add(s);
        return CompletableFuture.completedFuture(new PutResult(shardId, s.sequenceNumber()));
    }

    /** Every acknowledged record, in put order. */
    public synchronized List<Sent> records() {
        return List.copyOf(sent);
    }

    /** The acknowledged records of one stream, in put order. */
    public synchronized List<Sent> records(String stream) {
        return sent.stream().filter(s -> s.stream().equals(stream)).toList();
    }

    /** Forgets the acknowledged records (not the sequence counters or failure rules). */
    public synchronized void clearRecords() {
        sent.clear();
    }

    /** How many times {@link #flush()} was called. */
    public synchronized long flushCount() {
        return flushes;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Nothing is buffered: counts the call and returns. */
    @Override
    public synchronized void flush() {
        flushes++;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    @Override
    public void close(Duration timeout) {
        close();
    }

    /** Counts as the real producer does (one batch per put); latencies are zero. */
    @Override
    public synchronized ProducerMetrics metrics() {
        long n = sent.size();
        double avgBytes = n == 0 ? 0 : sent.stream().mapToLong(s -> s.data().length
                + Limits.utf8Length(s.partitionKey())).sum() / (double) n;
        return new ProducerMetrics(n, failedCount, 0, n, n, n == 0 ? 0 : 1, avgBytes, 0, 0, 0, 0);
    }
}
