package io.sluice.firehose;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.common.config.HostPort;
import io.sluice.firehose.api.BrokerClient;
import io.sluice.firehose.api.FirehoseLimits;
import io.sluice.firehose.api.FirehoseService;
import io.sluice.firehose.config.FirehoseConfig;
import io.sluice.firehose.source.DeliveryManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Firehose process: the sluice.v1.Firehose gRPC API, a producer for direct puts into backing streams,
 * a client of the cluster's control plane, and the deliveries of every delivery stream (consumer-SDK leases
 * shared with the other instances).
 */
public final class Firehose implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Firehose.class);

    private final Server server;
    private final SluiceProducer producer;
    private final BrokerClient cluster;
    private final DeliveryManager deliveries;
    private final MetricsEndpoint metrics;

    private Firehose(Server server, SluiceProducer producer, BrokerClient cluster, DeliveryManager deliveries,
                     MetricsEndpoint metrics) {
        this.metrics = metrics;
        this.server = server;
        this.producer = producer;
        this.cluster = cluster;
        this.deliveries = deliveries;
    }

    public static Firehose start(FirehoseConfig config) throws IOException {
        List<String> endpoints = config.clusterEndpoints().stream().map(HostPort::toString).toList();
        BrokerClient cluster = new BrokerClient(endpoints);
        SluiceProducer producer = SluiceProducer.builder().endpoints(endpoints).idempotent(true).build();
        HostPort at = config.clientAddress();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(at.host(), at.port()))
                // room above the 4 MiB PutRecordBatch limit, so that a larger batch gets the limit's own error
                .maxInboundMessageSize(2 * FirehoseLimits.MAX_BATCH_BYTES)
                .addService(new FirehoseService(cluster, producer, Clock.systemUTC()))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            producer.close();
            cluster.close();
            throw new IOException("cannot serve on " + at + ": " + e.getMessage(), e);
        }
        DeliveryManager deliveries = new DeliveryManager(cluster, config, Clock.systemUTC());
        HostPort metricsAt = config.get(FirehoseConfig.METRICS_ADDRESS);
        MetricsEndpoint metrics;
        try {
            metrics = MetricsEndpoint.start(new InetSocketAddress(metricsAt.host(), metricsAt.port()),
                    deliveries::metrics, Clock.systemUTC());
        } catch (IOException e) {
            server.shutdownNow();
            producer.close();
            cluster.close();
            throw new IOException("cannot serve metrics on " + metricsAt + ": " + e.getMessage(), e);
        }
        deliveries.start();
        LOG.info("firehose {} serving on {}:{} (metrics on port {}), cluster {}", config.instanceId(), at.host(),
                server.getPort(), metrics.port(), endpoints);
        return new Firehose(server, producer, cluster, deliveries, metrics);
    }

    /** The port of /metrics and /health (useful with port 0). */
    public int metricsPort() {
        return metrics.port();
    }

    /** The port the API is served on (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    /** Stops: the API first, then every delivery gracefully (buffered batches delivered and checkpointed). */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        producer.close();
        deliveries.close();
        cluster.close();
        metrics.close();
    }
}
