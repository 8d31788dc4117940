package io.sluice.firehose;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.firehose.delivery.DeliveryMetrics;
import io.sluice.firehose.source.DeliveryManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;

/**
 * Prometheus metrics ({@code GET /metrics}, text format 0.0.4) and a health check ({@code GET /health}) over HTTP,
 * per delivery stream this instance delivers: incoming records and bytes, delivered objects, records and bytes,
 * records sent to the error prefix, write retries, delivery failures, data freshness (age of the oldest record not
 * yet delivered) and the freshness of delivered records (p50, p99). Served by the JDK's HTTP server on one thread.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    static MetricsEndpoint start(InetSocketAddress at, Supplier<List<DeliveryManager.StreamMetrics>> metrics,
                                 Clock clock) throws IOException {
        HttpServer server = HttpServer.create(at, 16);
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                render(metrics.get(), clock.millis())));
        server.createContext("/health", ex -> respond(ex, 200, "text/plain; charset=utf-8", "ok\n"));
        server.start();
        return new MetricsEndpoint(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    static String render(List<DeliveryManager.StreamMetrics> streams, long nowMs) {
        StringBuilder sb = new StringBuilder();
        counter(sb, "firehose_incoming_records_total", "Records read from the source.", streams,
                DeliveryMetrics::incomingRecords);
        counter(sb, "firehose_incoming_bytes_total", "Record data bytes read from the source.", streams,
                DeliveryMetrics::incomingBytes);
        counter(sb, "firehose_delivered_objects_total", "Objects written under the prefix.", streams,
                DeliveryMetrics::deliveredObjects);
        counter(sb, "firehose_delivered_records_total", "Records in objects written under the prefix.", streams,
                DeliveryMetrics::deliveredRecords);
        counter(sb, "firehose_delivered_bytes_total", "Bytes of objects written under the prefix, as stored.",
                streams, DeliveryMetrics::deliveredBytes);
        counter(sb, "firehose_failed_records_total", "Records that failed conversion, written to the error prefix.",
                streams, DeliveryMetrics::failedRecords);
        counter(sb, "firehose_error_objects_total", "Objects written under the error prefix.", streams,
                DeliveryMetrics::errorObjects);
        counter(sb, "firehose_write_retries_total", "Writes to the destination that failed and were retried.",
                streams, DeliveryMetrics::writeRetries);
        counter(sb, "firehose_delivery_failures_total", "Shard deliveries that failed and restart from their "
                + "checkpoint.", streams, DeliveryMetrics::deliveryFailures);
        sb.append("# HELP firehose_data_freshness_seconds Age of the oldest record read but not yet delivered "
                + "(0 when none).\n# TYPE firehose_data_freshness_seconds gauge\n");
        for (DeliveryManager.StreamMetrics s : streams) {
            long age = s.oldestBufferedArrivalMs().isPresent()
                    ? Math.max(0, nowMs - s.oldestBufferedArrivalMs().getAsLong()) : 0;
            sb.append("firehose_data_freshness_seconds").append(label(s)).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", age / 1000.0)).append('\n');
        }
        sb.append("# HELP firehose_record_freshness_seconds From a record's arrival in the stream to the completion "
                + "of its object.\n# TYPE firehose_record_freshness_seconds summary\n");
        for (DeliveryManager.StreamMetrics s : streams) {
            Histogram h = s.metrics().freshnessHistogram();
            for (double q : new double[] {0.5, 0.99}) {
                sb.append("firehose_record_freshness_seconds{delivery_stream=\"").append(s.deliveryStream())
                        .append("\",quantile=\"").append(q).append("\"} ")
                        .append(String.format(Locale.ROOT, "%.3f", h.getValueAtPercentile(q * 100) / 1000.0))
                        .append('\n');
            }
            sb.append("firehose_record_freshness_seconds_count").append(label(s)).append(' ')
                    .append(h.getTotalCount()).append('\n');
        }
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, List<DeliveryManager.StreamMetrics> streams,
                                ToLongFunction<DeliveryMetrics> value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        for (DeliveryManager.StreamMetrics s : streams) {
            sb.append(name).append(label(s)).append(' ').append(value.applyAsLong(s.metrics())).append('\n');
        }
    }

    private static String label(DeliveryManager.StreamMetrics s) {
        // names are [a-zA-Z0-9_.-]: nothing to escape
        return "{delivery_stream=\"" + s.deliveryStream() + "\"}";
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
