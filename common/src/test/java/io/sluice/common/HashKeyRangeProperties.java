package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class HashKeyRangeProperties {
    @Property(tries = 200)
    void evenSplit_tilesTheWholeKeySpaceExactly(@ForAll @IntRange(min = 1, max = 5000) int shards) {
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(shards);
        assertThat(ranges).hasSize(shards);
        assertThat(ranges.get(0).start().value()).isZero();
        assertThat(ranges.get(shards - 1).end()).isEqualTo(HashKey.MAX);
        for (int i = 1; i < shards; i++) {
            assertThat(ranges.get(i).start().value())
                    .isEqualTo(ranges.get(i - 1).end().value().add(BigInteger.ONE));
        }
    }

    @Property(tries = 300)
    void everyPartitionKeyFallsInExactlyOneRange(@ForAll String key, @ForAll @IntRange(min = 1, max = 64) int shards) {
        HashKey k = HashKey.ofPartitionKey(key);
        long owners = HashKeyRange.evenSplit(shards).stream().filter(r -> r.contains(k)).count();
        assertThat(owners).isEqualTo(1);
    }

    @Property(tries = 300)
    void sequenceNumbers_roundTripAndOrderAsBigIntegers(@ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int stream,
                                                        @ForAll long a, @ForAll long b) {
        SequenceNumber x = new SequenceNumber(stream, Math.abs(a % Long.MAX_VALUE));
        SequenceNumber y = new SequenceNumber(stream, Math.abs(b % Long.MAX_VALUE));
        assertThat(SequenceNumber.parse(x.toString(), "f")).isEqualTo(x);
        assertThat(Integer.signum(x.compareTo(y)))
                .isEqualTo(Integer.signum(x.toBigInteger().compareTo(y.toBigInteger())));
        assertThat(Integer.signum(x.compareTo(y))).isEqualTo(Long.signum(x.position() - y.position()));
    }
}
