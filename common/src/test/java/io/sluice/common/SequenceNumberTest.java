package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SequenceNumberTest {
    private static void check(long streamId, long position) {
        SequenceNumber s = new SequenceNumber(streamId, position);
        String expected = BigInteger.valueOf(streamId).shiftLeft(64).add(BigInteger.valueOf(position)).toString();
        assertThat(s.toString()).as("%d/%d", streamId, position).isEqualTo(expected);
        assertThat(SequenceNumber.parse(s.toString(), "f")).isEqualTo(s);
    }

    @Test
    void toString_isTheDecimalOfStreamIdTimesTwoTo64PlusPosition_atTheEdges() {
        long[] edges = {0, 1, 9, 10, 999_999_999L, 1_000_000_000L, 1_000_000_001L, 0xFFFF_FFFFL, 1L << 32,
                999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (long streamId : edges) {
            for (long position : edges) {
                check(streamId, position);
            }
        }
    }

    @Test
    void toString_matchesBigInteger_forRandomValues() {
        Random r = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            long streamId = r.nextInt(4) == 0 ? r.nextInt(1000) : r.nextLong() >>> (1 + r.nextInt(63));
            long position = r.nextInt(4) == 0 ? r.nextInt(100_000) : r.nextLong() >>> (1 + r.nextInt(63));
            check(streamId, position);
        }
    }
}
