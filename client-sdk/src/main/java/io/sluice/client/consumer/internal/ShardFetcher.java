package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one shard into its {@link PrefetchBuffer}, from a start position onwards, through one {@link Source} at a
 * time: a push {@link Subscription} or a {@link Poller}. It keeps the position to resume from (after the last record
 * buffered, or after the continuation number the broker sent) so that a new source continues without gaps or
 * repeats whatever ended the previous one: NOT_LEADER (follow the leader it names), a broker going away, an expired
 * iterator. A position that is still LATEST when a source ends (nothing read yet) continues AT_TIMESTAMP of when
 * reading began rather than at a new LATEST, which would skip what was put in between. A redirect (NOT_LEADER naming the leader) is followed at once, but only
 * {@value #IMMEDIATE_REDIRECTS} times in a row: brokers that disagree about the leader during an election would
 * otherwise bounce the shard between them without pause. In push mode, {@value #PUSH_FAILURES_BEFORE_POLLING} subscriptions in a row that fail without delivering
 * anything switch the shard to polling for {@link #POLLING_FALLBACK}, after which push is tried again.
 *
 * <pre>
 *   Subscription / Poller ──(gRPC threads)──► ShardFetcher.delivered ──► PrefetchBuffer ──► ShardConsumer
 *          ▲                                          │ failed / ended
 *          └──────────── next source (scheduler) ◄────┘
 * </pre>
 *
 * Thread-safe: sources call in from gRPC and scheduler threads; the shard's consumer starts and stops it.
 */
public final class ShardFetcher implements Fetcher {
    static final int PUSH_FAILURES_BEFORE_POLLING = 3;
    static final int IMMEDIATE_REDIRECTS = 3;
    static final Duration POLLING_FALLBACK = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(ShardFetcher.class);
    private static final long MAX_BACKOFF_MS = 2_000;

    /** One way of reading records; started once, cancelled at most once. */
    interface Source {
        void start();

        void cancel();

        Delivery delivery();
    }

    final Reads reads;
    final String shardId;
    final PrefetchBuffer buffer;
    private final Delivery delivery;
    // Guarded by this.
    private StartPosition position;
    private Source current;
    private boolean stopped = true;
    private int failures;
    private int redirects;
    // System.nanoTime() has an arbitrary origin (it may be negative), so "push is due" starts from a real reading.
    private long pushAgainAtNanos = System.nanoTime();
    // Wall-clock time just before the first read at LATEST, -1 until then.
    private long latestSinceMs = -1;

    /**
     * What every shard's fetcher shares: channels, the stream, the scheduler, the read settings, and the clock that
     * dates a LATEST start (compared with the brokers' arrival timestamps when reading resumes).
     */
    public record Reads(BrokerChannels channels, String stream, ScheduledExecutorService scheduler, int pollLimit,
                        Duration pollInterval, Duration pollMaxWait, Clock clock) {
    }

    public ShardFetcher(Reads reads, String shardId, PrefetchBuffer buffer, Delivery delivery) {
        this.reads = reads;
        this.shardId = shardId;
        this.buffer = buffer;
        this.delivery = delivery;
    }

    /** A factory of push or polling fetchers over {@code reads}. */
    public static Fetcher.Factory factory(Reads reads, Delivery delivery) {
        return (shardId, buffer) -> new ShardFetcher(reads, shardId, buffer, delivery);
    }

    @Override
    public void start(StartPosition from) {
        synchronized (this) {
            position = from;
            stopped = false;
        }
        next(0);
    }

    /** Stops reading; records still arriving from the source in flight are dropped. */
    @Override
    public void stop() {
        Source s;
        synchronized (this) {
            stopped = true;
            s = current;
            current = null;
        }
        if (s != null) {
            s.cancel();
        }
    }

    /** How records arrive now (a push consumer may be polling for a while). */
    @Override
    public synchronized Delivery currentDelivery() {
        return current != null ? current.delivery()
                : delivery == Delivery.PUSH && System.nanoTime() - pushAgainAtNanos < 0 ? Delivery.POLLING : delivery;
    }

    synchronized StartPosition position() {
        return position;
    }

    synchronized boolean isCurrent(Source s) {
        return s == current && !stopped;
    }

    /** A batch read by {@code s}; false when {@code s} is no longer the current source (nothing was buffered). */
    synchronized boolean delivered(Source s, FetchedBatch batch) {
        if (s != current || stopped) {
            return false;
        }
        if (!batch.records().isEmpty()) {
            position = StartPosition.afterSequenceNumber(batch.lastSequenceNumber());
        }
        failures = 0;
        redirects = 0;
        if (batch.shardEnd()) {
            stopped = true;
            current = null;
        }
        buffer.add(batch);
        return true;
    }

    /** Nothing new: the broker says reading continues after {@code continuation} (may be empty) at this lag. */
    synchronized void idle(Source s, String continuation, long millisBehindLatest) {
        if (s != current || stopped) {
            return;
        }
        if (!continuation.isEmpty()) {
            position = StartPosition.afterSequenceNumber(continuation);
        }
        failures = 0;
        redirects = 0;
        buffer.idle(millisBehindLatest);
    }

    /**
     * {@code s} ended with {@code error}: start the next source, at once when the error names the leader to go to,
     * else after a backoff.
     */
    void failed(Source s, SluiceException error) {
        long delayMs;
        synchronized (this) {
            if (s != current || stopped) {
                return;
            }
            current = null;
            boolean redirected = error.code() == ErrorCode.NOT_LEADER && !error.detail().getLeaderAddress().isEmpty()
                    && ++redirects <= IMMEDIATE_REDIRECTS;
            if (!redirected) {
                failures++;
            }
            if (s.delivery() == Delivery.PUSH
                    && (failures >= PUSH_FAILURES_BEFORE_POLLING || !error.retriable() && !redirected)) {
                LOG.warn("{}: push subscription failed {} time(s), last with {}; polling for {} s", shardId,
                        failures, error.getMessage(), POLLING_FALLBACK.toSeconds());
                pushAgainAtNanos = System.nanoTime() + POLLING_FALLBACK.toNanos();
                failures = 0;
            } else if (!redirected) {
                LOG.debug("{}: {} read failed: {}", shardId, s.delivery(), error.getMessage());
            }
            delayMs = redirected || failures == 0 ? 0 : Math.min(MAX_BACKOFF_MS, 50L << Math.min(failures, 10));
        }
        next(delayMs);
    }

    /** Whether a poller standing in for push should hand back to a subscription now. */
    synchronized boolean pushDue() {
        return delivery == Delivery.PUSH && System.nanoTime() - pushAgainAtNanos >= 0;
    }

    /** Called by a poller that stops in favour of push. */
    void handBack(Source poller) {
        synchronized (this) {
            if (poller != current || stopped) {
                return;
            }
            current = null;
        }
        next(0);
    }

    private void next(long delayMs) {
        Source s;
        synchronized (this) {
            if (stopped) {
                return;
            }
            if (position.type() == StartPosition.Type.LATEST) {
                if (latestSinceMs < 0) {
                    latestSinceMs = reads.clock().millis();
                } else {
                    position = StartPosition.atTimestamp(Instant.ofEpochMilli(latestSinceMs));
                }
            }
            s = pushDue() ? new Subscription(this) : new Poller(this);
            current = s;
        }
        Runnable start = () -> {
            if (isCurrent(s)) {
                s.start();
            }
        };
        try {
            reads.scheduler().schedule(start, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stop(); // the consumer is shutting down
        }
    }
}
