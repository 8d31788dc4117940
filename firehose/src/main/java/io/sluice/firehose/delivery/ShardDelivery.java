package io.sluice.firehose.delivery;

import io.sluice.firehose.delivery.internal.BatchIntent;
import io.sluice.firehose.delivery.internal.Encoders;
import io.sluice.firehose.delivery.internal.RecordConverter;
import io.sluice.firehose.delivery.internal.RecordConverter.Result;
import io.sluice.firehose.delivery.internal.ShardBatch;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one shard of a delivery stream, exactly once: records are added in sequence order, buffered per key
 * prefix, and delivered as a batch (every object of the batch completely written, then one checkpoint at the
 * batch's last record) when the shard's buffered data reaches the size hint, when the interval has passed since the
 * batch's first record was buffered ({@link #maybeFlush()}), when a new prefix would exceed the cap on open
 * partitions, or early, when the process-wide {@link BufferBudget} is exceeded and this batch is the largest.
 *
 * <pre>
 *  add(record) ──► RecordConverter ──► PrefixTemplate ──► ShardBatch (an encoder per prefix, + error prefixes)
 *                                                              │ size / interval / partitions cap / intent's end
 *                                                              ▼
 *        intent _sluice/…/intents/FIRST.json ──► ObjectStore.put(each object) ──► Checkpointer
 * </pre>
 *
 * <p>Exactly once: object names are {@code PREFIX + STREAM-SHARD-FIRST-LAST + ext}, FIRST and LAST being the
 * sequence numbers of the object's first and last records. Before any object of a batch is written, the batch's
 * cut (first, last) is stored as an intent; a batch that opens at a record for which an intent exists is cut at
 * the intent's last record, whatever the size and interval say. So after a crash, replay from the checkpoint
 * rebuilds the same batches, and their objects are written again under the same names with the same records.
 * Intents are kept after the checkpoint (a writer that lost its lease but still runs must find them: see
 * docs/firehose.md) and removed by age, once older than the intent retention and behind the checkpoint.
 *
 * <p>Not thread-safe: confined to the thread that processes the shard. After a {@link DeliveryException} the
 * instance is unusable; start a new one from the shard's last checkpoint.
 */
public final class ShardDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(ShardDelivery.class);

    private final DeliveryStreamConfig config;
    private final String shardId;
    private final ObjectStore store;
    private final Checkpointer checkpointer;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final Retrier retrier;
    private final RecordConverter converter;
    private final Encoders encoders;
    private final String objectExtension;
    private final BufferBudget.Account budget;
    private final Duration intentRetention;
    private long lastIntentCleanupMs;
    private ShardBatch batch;
    /** A cut batch whose delivery started but did not complete (a timed delivery's writes failed); retried. */
    private Pending pending;
    private BigInteger lastAdded;
    private String checkpointed;
    private boolean failed;

    public ShardDelivery(DeliveryStreamConfig config, String shardId, ObjectStore store, Checkpointer checkpointer,
                         DeliveryMetrics metrics, Clock clock, RetryPolicy retryPolicy, Sleeper sleeper) {
        this(config, shardId, store, checkpointer, metrics, clock, retryPolicy, sleeper, BufferBudget.unlimited());
    }

    /**
     * @param budget the process-wide bound on buffered record data, shared by every shard's delivery: when it is
     *               exceeded the largest batch is delivered early
     */
    public ShardDelivery(DeliveryStreamConfig config, String shardId, ObjectStore store, Checkpointer checkpointer,
                         DeliveryMetrics metrics, Clock clock, RetryPolicy retryPolicy, Sleeper sleeper,
                         BufferBudget budget) {
        this(config, shardId, store, checkpointer, metrics, clock, retryPolicy, sleeper, budget,
                DEFAULT_INTENT_RETENTION);
    }

    /** How long batch intents are kept by default (at least the 24 h a Sluice stream keeps records by default). */
    public static final Duration DEFAULT_INTENT_RETENTION = Duration.ofHours(24);
    /** How often a shard held for long removes its expired intents (besides when it is taken). */
    static final Duration INTENT_CLEANUP_EVERY = Duration.ofHours(1);

    /**
     * @param intentRetention how long a batch intent is kept after it was written; it is removed (when the shard is
     *                        taken, and hourly while it is held) only once older than this and behind the checkpoint
     */
    public ShardDelivery(DeliveryStreamConfig config, String shardId, ObjectStore store, Checkpointer checkpointer,
                         DeliveryMetrics metrics, Clock clock, RetryPolicy retryPolicy, Sleeper sleeper,
                         BufferBudget budget, Duration intentRetention) {
        this.intentRetention = intentRetention;
        this.lastIntentCleanupMs = clock.millis();
        this.budget = budget.open();
        this.config = config;
        this.shardId = shardId;
        this.store = store;
        this.checkpointer = checkpointer;
        this.metrics = metrics;
        this.clock = clock;
        this.retrier = new Retrier(retryPolicy, sleeper);
        this.converter = RecordConverter.forConfig(config);
        this.encoders = new Encoders(config, converter.rowSchema());
        this.objectExtension = config.dataFormat() == DataFormat.JSON_LINES
                ? ".jsonl" + config.compression().jsonLinesSuffix() : ".parquet";
    }

    /**
     * Buffers the shard's next record; may deliver the batch before it (partitions cap, or the end of a replayed
     * batch) or with it (size hint, or the intent's last record).
     *
     * @throws IllegalArgumentException when records are not added in increasing sequence order
     */
    public void add(SourceRecord r) throws DeliveryException {
        checkUsable();
        if (!r.shardId().equals(shardId)) {
            throw new IllegalArgumentException("record of " + r.shardId() + " added to the delivery of " + shardId);
        }
        BigInteger seq = new BigInteger(r.sequenceNumber());
        if (lastAdded != null && seq.compareTo(lastAdded) <= 0) {
            throw new IllegalArgumentException("sequence number " + seq + " added after " + lastAdded + " in "
                    + shardId);
        }
        try {
            if (pending != null) {
                completePending(false);
            }
            lastAdded = seq;
            metrics.recordIncoming(r.data().length);
            Result result = converter.convertAndRoute(r, config);
            if (batch != null && batch.forcedLast() != null
                    && seq.compareTo(new BigInteger(batch.forcedLast())) > 0) {
                // The records up to the intent's end were not all seen again (trimmed by retention?).
                LOG.warn("{}/{}: batch from {} was cut at {} before a crash, but record {} came without it; "
                        + "delivering what was replayed", config.name(), shardId, batch.first(), batch.forcedLast(), seq);
                deliver();
            }
            if (batch != null && batch.forcedLast() == null && result.failure() == null
                    && !batch.hasPartition(result.prefix()) && batch.partitionCount() >= config.maxOpenPartitions()) {
                deliver();
            }
            if (batch == null) {
                open(r);
            }
            if (result.failure() == null) {
                batch.add(r, result.row(), result.prefix(), encoders::forObject);
            } else {
                batch.addFailed(r, result.errorLine(), result.prefix(), encoders::forErrors);
            }
            account();
            if (batch.forcedLast() != null ? r.sequenceNumber().equals(batch.forcedLast())
                    : batch.bytes() >= config.bufferingHints().sizeBytes() || budget.shouldDeliverEarly()) {
                deliver();
            }
        } catch (IOException e) {
            throw fail("buffering record " + r.sequenceNumber() + " failed", e);
        } catch (RuntimeException e) {
            throw unexpected("buffering record " + r.sequenceNumber(), e);
        } finally {
            account();
        }
    }

    /**
     * Delivers the batch if its buffering interval has passed, or completes a delivery whose writes failed before;
     * returns whether it did. When the destination writes fail after their retries, the exception is
     * {@linkplain DeliveryException#retryable() retryable}: the cut batch is kept and the next call tries again, so
     * a quiet shard (no more records coming) is still delivered once the destination is back.
     */
    public boolean maybeFlush() throws DeliveryException {
        checkUsable();
        try {
            if (pending != null) {
                completePending(true);
                return true;
            }
            Optional<Duration> wait = timeUntilFlush();
            if (wait.isPresent() && wait.get().isZero() || budget.deliverEarlyRequested()) {
                deliver(true);
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            throw unexpected("a timed delivery", e);
        } finally {
            account();
        }
    }

    /** Delivers whatever is buffered now, regardless of the hints (graceful shutdown). */
    public void flush() throws DeliveryException {
        checkUsable();
        try {
            if (pending != null) {
                completePending(false);
            }
            if (batch != null && batch.forcedLast() == null) {
                deliver();
            }
        } catch (RuntimeException e) {
            throw unexpected("delivering what is buffered", e);
        } finally {
            account();
        }
    }

    /**
     * How long until the buffered batch's interval ends (zero when it has); empty when nothing is buffered or the
     * batch is a replay waiting for its last record.
     */
    public Optional<Duration> timeUntilFlush() {
        if (pending != null) {
            return Optional.of(Duration.ZERO);
        }
        if (batch == null || batch.forcedLast() != null) {
            return Optional.empty();
        }
        long due = batch.openedAtMs() + config.bufferingHints().interval().toMillis();
        return Optional.of(Duration.ofMillis(Math.max(0, due - clock.millis())));
    }

    /** Arrival time of the oldest record not yet delivered, or empty. */
    public Optional<Long> oldestBufferedArrivalMs() {
        long oldest = Long.MAX_VALUE;
        if (pending != null) {
            oldest = pending.batch.oldestArrivalMs();
        }
        if (batch != null) {
            oldest = Math.min(oldest, batch.oldestArrivalMs());
        }
        return oldest == Long.MAX_VALUE ? Optional.empty() : Optional.of(oldest);
    }

    /** The sequence number this delivery last checkpointed, or null. */
    public String checkpointed() {
        return checkpointed;
    }

    /**
     * Removes what earlier writers of this shard left invisible when they died mid-write (hidden temporary files,
     * unfinished multipart uploads; see {@link ObjectStore#cleanUpAbandoned}). Called once the shard is taken,
     * before its first record; a failure is logged, not fatal (leftovers are invisible to readers).
     *
     * @return how many leftovers were removed
     */
    public int cleanUpAbandoned() {
        return cleanUpAbandoned(null);
    }

    /**
     * As {@link #cleanUpAbandoned()}, and also removes this shard's batch intents that are older than the intent
     * retention and start at or before {@code checkpoint} (their batches were delivered).
     *
     * @param checkpoint the shard's checkpoint when it was taken, or null when it has none (no intent is removed)
     * @return how many leftovers and intents were removed
     */
    public int cleanUpAbandoned(String checkpoint) {
        int n = 0;
        try {
            n = store.cleanUpAbandoned(config.name(), shardId);
            if (n > 0) {
                LOG.info("{}/{}: removed {} leftovers of writes interrupted by a crash", config.name(), shardId, n);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}/{}: could not clean up leftovers of interrupted writes: {}", config.name(), shardId,
                    e.toString());
        }
        return n + removeExpiredIntents(checkpoint);
    }

    /**
     * Removes the intents of batches that start at or before {@code checkpoint} and were written longer than the
     * intent retention ago. Never fatal: an intent left behind only costs a listing entry.
     */
    private int removeExpiredIntents(String checkpoint) {
        lastIntentCleanupMs = clock.millis();
        if (checkpoint == null || !checkpoint.chars().allMatch(Character::isDigit) || checkpoint.isEmpty()) {
            return 0;
        }
        BigInteger upTo = new BigInteger(checkpoint);
        long cutoff = clock.millis() - intentRetention.toMillis();
        String dir = BatchIntent.dir(config.name(), shardId);
        int removed = 0;
        try {
            for (ObjectStore.StoredObject o : store.list(dir)) {
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                if (!name.matches("\\d+\\.json") || o.modifiedMs() > cutoff) {
                    continue;
                }
                if (new BigInteger(name.substring(0, name.length() - ".json".length())).compareTo(upTo) <= 0) {
                    store.delete(o.key());
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}/{}: could not remove expired batch intents: {}", config.name(), shardId, e.toString());
        }
        if (removed > 0) {
            LOG.info("{}/{}: removed {} batch intents older than {}", config.name(), shardId, removed,
                    intentRetention);
        }
        return removed;
    }

    /** Drops the buffered batch without delivering it (the lease was lost, or the process stops abruptly). */
    public void abandon() {
        dropBuffers();
        failed = true;
        budget.close();
    }

    /**
     * Gives this shard's share of the process-wide buffer budget back for good; thread-safe, unlike the rest of this
     * class, so that the owner can call it however the shard's processing ended (even while a stuck call still
     * holds the buffers: they are no longer counted).
     */
    public void releaseBudget() {
        budget.close();
    }

    private void dropBuffers() {
        if (batch != null) {
            batch.abort();
            batch = null;
        }
        if (pending != null) {
            pending.batch.abort();
            pending = null;
        }
        account();
    }

    /** Tells the process-wide budget what this shard holds now. */
    private void account() {
        long bytes = (batch == null ? 0 : batch.bytes()) + (pending == null ? 0 : pending.batch.bytes());
        budget.update(bytes, batch != null && batch.forcedLast() == null);
    }

    private void open(SourceRecord r) throws DeliveryException {
        String key = BatchIntent.key(config.name(), shardId, r.sequenceNumber());
        Optional<byte[]> found = retried("reading " + store.uriOf(key), () -> store.get(key), false);
        String forcedLast = null;
        if (found.isPresent()) {
            try {
                forcedLast = BatchIntent.parse(found.get(), store.uriOf(key)).last();
            } catch (IOException e) {
                throw fail("unreadable batch intent", e);
            }
            LOG.info("{}/{}: replaying the batch {}..{} cut before a restart", config.name(), shardId,
                    r.sequenceNumber(), forcedLast);
        }
        batch = new ShardBatch(r.sequenceNumber(), forcedLast, clock.millis());
    }

    private void deliver() throws DeliveryException {
        deliver(false);
    }

    /**
     * Cuts the buffered batch and delivers it: intent, objects, checkpoint, intent removed.
     *
     * @param keepOnWriteFailure on a destination write failing after its retries, keep the cut batch pending (and
     *                           throw a retryable exception) rather than fail the delivery
     */
    private void deliver(boolean keepOnWriteFailure) throws DeliveryException {
        if (batch == null) {
            return;
        }
        pending = new Pending(batch);
        batch = null;
        completePending(keepOnWriteFailure);
    }

    /** Runs (or resumes) the steps of the pending batch's delivery that have not completed yet. */
    private void completePending(boolean keepOnWriteFailure) throws DeliveryException {
        Pending p = pending;
        ShardBatch b = p.batch;
        if (!p.intentStored && b.forcedLast() == null) {
            BatchIntent intent = new BatchIntent(b.first(), b.last(), b.records());
            boolean created = retried("writing " + store.uriOf(p.intentKey), () -> {
                checkOwnership();
                return store.putIfAbsent(p.intentKey, intent.toJson());
            }, keepOnWriteFailure);
            if (!created) {
                Optional<byte[]> other = retried("reading " + store.uriOf(p.intentKey),
                        () -> store.get(p.intentKey), keepOnWriteFailure);
                String otherLast;
                try {
                    otherLast = other.isEmpty() ? null : BatchIntent.parse(other.get(), p.intentKey).last();
                } catch (IOException e) {
                    throw fail("unreadable batch intent", e);
                }
                if (!b.last().equals(otherLast)) {
                    throw fail("another writer cut the batch from " + b.first() + " at " + otherLast + ", this one at "
                            + b.last() + " (is another Firehose instance delivering " + shardId + "?)", null);
                }
            }
        }
        p.intentStored = true;
        if (p.objects == null) {
            try {
                p.objects = b.finish(this::objectKey);
            } catch (IOException e) {
                throw fail("encoding the batch " + b.first() + ".." + b.last() + " failed", e);
            }
        }
        while (p.written < p.objects.size()) {
            ShardBatch.FinishedObject o = p.objects.get(p.written);
            retried("writing " + store.uriOf(o.key()), () -> {
                checkOwnership();
                store.put(o.key(), o.array(), 0, o.length());
                return null;
            }, keepOnWriteFailure);
            if (o.error()) {
                metrics.recordErrorObject(o.records());
            } else {
                metrics.recordObject(o.records(), o.length());
            }
            p.written++;
        }
        try {
            checkpointer.checkpoint(b.last());
        } catch (Exception e) {
            throw fail("checkpoint at " + b.last() + " refused", e);
        }
        checkpointed = b.last();
        long now = clock.millis();
        for (long arrival : b.arrivals()) {
            metrics.recordFreshness(now - arrival);
        }
        pending = null;
        // The intent stays: a writer that lost the shard without knowing it (paused past its lease) may still hold
        // a batch from the same first record; finding the intent makes it fail instead of writing a different cut.
        if (now - lastIntentCleanupMs >= INTENT_CLEANUP_EVERY.toMillis()) {
            removeExpiredIntents(b.last());
        }
    }

    /** Thrown (before any write) when this writer may no longer own the shard; never retried. */
    private static final class NotOwner extends IOException {
        NotOwner(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }

    private void checkOwnership() throws NotOwner {
        try {
            checkpointer.checkOwnership();
        } catch (Exception e) {
            throw new NotOwner(e);
        }
    }

    /** A cut batch on its way to the destination, and how far its delivery got. */
    private final class Pending {
        final ShardBatch batch;
        final String intentKey;
        boolean intentStored;
        List<ShardBatch.FinishedObject> objects;
        int written;

        Pending(ShardBatch batch) {
            this.batch = batch;
            this.intentKey = BatchIntent.key(config.name(), shardId, batch.first());
        }
    }

    /**
     * Runs a destination read or write with the retry policy; when every attempt failed, fails the delivery, or
     * (when {@code keep}) leaves it usable and throws a retryable exception.
     */
    private <T> T retried(String what, IoAction<T> action, boolean keep) throws DeliveryException {
        try {
            return retrier.run(what, action);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(what + " interrupted", e);
        } catch (NotOwner e) {
            throw fail("not " + what + ": the shard may no longer be this writer's (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            String message = what + " failed after " + retrier.policy.maxAttempts() + " attempts";
            if (!keep) {
                throw fail(message, e);
            }
            metrics.recordDeliveryFailure();
            LOG.warn("{}/{}: {}: {}; the batch {}..{} is kept and tried again at the next check", config.name(),
                    shardId, message, e.toString(), pending.batch.first(), pending.batch.last());
            throw new DeliveryException(config.name() + "/" + shardId + ": " + message + ": " + e, e, true);
        }
    }

    private String objectKey(String prefix, String first, String last, boolean error) {
        String name = config.name() + "-" + shardId + "-" + first + "-" + last;
        return prefix + name + (error ? ".jsonl" + config.compression().jsonLinesSuffix() : objectExtension);
    }

    /** A failure this class did not expect (a bug, or a store's unchecked exception) fails the delivery too. */
    private DeliveryException unexpected(String what, RuntimeException e) {
        LOG.error("{}/{}: unexpected failure in {}", config.name(), shardId, what, e);
        return fail(what + " failed unexpectedly", e);
    }

    private DeliveryException fail(String what, Throwable cause) {
        failed = true;
        dropBuffers();
        metrics.recordDeliveryFailure();
        return new DeliveryException(config.name() + "/" + shardId + ": " + what
                + (cause == null ? "" : ": " + cause), cause);
    }

    private void checkUsable() {
        if (failed) {
            throw new IllegalStateException(config.name() + "/" + shardId + ": delivery failed or was abandoned; "
                    + "start a new one from the last checkpoint");
        }
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    /** Runs destination reads and writes with the retry policy (they are idempotent). */
    private final class Retrier {
        private final RetryPolicy policy;
        private final Sleeper sleeper;

        Retrier(RetryPolicy policy, Sleeper sleeper) {
            this.policy = policy;
            this.sleeper = sleeper;
        }

        /** @throws IOException the last attempt's failure, once every attempt failed */
        <T> T run(String what, IoAction<T> action) throws IOException, InterruptedException {
            IOException last = null;
            for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
                if (attempt > 1) {
                    metrics.recordRetry();
                    sleeper.sleep(policy.backoffBefore(attempt));
                }
                try {
                    return action.run();
                } catch (NotOwner e) {
                    throw e;
                } catch (IOException e) {
                    last = e;
                    LOG.warn("{}/{}: {} failed (attempt {} of {}): {}", config.name(), shardId, what, attempt,
                            policy.maxAttempts(), e.toString());
                }
            }
            throw last;
        }
    }
}
