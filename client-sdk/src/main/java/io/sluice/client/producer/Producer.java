package io.sluice.client.producer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Puts records into Sluice streams asynchronously, batching them per shard. {@link SluiceProducer} talks to a
 * cluster; {@link FakeProducer} keeps records in memory for users' unit tests.
 *
 * <p>Thread-safety: every method may be called from any thread.
 *
 * <p>Outcomes: {@code put} never throws for a record; every problem is reported through the returned future, which
 * completes exceptionally with
 * <ul>
 *   <li>{@link io.sluice.common.SluiceException} INVALID_ARGUMENT at once (nothing enqueued) when the record breaks a
 *       limit — the same field names, limits and messages the broker uses for PutRecord;</li>
 *   <li>SluiceException THROTTLED when put blocked {@code max.block.ms} for buffer memory, naming
 *       {@code buffer.memory.bytes};</li>
 *   <li>the last SluiceException a send failed with (message prefixed with what gave up) when retries did not succeed
 *       within {@code delivery.timeout.ms}, or at once for a non-retriable error;</li>
 *   <li>{@link IllegalStateException} when the producer is closed (or closes before the record is sent).</li>
 * </ul>
 * Futures may complete on the producer's I/O thread: attach slow callbacks with an executor.
 */
public interface Producer extends AutoCloseable {
    /**
     * Puts a record into the shard whose hash key range holds the MD5 hash of {@code partitionKey}. May block up to
     * {@code max.block.ms} while the buffer is full or the stream's shard map is being fetched.
     *
     * @return a future of where the record was stored
     */
    CompletableFuture<PutResult> put(String stream, String partitionKey, byte[] data);

    /**
     * As {@link #put(String, String, byte[])}, but the shard is picked by {@code explicitHashKey}, a decimal integer in
     * 0..2^128-1; {@code null} or empty means none.
     */
    CompletableFuture<PutResult> put(String stream, String partitionKey, String explicitHashKey, byte[] data);

    /**
     * Sends every record put before this call at once (ignoring linger) and waits until each one has its outcome.
     * Records put meanwhile by other threads may or may not be included.
     */
    void flush() throws InterruptedException;

    /**
     * Stops accepting records, drains everything put before (as {@link #flush()}), then releases threads and
     * connections. Waits at most about {@code delivery.timeout.ms}, since every record has an outcome by then.
     */
    @Override
    void close();

    /**
     * As {@link #close()}, waiting at most {@code timeout} for records to be delivered; records still without an
     * outcome then fail with IllegalStateException (a record already sent may nevertheless be stored).
     */
    void close(Duration timeout);

    /** The producer's counters and latency percentiles so far. */
    ProducerMetrics metrics();
}
