package io.sluice.client.producer;

import com.google.protobuf.ByteString;
import io.sluice.client.producer.internal.Backoff;
import io.sluice.client.producer.internal.BatchOutcomes;
import io.sluice.client.producer.internal.BrokerClient;
import io.sluice.client.producer.internal.BufferMemory;
import io.sluice.client.producer.internal.GrpcBrokerClient;
import io.sluice.client.producer.internal.MetadataCache;
import io.sluice.client.producer.internal.MetricsRecorder;
import io.sluice.client.producer.internal.PendingRecord;
import io.sluice.client.producer.internal.ProducerSequences;
import io.sluice.client.producer.internal.RecordAccumulator;
import io.sluice.client.producer.internal.Sender;
import io.sluice.client.producer.internal.ShardKey;
import io.sluice.client.producer.internal.ShardMap;
import io.sluice.client.producer.internal.Time;
import io.sluice.common.HashKey;
import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ErrorDetail;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Producer} that writes to a Sluice cluster: records are batched per shard, each shard's batch is sent to the
 * leader of the shard's replication group, and retried with backoff on retriable errors until
 * {@code delivery.timeout.ms}. See docs/producer.md for settings and semantics.
 *
 * <pre>{@code
 * try (SluiceProducer producer = SluiceProducer.builder().endpoints("127.0.0.1:7700").lingerMs(10).build()) {
 *     producer.put("clicks", userId, json.getBytes(UTF_8))
 *             .whenComplete((result, error) -> ...);
 * }
 * }</pre>
 *
 * <p>Threads: one I/O thread ("sluice-producer-sender-N") sends and completes futures; one metadata thread fetches
 * shard maps and group leaders. Both are daemons and end with {@link #close()}.
 */
public final class SluiceProducer implements Producer {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceProducer.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final ProducerConfig config;
    private final Limits limits;
    private final Time time;
    private final BrokerClient client;
    private final BufferMemory buffer;
    private final RecordAccumulator accumulator;
    private final MetadataCache metadata;
    private final MetricsRecorder metrics = new MetricsRecorder();
    private final ProducerSequences sequences;
    private final Sender sender;
    private final Waker waker = new Waker();
    private final Thread ioThread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile boolean senderStopped;

    SluiceProducer(ProducerConfig config, BrokerClient client, Time time, Random random) {
        this.config = config;
        this.limits = config.limits();
        this.time = time;
        this.client = client;
        this.buffer = new BufferMemory(config.bufferMemoryBytes());
        this.accumulator = new RecordAccumulator(config.lingerMs(), config.maxBatchRecords(), config.maxBatchBytes(),
                config.deliveryTimeoutMs(), time);
        this.metadata = new MetadataCache(client, config.endpoints(), config.requestTimeoutMs(), config.maxBlockMs(),
                config.retryBackoffMs(), new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs(),
                new Random(random.nextLong())), config.metadataMaxAgeMs(), time);
        this.sequences = config.idempotent() ? new ProducerSequences(random) : null;
        Backoff backoff = new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs(), new Random(random.nextLong()));
        BatchOutcomes outcomes = new BatchOutcomes(accumulator, buffer, metadata, sequences, metrics, backoff,
                config.deliveryTimeoutMs(), time);
        this.sender = new Sender(accumulator, buffer, metadata, client, outcomes, sequences, metrics, limits,
                config.requestTimeoutMs(), config.retryBackoffMaxMs(), config.maxInFlightRequestsPerBroker(),
                config.strictOrdering(), time, waker::wakeup);
        this.ioThread = new Thread(this::runIo, "sluice-producer-sender-" + IDS.incrementAndGet());
        ioThread.setDaemon(true);
        ioThread.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public ProducerConfig config() {
        return config;
    }

    /** The idempotent producer id shards start with, or 0 when not idempotent. */
    public long producerId() {
        return sequences == null ? 0 : sequences.producerId();
    }

    private void runIo() {
        while (running) {
            try {
                long waitMs = sender.runOnce();
                waker.await(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // A bug: fail what is pending rather than leave futures hanging, and keep serving new records.
                LOG.error("the producer's I/O thread failed; failing every pending record", e);
                sender.abortAll("the producer's I/O thread failed: " + e);
            }
        }
    }

    @Override
    public CompletableFuture<PutResult> put(String stream, String partitionKey, byte[] data) {
        return put(stream, partitionKey, null, data);
    }

    @Override
    public CompletableFuture<PutResult> put(String stream, String partitionKey, String explicitHashKey, byte[] data) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the producer is closed"));
        }
        try {
            Limits.checkStreamName(stream, "stream_name");
            if (data == null) {
                throw SluiceException.invalidArgument("data", "a byte array (it may be empty)", "null");
            }
            int size = limits.checkRecord(partitionKey, data.length, "");
            boolean explicit = explicitHashKey != null && !explicitHashKey.isEmpty();
            HashKey key = explicit ? HashKey.parseExplicit(explicitHashKey, "explicit_hash_key")
                    : HashKey.ofPartitionKey(partitionKey);
            if (size > buffer.totalBytes()) {
                throw largerThanBuffer(size);
            }
            long deadlineNanos = time.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.maxBlockMs());
            ShardMap map = metadata.shardMap(stream, deadlineNanos - time.nanoTime());
            ShardMap.Route route = map.route(key);
            if (route == null) {
                metadata.refreshStream(stream);
                throw SluiceException.of(ErrorCode.UNAVAILABLE, "stream " + stream + ": no open shard holds hash key "
                        + key + " in the producer's shard map; it is being refreshed, retry");
            }
            if (!buffer.reserve(size, deadlineNanos - time.nanoTime())) {
                throw bufferFull(size);
            }
            PutRecordsRequestEntry.Builder entry = PutRecordsRequestEntry.newBuilder()
                    .setPartitionKey(partitionKey).setData(ByteString.copyFrom(data));
            if (explicit) {
                entry.setExplicitHashKey(explicitHashKey);
            }
            PendingRecord r = new PendingRecord(entry.build(), size, time.nanoTime(), new CompletableFuture<>());
            if (accumulator.append(new ShardKey(stream, route.shardId()), route.group(), r)
                    || config.lingerMs() == 0) {
                waker.wakeup();
            }
            if (senderStopped) {
                // Closed while we appended and nobody is left to send: fail it (and anything else left) here.
                sender.abortQueued("the producer is closed");
            }
            return r.future();
        } catch (SluiceException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private SluiceException largerThanBuffer(int size) {
        return new SluiceException(ErrorDetail.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT).setField("data")
                .setMessage("data: record size (data + partition key) of " + size + " bytes exceeds the producer's "
                        + "buffer.memory.bytes (" + buffer.totalBytes() + " bytes); raise buffer.memory.bytes")
                .setLimit(buffer.totalBytes() + " bytes").setActual(size + " bytes").setRetriable(false).build());
    }

    private SluiceException bufferFull(int size) {
        SluiceException last = sender.lastSendError();
        return SluiceException.of(ErrorCode.THROTTLED, "buffer.memory.bytes: the producer's buffer of "
                + buffer.totalBytes() + " bytes is full (" + buffer.usedBytes() + " bytes await acknowledgement); "
                + "put blocked max.block.ms (" + config.maxBlockMs() + " ms) without room for a record of " + size
                + " bytes. The cluster is slower than the put rate or unreachable"
                + (last == null ? "" : "; last send error: " + last.getMessage()), last);
    }

    @Override
    public void flush() throws InterruptedException {
        CompletableFuture<Void> all = accumulator.beginFlush();
        try {
            waker.wakeup();
            all.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a batch ended abnormally", e.getCause());
        } finally {
            accumulator.endFlush();
        }
    }

    @Override
    public void close() {
        close(Duration.ofMillis(config.deliveryTimeoutMs() + config.requestTimeoutMs()));
    }

    @Override
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        buffer.close(); // puts blocked for memory fail now
        accumulator.beginClose();
        CompletableFuture<Void> all = accumulator.beginFlush();
        waker.wakeup();
        try {
            all.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.warn("closing the producer: records still without an outcome after {}; failing them", timeout);
        } catch (ExecutionException e) {
            LOG.warn("closing the producer: a batch ended abnormally", e.getCause());
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            accumulator.endFlush();
        }
        running = false;
        waker.wakeup();
        try {
            ioThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            interrupted = true;
        }
        senderStopped = true;
        sender.abortAll("the producer was closed before the record's outcome was known");
        metadata.close();
        client.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ProducerMetrics metrics() {
        return metrics.snapshot(buffer.usedBytes());
    }

    /** Wakes the I/O thread early; a wake-up before it waits is not lost. */
    private static final class Waker {
        private boolean woken; // guarded by this

        synchronized void wakeup() {
            woken = true;
            notifyAll();
        }

        synchronized void await(long ms) throws InterruptedException {
            if (!woken && ms > 0) {
                wait(ms == Long.MAX_VALUE ? 0 : ms);
            }
            woken = false;
        }
    }

    /** Builds a {@link SluiceProducer}; every setting is validated by {@link #build()}, errors name its key. */
    public static final class Builder {
        private final Map<ProducerSetting<?>, Object> values = new HashMap<>();
        private Limits limits = Limits.DEFAULTS;
        private BrokerClient client;
        private Time time = Time.SYSTEM;
        private Random random;

        private Builder() {
        }

        private Builder set(ProducerSetting<?> s, Object v) {
            values.put(s, v);
            return this;
        }

        /** Brokers to bootstrap from, as host:port (required). */
        public Builder endpoints(String... endpoints) {
            return set(ProducerConfig.ENDPOINTS, List.of(endpoints));
        }

        public Builder endpoints(List<String> endpoints) {
            return set(ProducerConfig.ENDPOINTS, List.copyOf(endpoints));
        }

        public Builder lingerMs(long ms) {
            return set(ProducerConfig.LINGER_MS, ms);
        }

        public Builder maxBatchRecords(int records) {
            return set(ProducerConfig.BATCH_MAX_RECORDS, records);
        }

        public Builder maxBatchBytes(int bytes) {
            return set(ProducerConfig.BATCH_MAX_BYTES, bytes);
        }

        public Builder bufferMemoryBytes(long bytes) {
            return set(ProducerConfig.BUFFER_MEMORY_BYTES, bytes);
        }

        public Builder maxBlockMs(long ms) {
            return set(ProducerConfig.MAX_BLOCK_MS, ms);
        }

        public Builder deliveryTimeoutMs(long ms) {
            return set(ProducerConfig.DELIVERY_TIMEOUT_MS, ms);
        }

        public Builder requestTimeoutMs(long ms) {
            return set(ProducerConfig.REQUEST_TIMEOUT_MS, ms);
        }

        public Builder retryBackoffMs(long ms) {
            return set(ProducerConfig.RETRY_BACKOFF_MS, ms);
        }

        public Builder retryBackoffMaxMs(long ms) {
            return set(ProducerConfig.RETRY_BACKOFF_MAX_MS, ms);
        }

        public Builder maxInFlightRequestsPerBroker(int calls) {
            return set(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_BROKER, calls);
        }

        public Builder metadataMaxAgeMs(long ms) {
            return set(ProducerConfig.METADATA_MAX_AGE_MS, ms);
        }

        public Builder strictOrdering(boolean strict) {
            return set(ProducerConfig.STRICT_ORDERING, strict);
        }

        public Builder idempotent(boolean idempotent) {
            return set(ProducerConfig.IDEMPOTENT, idempotent);
        }

        /** Settings from text, keys as in docs/producer.md; later builder calls override them. */
        public Builder properties(Map<String, String> properties) {
            values.putAll(ProducerConfig.parse(properties));
            return this;
        }

        /** The cluster's request limits, if its brokers override Kinesis's defaults. */
        public Builder limits(Limits limits) {
            this.limits = limits;
            return this;
        }

        /** For tests: the calls to brokers, time and randomness (producer ids, jitter). */
        Builder internals(BrokerClient client, Time time, Random random) {
            this.client = client;
            this.time = time;
            this.random = random;
            return this;
        }

        /**
         * Validates the settings and starts the producer (its threads; connections open on first use).
         *
         * @throws IllegalArgumentException naming the key of the first bad or missing setting
         */
        public SluiceProducer build() {
            ProducerConfig config = ProducerConfig.of(values, limits);
            return new SluiceProducer(config, client == null ? new GrpcBrokerClient() : client, time,
                    random == null ? new SecureRandom() : random);
        }
    }
}
