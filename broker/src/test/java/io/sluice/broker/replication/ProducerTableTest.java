package io.sluice.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProducerTableTest {
    @Test
    void nextSequenceIsStored_retryIsADuplicateWithTheOriginalPosition() {
        ProducerTable t = new ProducerTable(10);
        assertThat(t.check(7, 0, 3, "s")).isInstanceOf(ProducerTable.Append.class);
        t.recordAppend(7, 0, 3, 100, 1);
        assertThat(t.check(7, 3, 2, "s")).isInstanceOf(ProducerTable.Append.class);
        t.recordAppend(7, 3, 2, 110, 2);
        assertThat(t.check(7, 0, 3, "s")).isEqualTo(new ProducerTable.Duplicate(100));
        assertThat(t.check(7, 3, 2, "s")).isEqualTo(new ProducerTable.Duplicate(110));
    }

    @Test
    void gapsTooOldAndChangedRetriesAreRefusedWithTheirReason() {
        ProducerTable t = new ProducerTable(10);
        for (int b = 0; b < 8; b++) {
            t.recordAppend(7, b * 2L, 2, b * 2L, b);
        }
        assertThat(t.check(7, 20, 2, "shardId-000000000001")).isInstanceOfSatisfying(ProducerTable.Refuse.class,
                r -> {
                    assertThat(r.errorCode()).isEqualTo(io.sluice.proto.v1.ErrorCode.OUT_OF_ORDER_SEQUENCE);
                    assertThat(r.message()).contains("producer_sequences[shardId-000000000001]")
                            .contains("expected sequence 16");
                });
        assertThat(t.check(7, 0, 2, "s")).as("older than the last 5 batches")
                .isInstanceOfSatisfying(ProducerTable.Refuse.class,
                        r -> assertThat(r.errorCode()).isEqualTo(io.sluice.proto.v1.ErrorCode.DUPLICATE_SEQUENCE));
        assertThat(t.check(7, 14, 3, "s")).isInstanceOfSatisfying(ProducerTable.Refuse.class,
                r -> assertThat(r.errorCode()).isEqualTo(io.sluice.proto.v1.ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void leastRecentlySeenProducerIsForgottenFirst_andSnapshotRoundTrips() {
        ProducerTable t = new ProducerTable(2);
        t.recordAppend(1, 0, 1, 0, 10);
        t.recordAppend(2, 0, 1, 1, 5);
        t.recordAppend(3, 0, 1, 2, 20); // evicts producer 2 (seen at 5)
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.check(2, 9, 1, "s")).as("a forgotten producer starts afresh")
                .isInstanceOf(ProducerTable.Append.class);
        assertThat(t.check(1, 0, 1, "s")).isEqualTo(new ProducerTable.Duplicate(0));

        ProducerTable restored = ProducerTable.restore(2, t.snapshot());
        assertThat(restored.snapshot()).isEqualTo(t.snapshot());
        assertThat(restored.check(3, 0, 1, "s")).isEqualTo(new ProducerTable.Duplicate(2));
        assertThat(restored.check(3, 1, 1, "s")).isInstanceOf(ProducerTable.Append.class);
    }
}
