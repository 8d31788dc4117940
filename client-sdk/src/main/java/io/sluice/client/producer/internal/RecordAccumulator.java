package io.sluice.client.producer.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Per-shard queues of {@link ShardBatch}es. Put threads append to the newest batch of a shard; the sender drains the
 * oldest one once it is ready: full, lingered {@code linger.ms}, or everything is being sent at once (flush, close, a
 * put waiting for buffer memory). A batch that must be retried goes back to the front of its shard's queue and waits
 * for its backoff, so later batches of the shard cannot overtake it.
 *
 * <p>Threads: each deque is guarded by its own monitor; the map is concurrent. Batches' sender-side fields are only
 * read here by the sender thread (drain, expire, nextReadyMs).
 */
public final class RecordAccumulator {
    private final long lingerMs;
    private final int maxBatchRecords;
    private final int maxBatchBytes;
    private final long deliveryTimeoutMs;
    private final Time time;
    private final Map<ShardKey, Deque<ShardBatch>> queues = new ConcurrentHashMap<>();
    private final Set<ShardBatch> incomplete = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    private volatile boolean closing;

    public RecordAccumulator(long lingerMs, int maxBatchRecords, int maxBatchBytes, long deliveryTimeoutMs, Time time) {
        this.lingerMs = lingerMs;
        this.maxBatchRecords = maxBatchRecords;
        this.maxBatchBytes = maxBatchBytes;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.time = time;
    }

    /**
     * Adds a record to its shard's newest open batch, or to a new one.
     *
     * @return whether the sender should look now: a batch was started (its linger clock runs) or filled up
     */
    public boolean append(ShardKey shard, String group, PendingRecord record) {
        Deque<ShardBatch> dq = queues.computeIfAbsent(shard, k -> new ArrayDeque<>());
        synchronized (dq) {
            ShardBatch last = dq.peekLast();
            if (last != null && last.tryAppend(record, maxBatchRecords, maxBatchBytes)) {
                return last.isFull(maxBatchRecords, maxBatchBytes);
            }
            ShardBatch b = new ShardBatch(shard, group, time.millis(), deliveryTimeoutMs);
            b.tryAppend(record, maxBatchRecords, maxBatchBytes);
            incomplete.add(b);
            dq.addLast(b);
            return true;
        }
    }

    /**
     * Takes the ready head batch of every shard not {@code muted} for which {@code take} agrees (it is asked under the
     * shard's lock and must not block). At most one batch per shard per call.
     *
     * @param sendAll ready regardless of linger (a put is waiting for buffer memory)
     */
    public List<ShardBatch> drain(long nowMs, boolean sendAll, Predicate<ShardKey> muted, Predicate<ShardBatch> take) {
        boolean all = sendAll || closing || flushesInProgress.get() > 0;
        List<ShardBatch> out = new ArrayList<>();
        for (Map.Entry<ShardKey, Deque<ShardBatch>> e : queues.entrySet()) {
            if (muted.test(e.getKey())) {
                continue;
            }
            Deque<ShardBatch> dq = e.getValue();
            synchronized (dq) {
                ShardBatch head = dq.peekFirst();
                if (head != null && readyAtMs(head, dq.size(), all) <= nowMs && take.test(head)) {
                    dq.pollFirst();
                    head.close();
                    out.add(head);
                }
            }
        }
        return out;
    }

    /** When {@code head} may be sent: now if full; after its backoff if retried; else when its linger ends. */
    private long readyAtMs(ShardBatch head, int queued, boolean all) {
        if (head.attempts() > 0) {
            return head.retryAtMs();
        }
        if (all || queued > 1 || head.isFull(maxBatchRecords, maxBatchBytes)) {
            return Long.MIN_VALUE;
        }
        return head.createdMs() + lingerMs;
    }

    /**
     * The earliest time something needs the sender: a head batch of a shard not {@code muted} becoming ready, or any
     * batch reaching its delivery deadline. {@code Long.MAX_VALUE} when nothing is queued.
     */
    public long nextWakeMs(boolean sendAll, Predicate<ShardKey> muted) {
        boolean all = sendAll || closing || flushesInProgress.get() > 0;
        long next = Long.MAX_VALUE;
        for (Map.Entry<ShardKey, Deque<ShardBatch>> e : queues.entrySet()) {
            Deque<ShardBatch> dq = e.getValue();
            synchronized (dq) {
                ShardBatch head = dq.peekFirst();
                if (head == null) {
                    continue;
                }
                if (!muted.test(e.getKey())) {
                    next = Math.min(next, readyAtMs(head, dq.size(), all));
                }
                for (ShardBatch b : dq) {
                    next = Math.min(next, b.deadlineMs());
                }
            }
        }
        return next;
    }

    /** Puts a batch to be retried back at the front of its shard's queue. */
    public void reenqueue(ShardBatch batch) {
        Deque<ShardBatch> dq = queues.computeIfAbsent(batch.shard(), k -> new ArrayDeque<>());
        synchronized (dq) {
            dq.addFirst(batch);
        }
    }

    /** Removes and returns the queued batches whose delivery deadline has passed. */
    public List<ShardBatch> expire(long nowMs) {
        List<ShardBatch> out = new ArrayList<>();
        for (Deque<ShardBatch> dq : queues.values()) {
            synchronized (dq) {
                for (Iterator<ShardBatch> it = dq.iterator(); it.hasNext(); ) {
                    ShardBatch b = it.next();
                    if (b.deadlineMs() <= nowMs) {
                        it.remove();
                        b.close();
                        out.add(b);
                    }
                }
            }
        }
        return out;
    }

    /** Removes and returns every queued batch (closing without time left). */
    public List<ShardBatch> abortAll() {
        List<ShardBatch> out = new ArrayList<>();
        for (Deque<ShardBatch> dq : queues.values()) {
            synchronized (dq) {
                dq.forEach(ShardBatch::close);
                out.addAll(dq);
                dq.clear();
            }
        }
        return out;
    }

    /** A batch has an outcome for all its records; flush stops waiting for it. */
    public void completed(ShardBatch batch) {
        incomplete.remove(batch);
        batch.done().complete(null);
    }

    /** Makes every batch ready until {@link #endFlush()}, and returns a future of all current batches' outcomes. */
    public CompletableFuture<Void> beginFlush() {
        flushesInProgress.incrementAndGet();
        return CompletableFuture.allOf(incomplete.stream().map(ShardBatch::done).toArray(CompletableFuture[]::new));
    }

    public void endFlush() {
        flushesInProgress.decrementAndGet();
    }

    /** From now on every batch is ready at once (the producer is closing). */
    public void beginClose() {
        closing = true;
    }

    /** Whether some batch has no outcome yet (queued or in flight). */
    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }
}
