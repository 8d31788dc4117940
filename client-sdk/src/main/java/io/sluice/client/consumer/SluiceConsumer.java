package io.sluice.client.consumer;

import io.sluice.client.consumer.internal.BrokerChannels;
import io.sluice.client.consumer.internal.GrpcLeaseClient;
import io.sluice.client.consumer.internal.LeaseCoordinator;
import io.sluice.client.consumer.internal.ShardConsumer;
import io.sluice.client.consumer.internal.ShardFetcher;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker of a consumer application: it shares the shards of one stream with the application's other workers
 * through leases kept in the cluster, and runs a {@link RecordProcessor} for each shard it holds. Delivery is at
 * least once; see docs/consumer.md.
 *
 * <pre>{@code
 * SluiceConsumer consumer = SluiceConsumer.builder()
 *         .endpoints("broker1:7700", "broker2:7700").application("billing").stream("orders")
 *         .initialPosition(StartPosition.trimHorizon())
 *         .processorFactory(shardId -> new MyProcessor())
 *         .build();
 * consumer.start();
 * ...
 * consumer.close(); // checkpoints through shutdownRequested and releases every lease
 * }</pre>
 *
 * <p>Threads: one lease thread (renew, balance, take), one fetch scheduler shared by every shard's reads (gRPC
 * callbacks do the rest), and a pool of {@code processorThreads} running the processors' callbacks, those of one
 * shard one at a time. All are daemon threads owned by this object. Methods of this class are thread-safe.
 */
public final class SluiceConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceConsumer.class);

    private final ConsumerConfig config;
    private final BrokerChannels channels;
    private final ScheduledExecutorService leaseThread;
    private final ScheduledExecutorService fetchScheduler;
    private final ExecutorService processors;
    private final LeaseCoordinator coordinator;
    private final LongAdder recordsProcessed = new LongAdder();
    private final Object lifecycle = new Object();
    // Guarded by lifecycle.
    private boolean started;
    private boolean stopped;

    private SluiceConsumer(ConsumerConfig config, RecordProcessorFactory factory, Random random) {
        this.config = config;
        String w = config.workerId();
        this.channels = new BrokerChannels(config.endpoints(), random.nextInt(config.endpoints().size()));
        this.leaseThread = Executors.newSingleThreadScheduledExecutor(threads("sluice-consumer-" + w + "-leases"));
        this.fetchScheduler = Executors.newSingleThreadScheduledExecutor(threads("sluice-consumer-" + w + "-fetch"));
        this.processors = Executors.newFixedThreadPool(config.processorThreads(),
                threads("sluice-consumer-" + w + "-process"));
        Duration coordinationTimeout = config.rpcTimeout().compareTo(config.renewInterval()) < 0
                ? config.rpcTimeout() : config.renewInterval();
        GrpcLeaseClient coordinationCalls = new GrpcLeaseClient(channels, config.application(), config.stream(), w,
                config.leaseDuration(), coordinationTimeout);
        GrpcLeaseClient checkpointCalls = new GrpcLeaseClient(channels, config.application(), config.stream(), w,
                config.leaseDuration(), config.rpcTimeout());
        ShardConsumer.Settings settings = new ShardConsumer.Settings(checkpointCalls,
                ShardFetcher.factory(new ShardFetcher.Reads(channels, config.stream(), fetchScheduler,
                        config.pollLimit(), config.pollInterval(), config.pollMaxWait(), config.clock()),
                        config.delivery()),
                config.maxPrefetchRecords(), config.maxPrefetchBytes(), processors, config.clock(), recordsProcessed);
        this.coordinator = new LeaseCoordinator(w, coordinationCalls,
                (lease, start) -> new ShardConsumer(lease, start, factory.create(lease.shardId()), settings),
                config.initialPosition(), config.leaseDuration(), config.renewInterval(), config.clock(), random);
    }

    public static Builder builder() {
        return new Builder();
    }

    public ConsumerConfig config() {
        return config;
    }

    /** Starts taking leases and processing. Returns at once. */
    public void start() {
        synchronized (lifecycle) {
            if (started || stopped) {
                throw new IllegalStateException(stopped ? "closed" : "already started");
            }
            started = true;
            leaseThread.execute(this::cycle);
        }
    }

    private void cycle() {
        long delayMs;
        try {
            delayMs = coordinator.runOnce();
        } catch (RuntimeException e) {
            LOG.error("worker {}: lease cycle failed", config.workerId(), e);
            delayMs = config.renewInterval().toMillis();
        }
        if (!leaseThread.isShutdown()) {
            try {
                leaseThread.schedule(this::cycle, delayMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shut down meanwhile
            }
        }
    }

    /** What this worker holds and has done; a snapshot. */
    public ConsumerMetrics metrics() {
        return new ConsumerMetrics(config.workerId(), coordinator.shardMetrics(), recordsProcessed.sum(),
                coordinator.leasesTaken(), coordinator.leasesStolen(), coordinator.leasesLost());
    }

    /**
     * Graceful shutdown: stops taking leases, lets each processor checkpoint in {@code shutdownRequested} and
     * releases each lease as soon as its processor returns, so other workers take the shards over without waiting for
     * expiry. Waits up to the shutdown timeout; leases not released by then expire. Idempotent. Do not call it from
     * a processor callback: it waits for the callbacks to return.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        try {
            CompletableFuture<Void> all = CompletableFuture.supplyAsync(() -> {
                coordinator.beginShutdown();
                return coordinator.consumers();
            }, leaseThread).thenCompose(list -> CompletableFuture.allOf(
                    list.stream().map(c -> c.done()).toArray(CompletableFuture[]::new)));
            all.get(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("worker {}: processors did not finish within {} ms; their leases will expire",
                    config.workerId(), config.shutdownTimeout().toMillis());
        } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("worker {}: graceful shutdown failed", config.workerId(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopThreads();
    }

    /**
     * Stops at once, as a crash would: no more callbacks, no checkpoint, no release. The leases stay with this worker
     * in the cluster until they expire, then other workers take them. Meant for tests of failover.
     */
    public void shutdownNow() {
        synchronized (lifecycle) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        leaseThread.shutdownNow();
        try {
            leaseThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        coordinator.consumers().forEach(ShardConsumer::abandon);
        stopThreads();
    }

    private void stopThreads() {
        leaseThread.shutdownNow();
        fetchScheduler.shutdownNow();
        processors.shutdownNow();
        channels.close();
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Builds a {@link SluiceConsumer}. Each setting method stands for one entry of {@link ConsumerConfig#SETTINGS}
     * (key, default and range there and in docs/consumer.md); everything is validated by {@link #build()}.
     */
    public static final class Builder {
        private final Map<ConsumerSetting<?>, Object> values = new HashMap<>();
        private Clock clock = Clock.systemUTC();
        private RecordProcessorFactory processorFactory;
        private Random random = new Random();

        private Builder() {
        }

        private Builder set(ConsumerSetting<?> setting, Object value) {
            values.put(setting, value);
            return this;
        }

        /** Settings as text, keys as in {@link ConsumerConfig#SETTINGS}; an unknown key or bad value fails here. */
        public Builder properties(Map<String, String> properties) {
            values.putAll(ConsumerConfig.parse(properties));
            return this;
        }

        /** Broker client addresses, host:port. Required. */
        public Builder endpoints(String... hostPorts) {
            return set(ConsumerConfig.ENDPOINTS, List.of(hostPorts));
        }

        public Builder endpoints(List<String> hostPorts) {
            return set(ConsumerConfig.ENDPOINTS, List.copyOf(hostPorts));
        }

        /** The consumer application's name. Required. */
        public Builder application(String application) {
            return set(ConsumerConfig.APPLICATION, application);
        }

        /** The stream to read. Required. */
        public Builder stream(String stream) {
            return set(ConsumerConfig.STREAM_NAME, stream);
        }

        /** Default: the host name and a random suffix, so that every process run is a new worker. */
        public Builder workerId(String workerId) {
            return set(ConsumerConfig.WORKER_ID, workerId);
        }

        /** Default 10 s; 1 s..10 min. */
        public Builder leaseDuration(Duration leaseDuration) {
            return set(ConsumerConfig.LEASE_DURATION, leaseDuration);
        }

        /** Default a third of the lease duration; must be shorter than it. */
        public Builder renewInterval(Duration renewInterval) {
            return set(ConsumerConfig.RENEW_INTERVAL, renewInterval);
        }

        /** Default LATEST; TRIM_HORIZON, LATEST or AT_TIMESTAMP. */
        public Builder initialPosition(StartPosition initialPosition) {
            return set(ConsumerConfig.INITIAL_POSITION, initialPosition);
        }

        /** Default PUSH. */
        public Builder delivery(Delivery delivery) {
            return set(ConsumerConfig.DELIVERY, delivery);
        }

        /** Default 200 ms. */
        public Builder pollInterval(Duration pollInterval) {
            return set(ConsumerConfig.POLL_INTERVAL, pollInterval);
        }

        /** Default 500 ms; 0..20 s (0: no long polling, a pause of pollInterval after an empty call). */
        public Builder pollMaxWait(Duration pollMaxWait) {
            return set(ConsumerConfig.POLL_MAX_WAIT, pollMaxWait);
        }

        /** Default 1000; 1..10000. */
        public Builder pollLimit(int pollLimit) {
            return set(ConsumerConfig.POLL_LIMIT, pollLimit);
        }

        /** Per shard, default 10,000. */
        public Builder maxPrefetchRecords(int maxPrefetchRecords) {
            return set(ConsumerConfig.PREFETCH_MAX_RECORDS, maxPrefetchRecords);
        }

        /** Per shard, default 8 MiB. */
        public Builder maxPrefetchBytes(long maxPrefetchBytes) {
            return set(ConsumerConfig.PREFETCH_MAX_BYTES, maxPrefetchBytes);
        }

        /** Default the number of cores, at least 2. */
        public Builder processorThreads(int processorThreads) {
            return set(ConsumerConfig.PROCESSOR_THREADS, processorThreads);
        }

        /** Default 10 s. */
        public Builder rpcTimeout(Duration rpcTimeout) {
            return set(ConsumerConfig.RPC_TIMEOUT, rpcTimeout);
        }

        /** Default 30 s. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            return set(ConsumerConfig.SHUTDOWN_TIMEOUT, shutdownTimeout);
        }

        /** Default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Picks among equally good leases to take; default unseeded. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Required. */
        public Builder processorFactory(RecordProcessorFactory processorFactory) {
            this.processorFactory = processorFactory;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is missing or out of range */
        public SluiceConsumer build() {
            ConsumerConfig config = ConsumerConfig.of(values, clock);
            if (processorFactory == null) {
                throw new IllegalArgumentException("processorFactory: must be set");
            }
            return new SluiceConsumer(config, processorFactory, random);
        }
    }
}
