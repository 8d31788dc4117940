package io.sluice.client.consumer.internal;

import java.util.ArrayDeque;

/**
 * Records read ahead of one shard's processor, bounded by a record count and a byte count. A fetcher adds whole
 * batches and asks for more only while {@link #awaitRoom} says there is room, so the buffer holds at most the limits
 * plus what the fetcher had asked for before it was full: one batch when polling, up to a few push events (see
 * {@code Subscription}). Thread-safe: fetchers add from gRPC threads, the shard's consumer polls from a processing
 * thread.
 */
public final class PrefetchBuffer {
    private final int maxRecords;
    private final long maxBytes;
    private final Runnable onData;
    // Guarded by this.
    private final ArrayDeque<FetchedBatch> batches = new ArrayDeque<>();
    private int records;
    private long bytes;
    private Runnable onRoom;
    private long idleMillisBehindLatest;
    private boolean idleSinceLastBatch;

    /** {@code onData} runs after every batch added (outside the buffer's lock). */
    public PrefetchBuffer(int maxRecords, long maxBytes, Runnable onData) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.onData = onData;
    }

    /** Adds a batch, even when over the limits (a fetcher asks for one at a time; see {@link #awaitRoom}). */
    public void add(FetchedBatch batch) {
        synchronized (this) {
            batches.add(batch);
            records += batch.records().size();
            bytes += batch.bytes();
            idleSinceLastBatch = false;
        }
        onData.run();
    }

    /** A heartbeat: how far behind the shard's tip the fetcher is while it has nothing new. */
    public synchronized void idle(long millisBehindLatest) {
        idleMillisBehindLatest = millisBehindLatest;
        idleSinceLastBatch = true;
    }

    /**
     * The lag of the last heartbeat when nothing was buffered since (the processor has seen everything read and the
     * fetcher is waiting for new records), else -1.
     */
    public synchronized long idleMillisBehindLatest() {
        return idleSinceLastBatch && batches.isEmpty() ? idleMillisBehindLatest : -1;
    }

    /**
     * True when there is room for another batch. Otherwise {@code resume} is kept and run (once, outside the lock)
     * when a poll makes room, and false is returned. A later call replaces a kept callback.
     */
    public synchronized boolean awaitRoom(Runnable resume) {
        if (hasRoom()) {
            return true;
        }
        onRoom = resume;
        return false;
    }

    /** The oldest batch, or null when empty. */
    public FetchedBatch poll() {
        Runnable resume = null;
        FetchedBatch b;
        synchronized (this) {
            b = batches.poll();
            if (b != null) {
                records -= b.records().size();
                bytes -= b.bytes();
                if (onRoom != null && hasRoom()) {
                    resume = onRoom;
                    onRoom = null;
                }
            }
        }
        if (resume != null) {
            resume.run();
        }
        return b;
    }

    /** Drops everything (the lease is gone) and any kept resume callback. */
    public synchronized void clear() {
        batches.clear();
        records = 0;
        bytes = 0;
        onRoom = null;
    }

    /** Whether a fetcher is parked, waiting for room (it sends no request until a poll resumes it). */
    synchronized boolean fetcherWaiting() {
        return onRoom != null;
    }

    public synchronized boolean isEmpty() {
        return batches.isEmpty();
    }

    public synchronized int records() {
        return records;
    }

    public synchronized long bytes() {
        return bytes;
    }

    private boolean hasRoom() {
        return records < maxRecords && bytes < maxBytes;
    }
}
