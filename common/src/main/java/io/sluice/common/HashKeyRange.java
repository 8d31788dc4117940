package io.sluice.common;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** A contiguous, inclusive range of the hash key space owned by one shard. Immutable. */
public record HashKeyRange(HashKey start, HashKey end) {
    public HashKeyRange {
        if (start.compareTo(end) > 0) {
            throw new IllegalArgumentException("empty hash key range " + start + ".." + end);
        }
    }

    public boolean contains(HashKey key) {
        return start.compareTo(key) <= 0 && key.compareTo(end) <= 0;
    }

    /**
     * Splits the whole key space into {@code count} contiguous ranges that tile it exactly, as Kinesis does for a new
     * stream: range i starts at {@code i * floor(2^128 / count)}; the last range absorbs the remainder.
     */
    public static List<HashKeyRange> evenSplit(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1: " + count);
        }
        BigInteger space = HashKey.MAX_VALUE.add(BigInteger.ONE);
        BigInteger width = space.divide(BigInteger.valueOf(count));
        List<HashKeyRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BigInteger lo = width.multiply(BigInteger.valueOf(i));
            BigInteger hi = i == count - 1 ? HashKey.MAX_VALUE : lo.add(width).subtract(BigInteger.ONE);
            ranges.add(new HashKeyRange(HashKey.of(lo), HashKey.of(hi)));
        }
        return ranges;
    }
}
