package io.sluice.firehose.delivery;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process-wide bound on the record data buffered by every {@link ShardDelivery} of the process
 * ({@code delivery.buffer.memory.bytes}): when the total passes the limit, the largest batch that may be cut is
 * delivered early, before its buffering hints say so. Buffered bytes are counted as the size hint counts them, in
 * record data as put; a batch's encoded buffers are usually smaller than that (JSON to Parquet).
 *
 * <p>Each shard's delivery has an {@link Account}. The shard whose record pushes the total over the limit delivers
 * its own batch at once if it is the largest; otherwise it asks the largest one, which is confined to its own
 * thread, to deliver at its next record or its next flush check ({@code flush.check.interval.ms}). The bound is
 * therefore soft: it can be exceeded by what the shards buffer until the largest batch is delivered.
 *
 * <p>A batch replayed after a crash (cut by its intent) is never chosen: it must be cut exactly where it was cut
 * before. An early cut is a cut like any other: its intent records it, so a replay cuts at the same record.
 *
 * <p>Thread-safe.
 */
public final class BufferBudget {
    private final long limitBytes;
    private final AtomicLong total = new AtomicLong();
    /** Accounts holding bytes (an empty account leaves the set, so ended deliveries are not kept). */
    private final Set<Account> holding = ConcurrentHashMap.newKeySet();

    public BufferBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /** No bound (tests, embedding). */
    public static BufferBudget unlimited() {
        return new BufferBudget(Long.MAX_VALUE);
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** Record data buffered now by every account. */
    public long totalBytes() {
        return total.get();
    }

    /** A new account for one shard's delivery. */
    public Account open() {
        return new Account();
    }

    /** One shard delivery's share. Updated by the shard's thread; early-delivery requests come from any thread. */
    public final class Account {
        private volatile long bytes;
        private volatile boolean cuttable;
        private volatile boolean deliverEarly;
        private boolean closed;

        private Account() {
        }

        /**
         * Gives this account's bytes back for good, from any thread (the shard's delivery ended, however it ended);
         * later updates are ignored. Idempotent.
         */
        public synchronized void close() {
            if (!closed) {
                update(0, false);
                closed = true;
            }
        }

        /**
         * Sets what this shard buffers now.
         *
         * @param cuttable whether its open batch may be delivered early (false for a replay held to its intent)
         */
        synchronized void update(long newBytes, boolean cuttable) {
            if (closed) {
                return;
            }
            this.cuttable = cuttable;
            long delta = newBytes - bytes;
            bytes = newBytes;
            if (newBytes > 0) {
                holding.add(this);
            } else {
                holding.remove(this);
                deliverEarly = false;
            }
            if (delta != 0) {
                total.addAndGet(delta);
            }
        }

        /**
         * Whether this shard should deliver its batch now: the total is over the limit and this batch is the
         * largest that may be cut, or another shard asked it to. When the largest is another shard's, asks it.
         */
        boolean shouldDeliverEarly() {
            if (deliverEarly && cuttable) {
                return true;
            }
            if (total.get() <= limitBytes) {
                return false;
            }
            Account largest = null;
            for (Account a : holding) {
                if (a.cuttable && (largest == null || a.bytes > largest.bytes)) {
                    largest = a;
                }
            }
            if (largest == null) {
                return false;
            }
            if (largest == this) {
                return true;
            }
            largest.deliverEarly = true;
            return false;
        }

        /** Whether another shard asked this one to deliver early (checked by the flush timer). */
        boolean deliverEarlyRequested() {
            return deliverEarly && cuttable;
        }

        long bytes() {
            return bytes;
        }
    }
}
