package io.sluice.client.consumer;

import io.sluice.client.consumer.internal.BrokerChannels;
import io.sluice.client.consumer.internal.GrpcLeaseClient;
import io.sluice.client.consumer.internal.LeaseCoordinator;
import io.sluice.client.consumer.internal.ShardConsumer;
import io.sluice.client.consumer.internal.ShardFetcher;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
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
                        config.pollLimit(), config.pollInterval(), config.clock()), config.delivery()),
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

    /** Builds a {@link SluiceConsumer}; see {@link ConsumerConfig} for what each setting means. */
    public static final class Builder {
        private List<String> endpoints = List.of();
        private String application;
        private String stream;
        private String workerId;
        private Duration leaseDuration = Duration.ofSeconds(10);
        private Duration renewInterval;
        private StartPosition initialPosition = StartPosition.latest();
        private Delivery delivery = Delivery.PUSH;
        private Duration pollInterval = Duration.ofMillis(200);
        private int pollLimit = 1000;
        private int maxPrefetchRecords = 10_000;
        private long maxPrefetchBytes = 8L << 20;
        private int processorThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private Duration rpcTimeout = Duration.ofSeconds(10);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private RecordProcessorFactory processorFactory;
        private Random random = new Random();

        private Builder() {
        }

        /** Broker client addresses, host:port. Required. */
        public Builder endpoints(String... hostPorts) {
            this.endpoints = List.of(hostPorts);
            return this;
        }

        public Builder endpoints(List<String> hostPorts) {
            this.endpoints = List.copyOf(hostPorts);
            return this;
        }

        /** The consumer application's name. Required. */
        public Builder application(String application) {
            this.application = application;
            return this;
        }

        /** The stream to read. Required. */
        public Builder stream(String stream) {
            this.stream = stream;
            return this;
        }

        /** Default: the host name and a random suffix, so that every process run is a new worker. */
        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        /** Default 10 s; 1 s..10 min. */
        public Builder leaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
            return this;
        }

        /** Default a third of the lease duration; must be shorter than it. */
        public Builder renewInterval(Duration renewInterval) {
            this.renewInterval = renewInterval;
            return this;
        }

        /** Default LATEST; TRIM_HORIZON, LATEST or AT_TIMESTAMP. */
        public Builder initialPosition(StartPosition initialPosition) {
            this.initialPosition = initialPosition;
            return this;
        }

        /** Default PUSH. */
        public Builder delivery(Delivery delivery) {
            this.delivery = delivery;
            return this;
        }

        /** Default 200 ms. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /** Default 1000; 1..10000. */
        public Builder pollLimit(int pollLimit) {
            this.pollLimit = pollLimit;
            return this;
        }

        /** Per shard, default 10,000. */
        public Builder maxPrefetchRecords(int maxPrefetchRecords) {
            this.maxPrefetchRecords = maxPrefetchRecords;
            return this;
        }

        /** Per shard, default 8 MiB. */
        public Builder maxPrefetchBytes(long maxPrefetchBytes) {
            this.maxPrefetchBytes = maxPrefetchBytes;
            return this;
        }

        /** Default the number of cores, at least 2. */
        public Builder processorThreads(int processorThreads) {
            this.processorThreads = processorThreads;
            return this;
        }

        /** Default 10 s. */
        public Builder rpcTimeout(Duration rpcTimeout) {
            this.rpcTimeout = rpcTimeout;
            return this;
        }

        /** Default 30 s. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
            return this;
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
            if (processorFactory == null) {
                throw new IllegalArgumentException("processorFactory: must be set");
            }
            Duration renew = renewInterval != null ? renewInterval
                    : leaseDuration == null ? null : leaseDuration.dividedBy(3);
            ConsumerConfig config = new ConsumerConfig(endpoints, application, stream,
                    workerId != null ? workerId : defaultWorkerId(), leaseDuration, renew, initialPosition, delivery,
                    pollInterval, pollLimit, maxPrefetchRecords, maxPrefetchBytes, processorThreads, rpcTimeout,
                    shutdownTimeout, clock);
            return new SluiceConsumer(config, processorFactory, random);
        }

        private static String defaultWorkerId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "worker";
            }
            host = host.replaceAll("[^a-zA-Z0-9_.:-]", "_");
            host = host.substring(0, Math.min(host.length(), 90));
            return host + "-" + UUID.randomUUID().toString().substring(0, 8);
        }
    }
}
