package io.sluice.firehose.source;

import io.sluice.client.consumer.SluiceConsumer;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.config.HostPort;
import io.sluice.firehose.api.Definitions;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.firehose.delivery.BufferBudget;
import io.sluice.firehose.delivery.DeliveryMetrics;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.firehose.delivery.ObjectStore;
import io.sluice.firehose.delivery.ObjectStores;
import io.sluice.firehose.delivery.ShardDelivery;
import io.sluice.firehose.delivery.Sleeper;
import io.sluice.proto.v1.DeliveryStreamDescription;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one delivery stream from this instance: a consumer-SDK worker of the application
 * {@code firehose:NAME:INCARNATION} over the source (or backing) stream, from its oldest record, running one
 * {@link ShardDelivery} per shard lease it holds. Instances share a delivery stream's shards through the leases.
 * A re-created delivery stream is a new incarnation, so it starts from the stream's oldest record with fresh leases.
 */
final class DeliveryStreamWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryStreamWorker.class);

    private final String name;
    private final long incarnation;
    private final ObjectStore store;
    private final SluiceConsumer consumer;
    private final DeliveryMetrics metrics;
    /** Processors of the leases held; the flush timer walks it. */
    private final Queue<ShardDeliveryProcessor> processors;

    private DeliveryStreamWorker(String name, long incarnation, ObjectStore store, SluiceConsumer consumer,
                                 DeliveryMetrics metrics, Queue<ShardDeliveryProcessor> processors) {
        this.processors = processors;
        this.name = name;
        this.incarnation = incarnation;
        this.store = store;
        this.consumer = consumer;
        this.metrics = metrics;
    }

    static DeliveryStreamWorker start(DeliveryStreamDescription description, FirehoseConfig config, Clock clock,
                                      BufferBudget budget) throws IOException {
        DeliveryStreamConfig ds = Definitions.fromProto(description.getDefinition(), "");
        ObjectStore store = ObjectStores.open(ds.destination(), config.hadoopProperties());
        DeliveryMetrics metrics = new DeliveryMetrics();
        Queue<ShardDeliveryProcessor> processors = new ConcurrentLinkedQueue<>();
        long leaseMs = config.get(FirehoseConfig.LEASE_DURATION_MS);
        Duration intentRetention = Duration.ofHours(config.get(FirehoseConfig.INTENT_RETENTION_HOURS));
        SluiceConsumer consumer = SluiceConsumer.builder()
                .endpoints(config.clusterEndpoints().stream().map(HostPort::toString).toList())
                .application(applicationName(ds.name(), description.getIncarnation()))
                .stream(ds.sourceStreamName())
                .workerId(config.instanceId())
                .initialPosition(StartPosition.trimHorizon())
                .leaseDuration(Duration.ofMillis(leaseMs))
                .processorFactory(shardId -> {
                    ShardDeliveryProcessor[] self = new ShardDeliveryProcessor[1];
                    ShardDeliveryProcessor p = new ShardDeliveryProcessor(ds.name(), (shard, checkpointer) ->
                            new ShardDelivery(ds, shard, store, checkpointer, metrics, clock, config.retryPolicy(),
                                    Sleeper.REAL, budget, intentRetention),
                            leaseSafetyMarginMs(leaseMs), () -> processors.remove(self[0]));
                    self[0] = p;
                    processors.add(p);
                    return p;
                })
                .build();
        DeliveryStreamWorker w = new DeliveryStreamWorker(ds.name(), description.getIncarnation(), store, consumer,
                metrics, processors);
        consumer.start();
        LOG.info("delivering {} (incarnation {}) from stream {} to {}", ds.name(), description.getIncarnation(),
                ds.sourceStreamName(), ds.destination());
        return w;
    }

    /**
     * How long a shard's lease must still be known to be held when a write to the destination starts: a quarter of
     * the lease duration. Renewals come every third of it, so a healthy lease always has more than half left.
     */
    static long leaseSafetyMarginMs(long leaseDurationMs) {
        return leaseDurationMs / 4;
    }

    /** The consumer application of a delivery stream's incarnation (lease and checkpoint namespace). */
    static String applicationName(String deliveryStream, long incarnation) {
        return "firehose:" + deliveryStream + ":" + incarnation;
    }

    String name() {
        return name;
    }

    long incarnation() {
        return incarnation;
    }

    DeliveryMetrics metrics() {
        return metrics;
    }

    /** Arrival time of the oldest record buffered by any shard of this worker, or empty. */
    java.util.OptionalLong oldestBufferedArrivalMs() {
        long min = Long.MAX_VALUE;
        for (ShardDeliveryProcessor p : processors) {
            min = Math.min(min, p.oldestBufferedArrivalMs());
        }
        return min == Long.MAX_VALUE ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(min);
    }

    /** Delivers the batches of quiet shards whose interval has passed. */
    void flushDue() {
        processors.removeIf(ShardDeliveryProcessor::finished);
        for (ShardDeliveryProcessor p : processors) {
            try {
                p.maybeFlush();
            } catch (RuntimeException e) {
                LOG.warn("flushing a shard of {}: {}", name, e.toString());
            }
        }
    }

    /** Graceful: each held shard delivers what it buffered and checkpoints, then its lease is released. */
    @Override
    public void close() {
        consumer.close();
        endLeftovers();
        try {
            store.close();
        } catch (IOException e) {
            LOG.warn("closing the destination of {}: {}", name, e.toString());
        }
    }

    /**
     * Processors still there once the consumer stopped (a callback outlived the shutdown timeout): their buffers'
     * share of the process-wide memory budget is given back, or it would count against live shards forever.
     */
    private void endLeftovers() {
        for (ShardDeliveryProcessor p : processors) {
            p.processingEnded();
        }
    }

    /** As a crash: leases are left to expire and buffered records are dropped (they are read again). */
    void shutdownNow() {
        consumer.shutdownNow();
        endLeftovers();
        try {
            store.close();
        } catch (IOException e) {
            LOG.warn("closing the destination of {}: {}", name, e.toString());
        }
    }
}
