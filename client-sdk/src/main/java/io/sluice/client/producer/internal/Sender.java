package io.sluice.client.producer.internal;

import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The producer's I/O step. Each {@link #runOnce()} handles the answers that arrived, gives up on batches past their
 * delivery deadline, drains ready batches from the {@link RecordAccumulator}, groups them by destination broker (the
 * leader of each shard's replication group) into PutRecords calls within the cluster's limits, and sends them. It
 * returns how long it may sleep; a thin driver thread calls it in a loop and is woken by puts and answers.
 *
 * <pre>
 *  put ─▶ RecordAccumulator (per-shard batches) ─drain─▶ Sender ─PutRecords─▶ group leader
 *                 ▲                                          │
 *                 └──────── reenqueue (retry, backoff) ◀── BatchOutcomes ◀── answers (completions queue)
 * </pre>
 *
 * <p>Threads: everything here is owned by the thread calling {@link #runOnce()}, except {@link #completions} (any thread
 * adds) and {@link #lastSendError()} (volatile).
 */
public final class Sender {
    /** One PutRecords call on its way. */
    record InFlight(String address, String stream, List<ShardBatch> batches) {
    }

    private record Completion(InFlight call, PutRecordsResponse response, SluiceException error) {
    }

    private record CallKey(String address, String stream, long producerId) {
    }

    /** A PutRecords call being assembled. */
    private static final class CallBuilder {
        final CallKey key;
        final List<ShardBatch> batches = new ArrayList<>();
        int records;
        long bytes;

        CallBuilder(CallKey key) {
            this.key = key;
        }

        boolean fits(ShardBatch b, Limits limits) {
            return records + b.size() <= limits.maxPutRecordsCount() && bytes + b.bytes() <= limits.maxPutRecordsBytes();
        }

        void add(ShardBatch b) {
            batches.add(b);
            records += b.size();
            bytes += b.bytes();
        }
    }

    private final RecordAccumulator accumulator;
    private final BufferMemory buffer;
    private final MetadataCache metadata;
    private final BrokerClient client;
    private final BatchOutcomes outcomes;
    private final ProducerSequences sequences; // null unless idempotent
    private final MetricsRecorder metrics;
    private final Limits limits;
    private final long requestTimeoutMs;
    private final long retryBackoffMaxMs;
    private final int maxInFlightPerBroker;
    private final boolean strictOrdering;
    private final Time time;
    private final Runnable wakeup;

    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final Set<InFlight> inFlight = new HashSet<>();
    private final Map<String, Integer> inFlightByAddress = new HashMap<>();
    private final Set<ShardKey> inFlightShards = new HashSet<>();
    private final Map<String, Long> avoidUntilMs = new HashMap<>();

    public Sender(RecordAccumulator accumulator, BufferMemory buffer, MetadataCache metadata, BrokerClient client,
                  BatchOutcomes outcomes, ProducerSequences sequences, MetricsRecorder metrics, Limits limits,
                  long requestTimeoutMs, long retryBackoffMaxMs, int maxInFlightPerBroker, boolean strictOrdering,
                  Time time, Runnable wakeup) {
        this.accumulator = accumulator;
        this.buffer = buffer;
        this.metadata = metadata;
        this.client = client;
        this.outcomes = outcomes;
        this.sequences = sequences;
        this.metrics = metrics;
        this.limits = limits;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMaxMs = retryBackoffMaxMs;
        this.maxInFlightPerBroker = maxInFlightPerBroker;
        this.strictOrdering = strictOrdering || sequences != null;
        this.time = time;
        this.wakeup = wakeup;
    }

    /** One step; returns how many ms the caller may wait before the next (a put or an answer wakes it sooner). */
    public long runOnce() {
        long now = time.millis();
        for (Completion c; (c = completions.poll()) != null; ) {
            handle(c, now);
        }
        for (ShardBatch b : accumulator.expire(now)) {
            outcomes.expired(b);
        }
        Set<ShardKey> blocked = new HashSet<>();
        int sent = sendReady(now, blocked);
        if (sent > 0) {
            return 0; // more may be ready: another shard batch of the same shards, more call slots
        }
        long next = accumulator.nextWakeMs(buffer.hasWaiters(),
                s -> blocked.contains(s) || (strictOrdering && inFlightShards.contains(s)));
        return next == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, next - now);
    }

    /** The last error a send failed with, for messages (e.g. why the buffer is full). */
    public SluiceException lastSendError() {
        return outcomes.lastSendError();
    }

    private boolean muted(ShardKey shard) {
        return strictOrdering && inFlightShards.contains(shard);
    }

    private int sendReady(long now, Set<ShardKey> blocked) {
        Map<CallKey, CallBuilder> open = new LinkedHashMap<>();
        List<CallBuilder> calls = new ArrayList<>();
        Map<String, Integer> newCalls = new HashMap<>();
        accumulator.drain(now, buffer.hasWaiters(), this::muted, batch -> {
            String address = destination(batch, now);
            long producerId = sequences == null ? 0 : sequences.currentProducerId(batch.shard());
            if (batch.sequence() >= 0) {
                producerId = batch.producerId();
            }
            CallKey key = new CallKey(address, batch.shard().stream(), producerId);
            CallBuilder call = open.get(key);
            if (call == null || !call.fits(batch, limits)) {
                int calls0 = inFlightByAddress.getOrDefault(address, 0) + newCalls.getOrDefault(address, 0);
                if (calls0 >= maxInFlightPerBroker) {
                    blocked.add(batch.shard());
                    return false;
                }
                newCalls.merge(address, 1, Integer::sum);
                call = new CallBuilder(key);
                open.put(key, call);
                calls.add(call);
            }
            if (sequences != null) {
                sequences.assign(batch);
            }
            call.add(batch);
            return true;
        });
        for (CallBuilder call : calls) {
            send(call, now);
        }
        return calls.size();
    }

    /** The leader of the batch's group, unless unknown or recently failing; then any other broker (it forwards). */
    private String destination(ShardBatch batch, long now) {
        String leader = metadata.leaderAddress(batch.group());
        if (leader != null && !avoided(leader, now)) {
            return leader;
        }
        return metadata.anyAddress(a -> avoided(a, now));
    }

    private boolean avoided(String address, long now) {
        Long until = avoidUntilMs.get(address);
        return until != null && until > now;
    }

    private void send(CallBuilder call, long now) {
        PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(call.key.stream());
        long deadline = Long.MAX_VALUE;
        for (ShardBatch b : call.batches) {
            for (PendingRecord r : b.records()) {
                req.addRecords(r.entry());
            }
            if (sequences != null) {
                req.setProducerId(b.producerId()).putProducerSequences(b.shard().shardId(), b.sequence());
            }
            metrics.recordBatch(b.size(), b.bytes(), b.attempts() > 0);
            b.attempted();
            deadline = Math.min(deadline, b.deadlineMs());
            if (strictOrdering) {
                inFlightShards.add(b.shard());
            }
        }
        metrics.recordRequest();
        InFlight f = new InFlight(call.key.address(), call.key.stream(), List.copyOf(call.batches));
        inFlight.add(f);
        inFlightByAddress.merge(f.address(), 1, Integer::sum);
        // Never wait past the earliest delivery deadline in the call: its records must have an outcome by then.
        long timeoutMs = Math.max(1, Math.min(requestTimeoutMs, deadline - now));
        client.putRecords(f.address(), req.build(), timeoutMs).whenComplete((resp, err) -> {
            completions.add(new Completion(f, resp, err == null ? null : BatchOutcomes.asSluice(err)));
            wakeup.run();
        });
    }

    private void handle(Completion c, long now) {
        InFlight f = c.call();
        if (!inFlight.remove(f)) {
            return; // aborted already
        }
        inFlightByAddress.merge(f.address(), -1, Integer::sum);
        for (ShardBatch b : f.batches()) {
            inFlightShards.remove(b.shard());
        }
        if (c.error() != null) {
            SluiceException e = c.error();
            if (e.retriable()) {
                avoidUntilMs.put(f.address(), now + retryBackoffMaxMs);
                metadata.maybeRefreshCluster();
            }
            outcomes.callFailed(f.stream(), f.batches(), e, now);
            return;
        }
        avoidUntilMs.remove(f.address());
        int total = f.batches().stream().mapToInt(ShardBatch::size).sum();
        if (c.response().getRecordsCount() != total) {
            outcomes.callFailed(f.stream(), f.batches(), SluiceException.of(io.sluice.proto.v1.ErrorCode.INTERNAL,
                    "PutRecords answered " + c.response().getRecordsCount() + " entries for " + total
                            + " records"), now);
            return;
        }
        int offset = 0;
        for (ShardBatch b : f.batches()) {
            outcomes.answered(b, c.response().getRecordsList().subList(offset, offset + b.size()), now);
            offset += b.size();
        }
    }

    /**
     * Fails every batch in flight or queued with {@code reason} (the producer is closing without time left, or the I/O
     * thread failed). Call only from the thread that owns this sender, or after it stopped.
     */
    public void abortAll(String reason) {
        for (InFlight f : inFlight) {
            for (ShardBatch b : f.batches()) {
                outcomes.aborted(b, new IllegalStateException(reason + "; the record was sent and may be stored"));
            }
        }
        inFlight.clear();
        inFlightByAddress.clear();
        inFlightShards.clear();
        for (ShardBatch b : accumulator.abortAll()) {
            outcomes.aborted(b, new IllegalStateException(reason + "; the record was not sent"
                    + (b.attempts() > 0 ? " again (an earlier attempt may have been stored)" : "")));
        }
    }

    /** Fails every queued batch with {@code reason}; for puts that raced with close, once the sender stopped. */
    public void abortQueued(String reason) {
        for (ShardBatch b : accumulator.abortAll()) {
            outcomes.aborted(b, new IllegalStateException(reason + "; the record was not sent"));
        }
    }

    /** Calls in flight now (for tests). */
    int inFlightCalls() {
        return inFlight.size();
    }
}
