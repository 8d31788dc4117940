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
 * batch's first record was buffered ({@link #maybeFlush()}), or when a new prefix would exceed the cap on open
 * partitions.
 *
 * <pre>
 *  add(record) ──► RecordConverter ──► PrefixTemplate ──► ShardBatch (an encoder per prefix, + error prefixes)
 *                                                              │ size / interval / partitions cap / intent's end
 *                                                              ▼
 *        intent _sluice/…/intents/FIRST.json ──► ObjectStore.put(each object) ──► Checkpointer ──► delete intent
 * </pre>
 *
 * <p>Exactly once: object names are {@code PREFIX + STREAM-SHARD-FIRST-LAST + ext}, FIRST and LAST being the
 * sequence numbers of the object's first and last records. Before any object of a batch is written, the batch's
 * cut (first, last) is stored as an intent; a batch that opens at a record for which an intent exists is cut at
 * the intent's last record, whatever the size and interval say. So after a crash, replay from the checkpoint
 * rebuilds the same batches, and their objects are written again under the same names with the same records.
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
    private ShardBatch batch;
    private BigInteger lastAdded;
    private String checkpointed;
    private boolean failed;

    public ShardDelivery(DeliveryStreamConfig config, String shardId, ObjectStore store, Checkpointer checkpointer,
                         DeliveryMetrics metrics, Clock clock, RetryPolicy retryPolicy, Sleeper sleeper) {
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
        lastAdded = seq;
        metrics.recordIncoming(r.data().length);
        Result result = converter.convertAndRoute(r, config);
        try {
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
            if (batch.forcedLast() != null ? r.sequenceNumber().equals(batch.forcedLast())
                    : batch.bytes() >= config.bufferingHints().sizeBytes()) {
                deliver();
            }
        } catch (IOException e) {
            throw fail("buffering record " + r.sequenceNumber() + " failed", e);
        }
    }

    /** Delivers the batch if its buffering interval has passed; returns whether it did. */
    public boolean maybeFlush() throws DeliveryException {
        checkUsable();
        Optional<Duration> wait = timeUntilFlush();
        if (wait.isPresent() && wait.get().isZero()) {
            deliver();
            return true;
        }
        return false;
    }

    /** Delivers whatever is buffered now, regardless of the hints (graceful shutdown). */
    public void flush() throws DeliveryException {
        checkUsable();
        if (batch != null && batch.forcedLast() == null) {
            deliver();
        }
    }

    /**
     * How long until the buffered batch's interval ends (zero when it has); empty when nothing is buffered or the
     * batch is a replay waiting for its last record.
     */
    public Optional<Duration> timeUntilFlush() {
        if (batch == null || batch.forcedLast() != null) {
            return Optional.empty();
        }
        long due = batch.openedAtMs() + config.bufferingHints().interval().toMillis();
        return Optional.of(Duration.ofMillis(Math.max(0, due - clock.millis())));
    }

    /** Arrival time of the oldest record not yet delivered, or empty. */
    public Optional<Long> oldestBufferedArrivalMs() {
        return batch == null ? Optional.empty() : Optional.of(batch.oldestArrivalMs());
    }

    /** The sequence number this delivery last checkpointed, or null. */
    public String checkpointed() {
        return checkpointed;
    }

    /** Drops the buffered batch without delivering it (the lease was lost, or the process stops abruptly). */
    public void abandon() {
        if (batch != null) {
            batch.abort();
            batch = null;
        }
        failed = true;
    }

    private void open(SourceRecord r) throws DeliveryException {
        String key = BatchIntent.key(config.name(), shardId, r.sequenceNumber());
        Optional<byte[]> found = retrier.run("reading " + store.uriOf(key), () -> store.get(key));
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
        ShardBatch b = batch;
        if (b == null) {
            return;
        }
        String intentKey = BatchIntent.key(config.name(), shardId, b.first());
        if (b.forcedLast() == null) {
            BatchIntent intent = new BatchIntent(b.first(), b.last(), b.records());
            boolean created = retrier.run("writing " + store.uriOf(intentKey),
                    () -> store.putIfAbsent(intentKey, intent.toJson()));
            if (!created) {
                Optional<byte[]> other = retrier.run("reading " + store.uriOf(intentKey), () -> store.get(intentKey));
                String otherLast;
                try {
                    otherLast = other.isEmpty() ? null : BatchIntent.parse(other.get(), intentKey).last();
                } catch (IOException e) {
                    throw fail("unreadable batch intent", e);
                }
                if (!b.last().equals(otherLast)) {
                    throw fail("another writer cut the batch from " + b.first() + " at " + otherLast + ", this one at "
                            + b.last() + " (is another Firehose instance delivering " + shardId + "?)", null);
                }
            }
        }
        List<ShardBatch.FinishedObject> objects;
        try {
            objects = b.finish(this::objectKey);
        } catch (IOException e) {
            throw fail("encoding the batch " + b.first() + ".." + b.last() + " failed", e);
        }
        for (ShardBatch.FinishedObject o : objects) {
            retrier.run("writing " + store.uriOf(o.key()), () -> {
                store.put(o.key(), o.array(), 0, o.length());
                return null;
            });
            if (o.error()) {
                metrics.recordErrorObject(o.records());
            } else {
                metrics.recordObject(o.records(), o.length());
            }
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
        batch = null;
        try {
            store.delete(intentKey);
        } catch (IOException e) {
            // Harmless: the intent is for records behind the checkpoint, never looked up again.
            LOG.warn("{}/{}: could not remove {}: {}", config.name(), shardId, store.uriOf(intentKey), e.toString());
        }
    }

    private String objectKey(String prefix, String first, String last, boolean error) {
        String name = config.name() + "-" + shardId + "-" + first + "-" + last;
        return prefix + name + (error ? ".jsonl" : objectExtension);
    }

    private DeliveryException fail(String what, Throwable cause) {
        failed = true;
        if (batch != null) {
            batch.abort();
            batch = null;
        }
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

        <T> T run(String what, IoAction<T> action) throws DeliveryException {
            IOException last = null;
            for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
                if (attempt > 1) {
                    metrics.recordRetry();
                    try {
                        sleeper.sleep(policy.backoffBefore(attempt));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw fail(what + " interrupted", e);
                    }
                }
                try {
                    return action.run();
                } catch (IOException e) {
                    last = e;
                    LOG.warn("{}/{}: {} failed (attempt {} of {}): {}", config.name(), shardId, what, attempt,
                            policy.maxAttempts(), e.toString());
                }
            }
            throw fail(what + " failed after " + policy.maxAttempts() + " attempts", last);
        }
    }
}
