package io.sluice.bench.e2e;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.SluiceConsumer;
import io.sluice.client.consumer.StartPosition;
import io.sluice.client.producer.SluiceProducer;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.StreamsGrpc;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * End-to-end latency, put to processRecords, at a fixed rate: one JVM runs a {@link SluiceProducer} and a
 * {@link SluiceConsumer} on the same stream. Each record carries its intended send time (start + k / rate), so the
 * latency includes any time the producer fell behind (no coordinated omission) and both ends read the same clock.
 *
 * <pre>
 * bash benchmarks/e2e.sh --targets=127.0.0.1:7701,127.0.0.1:7702,127.0.0.1:7703 --rate-mb=10 --delivery=PUSH
 * </pre>
 */
public final class EndToEndMain {
    private EndToEndMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("targets", "127.0.0.1:7700", "stream", "e2e", "shards", "8",
                "record-size", "1024", "rate-mb", "10", "warmup", "10", "duration", "30", "delivery", "PUSH",
                "linger-ms", "5"));
        for (String a : args) {
            if (a.equals("--help") || !a.startsWith("--") || !a.contains("=")) {
                System.out.println("usage: e2e.sh [--name=value ...]; names and defaults: " + o);
                System.exit(a.equals("--help") ? 0 : 2);
            }
            String key = a.substring(2, a.indexOf('='));
            if (!o.containsKey(key)) {
                System.err.println("unknown flag --" + key + "; known: " + o.keySet());
                System.exit(2);
            }
            o.put(key, a.substring(a.indexOf('=') + 1));
        }
        List<String> targets = Arrays.asList(o.get("targets").split(","));
        String stream = o.get("stream");
        int recordSize = Integer.parseInt(o.get("record-size"));
        double rate = Double.parseDouble(o.get("rate-mb")) * 1e6 / recordSize; // records/s
        long warmupNs = TimeUnit.SECONDS.toNanos(Long.parseLong(o.get("warmup")));
        long durationNs = TimeUnit.SECONDS.toNanos(Long.parseLong(o.get("duration")));
        Delivery delivery = Delivery.valueOf(o.get("delivery"));

        createStream(targets.get(0), stream, Integer.parseInt(o.get("shards")));

        Recorder latencies = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        Recorder consumerSide = new Recorder(TimeUnit.SECONDS.toMillis(60), 3);
        Recorder window = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        Recorder windowConsumerSide = new Recorder(TimeUnit.SECONDS.toMillis(60), 3);
        Recorder acks = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        Recorder windowAcks = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong received = new AtomicLong();
        long base = System.nanoTime();
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        AtomicLong measureTo = new AtomicLong(Long.MAX_VALUE);
        SluiceConsumer consumer = SluiceConsumer.builder().endpoints(targets).stream(stream)
                .application("e2e-" + Long.toHexString(new Random().nextLong() & Long.MAX_VALUE))
                .initialPosition(StartPosition.latest()).delivery(delivery)
                .processorFactory(shard -> new Timing(latencies, consumerSide, window, windowConsumerSide, received, measureFrom, measureTo)).build();
        consumer.start();
        // Produce only once this worker reads every shard, so lease taking is not part of the latency.
        int shards = Integer.parseInt(o.get("shards"));
        long leaseDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (consumer.metrics().shardIds().size() < shards) {
            if (System.nanoTime() > leaseDeadline) {
                System.err.println("the consumer did not hold all " + shards + " shards within 120 s: "
                        + consumer.metrics().shardIds());
                System.exit(1);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        System.out.printf("consumer holds %d shards after %.1f s%n", shards, (System.nanoTime() - base) / 1e9);
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // subscriptions open
        measureFrom.set(start + warmupNs);
        measureTo.set(start + warmupNs + durationNs);

        byte[] payload = new byte[recordSize];
        new Random(1).nextBytes(payload);
        long sent = 0;
        try (SluiceProducer producer = SluiceProducer.builder().endpoints(targets)
                .lingerMs(Long.parseLong(o.get("linger-ms"))).build()) {
            double intervalNs = 1e9 / rate;
            long k = 0;
            long lastReport = System.nanoTime();
            while (true) {
                long intended = start + (long) (k * intervalNs);
                if (intended >= measureTo.get()) {
                    break;
                }
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                byte[] data = payload.clone();
                ByteBuffer.wrap(data).putLong(intended - base).putLong(base);
                boolean measured = intended >= measureFrom.get();
                producer.put(stream, "key-" + (k % 1000), data).whenComplete((r, e) -> {
                    if (e == null) {
                        long us = Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (System.nanoTime() - intended)
                                / 1000));
                        windowAcks.recordValue(us);
                        if (measured) {
                            acks.recordValue(us);
                        }
                    }
                });
                k++;
                sent++;
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                    lastReport = System.nanoTime();
                    Histogram w = window.getIntervalHistogram();
                    Histogram wc = windowConsumerSide.getIntervalHistogram();
                    Histogram wa = windowAcks.getIntervalHistogram();
                    System.out.printf("%6.1f s  sent %d  received %d  last 5 s: p50 %.1f p99 %.1f max %.1f ms; "
                                    + "put -> ack p50 %.1f p99 %.1f ms; arrival -> processRecords p50 %d p99 %d "
                                    + "max %d ms%n",
                            (lastReport - start) / 1e9, sent, received.get(), w.getValueAtPercentile(50) / 1000.0,
                            w.getValueAtPercentile(99) / 1000.0, w.getMaxValue() / 1000.0,
                            wa.getValueAtPercentile(50) / 1000.0, wa.getValueAtPercentile(99) / 1000.0,
                            wc.getValueAtPercentile(50), wc.getValueAtPercentile(99), wc.getMaxValue());
                }
            }
            producer.flush();
        }
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() < sent && System.nanoTime() < drainUntil) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        consumer.close();
        Histogram h = latencies.getIntervalHistogram();
        System.out.printf("%n== end-to-end latency, put (intended send time) -> processRecords, %s, %.1f MB/s of "
                        + "%d-byte records, %d s measured%n", delivery, rate * recordSize / 1e6, recordSize,
                durationNs / 1_000_000_000L);
        System.out.printf("records sent %d, received %d (%d in the measured window)%n", sent, received.get(),
                h.getTotalCount());
        System.out.printf("latency ms  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        System.out.printf("RESULT delivery=%s p50_ms=%.1f p99_ms=%.1f p999_ms=%.1f max_ms=%.1f measured=%d%n",
                delivery, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, h.getTotalCount());
        Histogram a = acks.getIntervalHistogram();
        System.out.printf("of which put (intended send time) -> acknowledged by the producer: p50 %.1f  p90 %.1f  "
                        + "p99 %.1f  p99.9 %.1f  max %.1f%n", a.getValueAtPercentile(50) / 1000.0,
                a.getValueAtPercentile(90) / 1000.0, a.getValueAtPercentile(99) / 1000.0,
                a.getValueAtPercentile(99.9) / 1000.0, a.getMaxValue() / 1000.0);
        Histogram c = consumerSide.getIntervalHistogram();
        System.out.printf("of which broker arrival -> processRecords (wall clock, ms resolution): p50 %d  p90 %d  "
                        + "p99 %d  p99.9 %d  max %d%n", c.getValueAtPercentile(50), c.getValueAtPercentile(90),
                c.getValueAtPercentile(99), c.getValueAtPercentile(99.9), c.getMaxValue());
        System.exit(h.getTotalCount() > 0 ? 0 : 3);
    }

    private static void createStream(String target, String stream, int shards) {
        int colon = target.lastIndexOf(':');
        ManagedChannel ch = NettyChannelBuilder.forAddress(target.substring(0, colon),
                Integer.parseInt(target.substring(colon + 1))).usePlaintext().build();
        try {
            StreamsGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).createStream(
                    CreateStreamRequest.newBuilder().setStreamName(stream).setShardCount(shards).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        } finally {
            ch.shutdownNow();
        }
    }

    /** Records each record's latency; checkpoints at most once a second per shard. */
    private static final class Timing implements RecordProcessor {
        private final Recorder latencies;
        private final Recorder consumerSide;
        private final Recorder window;
        private final Recorder windowConsumerSide;
        private final AtomicLong received;
        private final AtomicLong measureFrom;
        private final AtomicLong measureTo;
        private long lastCheckpoint = System.nanoTime();

        Timing(Recorder latencies, Recorder consumerSide, Recorder window, Recorder windowConsumerSide,
               AtomicLong received, AtomicLong measureFrom, AtomicLong measureTo) {
            this.window = window;
            this.windowConsumerSide = windowConsumerSide;
            this.latencies = latencies;
            this.consumerSide = consumerSide;
            this.received = received;
            this.measureFrom = measureFrom;
            this.measureTo = measureTo;
        }

        @Override
        public void initialize(String shardId, StartPosition start) {
        }

        @Override
        public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long behind) {
            long now = System.nanoTime();
            long nowMs = System.currentTimeMillis();
            for (ConsumerRecord r : records) {
                ByteBuffer b = r.data().asReadOnlyByteBuffer();
                long intendedSinceBase = b.getLong();
                long base = b.getLong();
                long intended = base + intendedSinceBase;
                window.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(0, (now - intended) / 1000)));
                long sinceArrivalMs = Math.min(TimeUnit.SECONDS.toMillis(60),
                        Math.max(0, nowMs - r.approximateArrivalTimestampMs()));
                windowConsumerSide.recordValue(sinceArrivalMs);
                if (intended >= measureFrom.get() && intended < measureTo.get()) {
                    latencies.recordValue(Math.max(0, (now - intended) / 1000));
                    consumerSide.recordValue(sinceArrivalMs);
                }
            }
            received.addAndGet(records.size());
            if (now - lastCheckpoint > TimeUnit.SECONDS.toNanos(1)) {
                lastCheckpoint = now;
                checkpointer.checkpoint();
            }
        }

        @Override
        public void leaseLost() {
        }

        @Override
        public void shardEnded(Checkpointer checkpointer) {
            checkpointer.checkpointShardEnd();
        }

        @Override
        public void shutdownRequested(Checkpointer checkpointer) {
            checkpointer.checkpoint();
        }
    }
}
