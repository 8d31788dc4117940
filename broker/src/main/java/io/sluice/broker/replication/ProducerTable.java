package io.sluice.broker.replication;

import io.sluice.proto.internal.v1.ProducerBatch;
import io.sluice.proto.internal.v1.ProducerState;
import io.sluice.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One shard's memory of idempotent producers: for each producer the next sequence it must send and its last few
 * batches, so that a retried batch is answered with its original positions instead of being stored twice.
 *
 * <p>Deterministic: it changes only on apply, from the entry's contents and leader time, so every replica decides
 * the same. At most {@code maxProducers} are remembered per shard; the least recently seen is forgotten first (a
 * forgotten producer's next batch is accepted as if it were new).
 *
 * <p>Threads: used only by the owning group's apply thread (and its snapshot, on the same thread).
 */
final class ProducerTable {
    static final int RECENT_BATCHES = 5;

    /** What to do with a batch. */
    sealed interface Decision {
    }

    /** Store it. */
    record Append() implements Decision {
    }

    /** Stored before at {@code firstPosition}: reply with that, store nothing. */
    record Duplicate(long firstPosition) implements Decision {
    }

    /** Refuse it with an error code and message (nothing stored). */
    record Refuse(ErrorCode errorCode, String message) implements Decision {
    }

    private static final Append APPEND = new Append();

    private final int maxProducers;
    private final Map<Long, ProducerState.Builder> producers = new HashMap<>();

    ProducerTable(int maxProducers) {
        this.maxProducers = maxProducers;
    }

    static ProducerTable restore(int maxProducers, List<ProducerState> states) {
        ProducerTable t = new ProducerTable(maxProducers);
        for (ProducerState s : states) {
            t.producers.put(s.getProducerId(), s.toBuilder());
        }
        return t;
    }

    Decision check(long producerId, long sequence, int count, String shard) {
        ProducerState.Builder p = producers.get(producerId);
        if (p == null || sequence == p.getNextSequence()) {
            return APPEND;
        }
        for (ProducerBatch b : p.getRecentList()) {
            if (b.getSequence() == sequence) {
                if (b.getCount() != count) {
                    return new Refuse(ErrorCode.INVALID_ARGUMENT, "producer_sequences[" + shard + "]: the batch at sequence "
                            + sequence + " was stored with " + b.getCount() + " records, the retry has " + count
                            + "; a retry must resend the same records");
                }
                return new Duplicate(b.getFirstPosition());
            }
        }
        if (sequence > p.getNextSequence()) {
            return new Refuse(ErrorCode.OUT_OF_ORDER_SEQUENCE, "producer_sequences[" + shard + "]: expected sequence "
                    + p.getNextSequence() + " from producer " + producerId + ", got " + sequence
                    + "; an earlier batch is not stored yet");
        }
        return new Refuse(ErrorCode.DUPLICATE_SEQUENCE, "producer_sequences[" + shard + "]: sequence " + sequence
                + " of producer " + producerId + " was stored already (the shard expects " + p.getNextSequence()
                + " next); it is too old to report its sequence numbers");
    }

    void recordAppend(long producerId, long sequence, int count, long firstPosition, long leaderTimeMs) {
        ProducerState.Builder p = producers.get(producerId);
        if (p == null) {
            if (producers.size() >= maxProducers) {
                evictLeastRecentlySeen();
            }
            p = ProducerState.newBuilder().setProducerId(producerId);
            producers.put(producerId, p);
        }
        p.setNextSequence(sequence + count).setLastSeenMs(Math.max(p.getLastSeenMs(), leaderTimeMs));
        p.addRecent(ProducerBatch.newBuilder().setSequence(sequence).setCount(count).setFirstPosition(firstPosition));
        while (p.getRecentCount() > RECENT_BATCHES) {
            p.removeRecent(0);
        }
    }

    private void evictLeastRecentlySeen() {
        ProducerState.Builder oldest = null;
        for (ProducerState.Builder p : producers.values()) {
            if (oldest == null || p.getLastSeenMs() < oldest.getLastSeenMs()
                    || (p.getLastSeenMs() == oldest.getLastSeenMs() && p.getProducerId() < oldest.getProducerId())) {
                oldest = p;
            }
        }
        if (oldest != null) {
            producers.remove(oldest.getProducerId());
        }
    }

    List<ProducerState> snapshot() {
        List<ProducerState> out = new ArrayList<>(producers.size());
        producers.values().forEach(p -> out.add(p.build()));
        out.sort((a, b) -> Long.compare(a.getProducerId(), b.getProducerId()));
        return out;
    }

    int size() {
        return producers.size();
    }
}
