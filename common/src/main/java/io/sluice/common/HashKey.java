package io.sluice.common;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A point in the 128-bit hash key space that decides which shard stores a record.
 *
 * <p>A partition key maps to the MD5 digest of its UTF-8 bytes, read as an unsigned big-endian 128-bit integer, as
 * in Kinesis. An explicit hash key is a decimal integer in {@code 0..2^128-1}. Instances are immutable.
 */
public final class HashKey implements Comparable<HashKey> {
    public static final BigInteger MAX_VALUE = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    public static final HashKey MIN = new HashKey(BigInteger.ZERO);
    public static final HashKey MAX = new HashKey(MAX_VALUE);

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    });

    private final BigInteger value;

    private HashKey(BigInteger value) {
        this.value = value;
    }

    public static HashKey of(BigInteger value) {
        if (value.signum() < 0 || value.compareTo(MAX_VALUE) > 0) {
            throw new IllegalArgumentException("hash key out of range 0..2^128-1: " + value);
        }
        return new HashKey(value);
    }

    /** The hash key of a partition key: MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
    public static HashKey ofPartitionKey(String partitionKey) {
        byte[] digest = MD5.get().digest(partitionKey.getBytes(StandardCharsets.UTF_8));
        return new HashKey(new BigInteger(1, digest));
    }

    /**
     * Parses an explicit hash key.
     *
     * @throws SluiceException INVALID_ARGUMENT naming {@code field} when the text is not a decimal in range
     */
    public static HashKey parseExplicit(String text, String field) {
        if (text.isEmpty() || text.length() > 39 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw SluiceException.invalidArgument(field, "a decimal integer in 0..2^128-1",
                    "'" + Limits.abbreviate(text) + "'");
        }
        BigInteger v = new BigInteger(text);
        if (v.compareTo(MAX_VALUE) > 0) {
            throw SluiceException.invalidArgument(field, "a decimal integer in 0..2^128-1 (at most " + MAX_VALUE + ")",
                    text);
        }
        return new HashKey(v);
    }

    /** 16 bytes, big-endian, unsigned. */
    public static HashKey fromBytes(byte[] bytes) {
        if (bytes.length != 16) {
            throw new IllegalArgumentException("hash key must be 16 bytes, got " + bytes.length);
        }
        return new HashKey(new BigInteger(1, bytes));
    }

    public byte[] toBytes() {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[16];
        int copy = Math.min(raw.length, 16);
        System.arraycopy(raw, raw.length - copy, out, 16 - copy, copy);
        return out;
    }

    public BigInteger value() {
        return value;
    }

    @Override
    public int compareTo(HashKey o) {
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashKey other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** Decimal, as on the wire. */
    @Override
    public String toString() {
        return value.toString();
    }
}
