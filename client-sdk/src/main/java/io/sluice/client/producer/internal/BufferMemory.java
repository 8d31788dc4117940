package io.sluice.client.producer.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's bounded buffer: bytes of records put but not yet acknowledged or failed. {@code put} reserves a
 * record's bytes, blocking while the buffer is full; a record's outcome releases them.
 *
 * <p>Thread-safe: the counters are guarded by {@code lock}. Waiters are woken on every release; a large record may
 * wait longer than small ones that fit earlier (no fairness between sizes).
 */
public final class BufferMemory {
    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long usedBytes; // guarded by lock
    private volatile int waiters; // written under lock, read without
    private boolean closed; // guarded by lock

    public BufferMemory(long totalBytes) {
        this.totalBytes = totalBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /**
     * Reserves {@code bytes}, waiting up to {@code timeoutNanos} for space.
     *
     * @return false when there was no space in time (nothing reserved)
     * @throws IllegalStateException when the buffer is closed, before or while waiting
     * @throws IllegalArgumentException when {@code bytes} exceeds the whole buffer
     */
    public boolean reserve(long bytes, long timeoutNanos) throws InterruptedException {
        if (bytes > totalBytes) {
            throw new IllegalArgumentException("a record of " + bytes + " bytes exceeds the whole buffer ("
                    + totalBytes + " bytes)");
        }
        long remaining = timeoutNanos;
        lock.lock();
        try {
            waiters++;
            try {
                while (!closed && usedBytes + bytes > totalBytes) {
                    if (remaining <= 0) {
                        return false;
                    }
                    remaining = released.awaitNanos(remaining);
                }
            } finally {
                waiters--;
            }
            if (closed) {
                throw new IllegalStateException("the producer is closed");
            }
            usedBytes += bytes;
            return true;
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        lock.lock();
        try {
            usedBytes -= bytes;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether some put is blocked waiting for space (the sender then sends batches without lingering). */
    public boolean hasWaiters() {
        return waiters > 0;
    }

    public long usedBytes() {
        lock.lock();
        try {
            return usedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Fails every waiting and future reservation. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
