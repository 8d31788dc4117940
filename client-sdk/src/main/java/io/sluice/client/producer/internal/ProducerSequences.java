package io.sluice.client.producer.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Idempotent producers: the producer id and next sequence per shard. A batch gets its sequence when first sent and
 * keeps it through every retry, so the shard's state machine recognises a retry and does not store it twice.
 *
 * <p>A batch given up on without a known outcome (delivery timeout, non-retriable error) leaves the shard unsure
 * whether that sequence was stored, so the shard moves to a fresh random producer id with sequences from 0 (a broker
 * accepts any sequence from a producer id it does not know). Batches of a shard are sent one at a time (idempotence
 * implies strict ordering), so no later batch holds a sequence of the abandoned id.
 *
 * <p>Threads: owned by the sender thread.
 */
public final class ProducerSequences {
    private static final class State {
        final long producerId;
        long nextSequence;

        State(long producerId) {
            this.producerId = producerId;
        }
    }

    private final Random random;
    private final long producerId;
    private final Map<ShardKey, State> states = new HashMap<>();

    public ProducerSequences(Random random) {
        this.random = random;
        this.producerId = newId(0);
    }

    /** The id this producer starts every shard with. */
    public long producerId() {
        return producerId;
    }

    /** The id the shard's next new batch will carry. */
    public long currentProducerId(ShardKey shard) {
        State s = states.get(shard);
        return s == null ? producerId : s.producerId;
    }

    /** Fixes the batch's producer id and sequence at its first send; retries keep them. */
    public void assign(ShardBatch batch) {
        if (batch.sequence() >= 0) {
            return;
        }
        State s = states.computeIfAbsent(batch.shard(), k -> new State(producerId));
        batch.assignSequence(s.producerId, s.nextSequence);
        s.nextSequence += batch.size();
    }

    /** A batch that had a sequence ended without a known outcome: the shard starts over under a new id. */
    public void abandoned(ShardBatch batch) {
        State s = states.get(batch.shard());
        if (batch.sequence() >= 0 && s != null && s.producerId == batch.producerId()) {
            states.put(batch.shard(), new State(newId(s.producerId)));
        }
    }

    private long newId(long not) {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0 || id == not);
        return id;
    }
}
