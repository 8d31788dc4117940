package io.sluice.common;

import java.math.BigInteger;

/**
 * Sequence numbers: {@code streamId * 2^64 + position}, written in decimal.
 *
 * <p>{@code position} is the record's 0-based place in its shard, assigned on apply by the shard's replication
 * group, so it is the same on every replica and survives leader changes and restarts. Within a shard the numbers
 * strictly increase with no reuse; across incarnations of a stream name they differ because the stream id does.
 * Compare them as unsigned big integers (their decimal strings have no fixed width).
 */
public record SequenceNumber(long streamId, long position) implements Comparable<SequenceNumber> {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final long BILLION = 1_000_000_000L;

    public SequenceNumber {
        if (streamId < 0 || position < 0) {
            throw new IllegalArgumentException("negative stream id or position: " + streamId + "/" + position);
        }
    }

    public BigInteger toBigInteger() {
        return BigInteger.valueOf(streamId).shiftLeft(64).add(BigInteger.valueOf(position));
    }

    /**
     * The decimal form, as {@link #toBigInteger()} would print it, without BigInteger: brokers write one per record
     * they store, return or push, and the BigInteger conversion was a visible part of their CPU time.
     */
    @Override
    public String toString() {
        if (streamId == 0) {
            return Long.toString(position);
        }
        // streamId * 2^64 + position as four 32-bit limbs, most significant first, divided by 10^9 until zero.
        long[] limbs = {streamId >>> 32, streamId & 0xFFFF_FFFFL, position >>> 32, position & 0xFFFF_FFFFL};
        long[] groups = new long[5]; // 9 decimal digits each, least significant first; < 2^127 has <= 39 digits
        int n = 0;
        boolean zero = false;
        while (!zero) {
            long rem = 0;
            zero = true;
            for (int i = 0; i < limbs.length; i++) {
                long cur = (rem << 32) | limbs[i]; // rem < 10^9 < 2^30, so cur < 2^62
                limbs[i] = cur / BILLION;
                rem = cur % BILLION;
                zero &= limbs[i] == 0;
            }
            groups[n++] = rem;
        }
        StringBuilder b = new StringBuilder(9 * n).append(groups[n - 1]);
        for (int i = n - 2; i >= 0; i--) {
            String g = Long.toString(groups[i]);
            b.append("000000000", g.length(), 9).append(g);
        }
        return b.toString();
    }

    /**
     * Parses a sequence number as issued by this cluster.
     *
     * @throws SluiceException INVALID_ARGUMENT naming {@code field} when it is not one
     */
    public static SequenceNumber parse(String text, String field) {
        if (text == null || text.isEmpty() || text.length() > 39
                || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw SluiceException.invalidArgument(field, "a decimal sequence number as returned by PutRecord(s)",
                    "'" + Limits.abbreviate(String.valueOf(text)) + "'");
        }
        BigInteger v = new BigInteger(text);
        BigInteger[] qr = v.divideAndRemainder(TWO_64);
        if (qr[0].bitLength() > 63 || qr[1].bitLength() > 63) {
            throw SluiceException.invalidArgument(field, "a sequence number issued by this cluster", text);
        }
        return new SequenceNumber(qr[0].longValueExact(), qr[1].longValueExact());
    }

    @Override
    public int compareTo(SequenceNumber o) {
        int c = Long.compare(streamId, o.streamId);
        return c != 0 ? c : Long.compare(position, o.position);
    }
}
