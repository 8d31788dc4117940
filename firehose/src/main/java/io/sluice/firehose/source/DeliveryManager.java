package io.sluice.firehose.source;

import io.sluice.common.SluiceException;
import io.sluice.firehose.api.BrokerClient;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.firehose.delivery.BufferBudget;
import io.sluice.proto.v1.DeliveryStreamDescription;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link DeliveryStreamWorker} for every delivery stream defined in the cluster: the definitions are read
 * every {@code definitions.refresh.interval.ms}, workers start for new ones (or new incarnations) and stop for
 * deleted ones; every {@code flush.check.interval.ms} quiet shards are checked for a passed buffering interval (and
 * for a request to deliver early from the process-wide {@link BufferBudget}, which all deliveries share).
 *
 * <p>Threads: one scheduler thread owns {@code workers} (refresh and flush ticks run on it, one at a time). Stopping a
 * worker (which delivers what its shards buffered, up to the consumer's shutdown timeout) runs on a thread of its own,
 * so that interval flushes of the other delivery streams are not held up; the flush tick skips a shard busy in a
 * callback or a delivery instead of waiting for it.
 */
public final class DeliveryManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryManager.class);

    private final BrokerClient cluster;
    private final FirehoseConfig config;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "firehose-deliveries");
        t.setDaemon(true);
        return t;
    });
    /** Runs workers' graceful stops, each on its own thread. */
    private final java.util.concurrent.ExecutorService stopper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "firehose-stop");
        t.setDaemon(true);
        return t;
    });
    /** Stops under way (removed when done). */
    private final Set<java.util.concurrent.Future<?>> stopping = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How long close() waits for every worker to stop, in total. */
    static final long CLOSE_TIMEOUT_MS = 60_000;
    /** By delivery stream name; changed by the scheduler thread only, read by metrics scrapes. */
    private final Map<String, DeliveryStreamWorker> workers = new java.util.concurrent.ConcurrentHashMap<>();

    /** Bounds the record data buffered by every shard of every delivery stream of this process. */
    private final BufferBudget budget;

    public DeliveryManager(BrokerClient cluster, FirehoseConfig config, Clock clock) {
        this.cluster = cluster;
        this.config = config;
        this.clock = clock;
        this.budget = new BufferBudget(config.get(FirehoseConfig.BUFFER_MEMORY_BYTES));
    }

    public void start() {
        scheduler.scheduleWithFixedDelay(this::refreshSafely, 0,
                config.get(FirehoseConfig.DEFINITIONS_REFRESH_INTERVAL_MS), TimeUnit.MILLISECONDS);
        long flushMs = config.get(FirehoseConfig.FLUSH_CHECK_INTERVAL_MS);
        scheduler.scheduleWithFixedDelay(this::flushDue, flushMs, flushMs, TimeUnit.MILLISECONDS);
    }

    private void refreshSafely() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("could not read the delivery-stream definitions: {}", e.toString());
        }
    }

    /** Starts and stops workers to match the cluster's definitions. */
    void refresh() {
        Set<String> names = new HashSet<>(listNames());
        for (String gone : new ArrayList<>(workers.keySet())) {
            if (!names.contains(gone)) {
                stop(gone);
            }
        }
        for (String name : names) {
            DeliveryStreamDescription d;
            try {
                d = cluster.catalog(c -> c.describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                        .setDeliveryStreamName(name).build())).getDescription();
            } catch (SluiceException e) {
                if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                    LOG.warn("could not describe delivery stream {}: {}", name, e.getMessage());
                }
                continue;
            }
            DeliveryStreamWorker running = workers.get(name);
            if (running != null && running.incarnation() == d.getIncarnation()) {
                continue;
            }
            if (running != null) {
                stop(name);
            }
            try {
                workers.put(name, DeliveryStreamWorker.start(d, config, clock, budget));
            } catch (Exception e) {
                LOG.warn("cannot deliver {}: {}", name, e.toString());
            }
        }
    }

    /** Per delivery stream delivered by this instance: its metrics and the oldest record it has buffered. */
    public record StreamMetrics(String deliveryStream, io.sluice.firehose.delivery.DeliveryMetrics metrics,
                                java.util.OptionalLong oldestBufferedArrivalMs) {
    }

    /** A snapshot for the metrics endpoint; callable from any thread. */
    public List<StreamMetrics> metrics() {
        List<StreamMetrics> out = new ArrayList<>();
        for (DeliveryStreamWorker w : workers.values()) {
            out.add(new StreamMetrics(w.name(), w.metrics(), w.oldestBufferedArrivalMs()));
        }
        out.sort(java.util.Comparator.comparing(StreamMetrics::deliveryStream));
        return out;
    }

    private List<String> listNames() {
        List<String> names = new ArrayList<>();
        String after = "";
        while (true) {
            String start = after;
            ListDeliveryStreamsResponse page = cluster.catalog(c -> c.listDeliveryStreams(
                    ListDeliveryStreamsRequest.newBuilder().setExclusiveStartDeliveryStreamName(start).build()));
            names.addAll(page.getDeliveryStreamNamesList());
            if (!page.getHasMoreDeliveryStreams() || page.getDeliveryStreamNamesCount() == 0) {
                return names;
            }
            after = names.get(names.size() - 1);
        }
    }

    private void flushDue() {
        for (DeliveryStreamWorker w : workers.values()) {
            try {
                w.flushDue();
            } catch (RuntimeException e) {
                LOG.warn("flushing {}: {}", w.name(), e.toString());
            }
        }
    }

    /** Removes the worker and stops it gracefully on a thread of its own (not the scheduler's). */
    private void stop(String name) {
        DeliveryStreamWorker w = workers.remove(name);
        if (w != null) {
            LOG.info("stopping delivery of {} (incarnation {})", name, w.incarnation());
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            stopping.add(f);
            try {
                stopper.execute(() -> {
                    try {
                        w.close();
                    } catch (RuntimeException e) {
                        LOG.warn("stopping delivery of {}: {}", name, e.toString());
                    } finally {
                        f.complete(null);
                        stopping.remove(f);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                stopping.remove(f);
                w.close(); // closing down: the stopper is gone
            }
        }
    }

    /**
     * Stops every worker gracefully, all at once: buffered batches are delivered and checkpointed. Waits up to
     * {@link #CLOSE_TIMEOUT_MS} in total; leases of workers not stopped by then expire.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_TIMEOUT_MS);
        try {
            scheduler.submit(() -> new ArrayList<>(workers.keySet()).forEach(this::stop))
                    .get(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("stopping deliveries: {}", e.toString());
        }
        scheduler.shutdownNow();
        for (java.util.concurrent.Future<?> f : new ArrayList<>(stopping)) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("some deliveries did not stop within {} ms; their leases will expire", CLOSE_TIMEOUT_MS);
                break;
            } catch (Exception e) {
                LOG.warn("stopping deliveries: {}", e.toString());
            }
        }
        stopper.shutdown();
    }
}
