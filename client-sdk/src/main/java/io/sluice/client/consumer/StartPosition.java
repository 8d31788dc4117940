package io.sluice.client.consumer;

import java.time.Instant;
import java.util.Objects;

/**
 * Where reading a shard begins: one of the consumer's initial positions ({@link #trimHorizon()}, {@link #latest()},
 * {@link #atTimestamp}) for a shard never checkpointed, or {@link #afterSequenceNumber} of its checkpoint.
 */
public record StartPosition(Type type, String sequenceNumber, Instant timestamp) {
    public enum Type {
        /** The oldest record still retained. */
        TRIM_HORIZON,
        /** Only records put after reading starts. */
        LATEST,
        /** The first record that arrived at or after {@link #timestamp()}. */
        AT_TIMESTAMP,
        /** The record right after {@link #sequenceNumber()} (a checkpoint). */
        AFTER_SEQUENCE_NUMBER
    }

    public StartPosition {
        Objects.requireNonNull(type, "type");
        if ((type == Type.AFTER_SEQUENCE_NUMBER) != (sequenceNumber != null)) {
            throw new IllegalArgumentException("a sequence number goes with AFTER_SEQUENCE_NUMBER, and only with it");
        }
        if ((type == Type.AT_TIMESTAMP) != (timestamp != null)) {
            throw new IllegalArgumentException("a timestamp goes with AT_TIMESTAMP, and only with it");
        }
    }

    public static StartPosition trimHorizon() {
        return new StartPosition(Type.TRIM_HORIZON, null, null);
    }

    public static StartPosition latest() {
        return new StartPosition(Type.LATEST, null, null);
    }

    public static StartPosition atTimestamp(Instant timestamp) {
        return new StartPosition(Type.AT_TIMESTAMP, null, Objects.requireNonNull(timestamp, "timestamp"));
    }

    public static StartPosition afterSequenceNumber(String sequenceNumber) {
        return new StartPosition(Type.AFTER_SEQUENCE_NUMBER, Objects.requireNonNull(sequenceNumber, "sequenceNumber"),
                null);
    }

    @Override
    public String toString() {
        return switch (type) {
            case AFTER_SEQUENCE_NUMBER -> "AFTER_SEQUENCE_NUMBER " + sequenceNumber;
            case AT_TIMESTAMP -> "AT_TIMESTAMP " + timestamp;
            default -> type.name();
        };
    }
}
