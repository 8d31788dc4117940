package io.sluice.common;

/**
 * Shard ids as Kinesis writes them: {@code shardId-} and the shard's index in its stream as 12 decimal digits.
 * Shards of a stream are numbered from 0 in creation order, so ids sort in creation order.
 */
public final class ShardId {
    private static final String PREFIX = "shardId-";

    private ShardId() {
    }

    public static String format(int shardIndex) {
        if (shardIndex < 0) {
            throw new IllegalArgumentException("negative shard index " + shardIndex);
        }
        // Called for every record a PutRecords answers: String.format was a measurable cost there.
        String digits = Integer.toString(shardIndex);
        return PREFIX + "0".repeat(12 - digits.length()) + digits;
    }

    /**
     * The index named by a shard id.
     *
     * @throws SluiceException INVALID_ARGUMENT naming {@code field} when the id is malformed
     */
    public static int parse(String shardId, String field) {
        if (shardId == null || !shardId.startsWith(PREFIX) || shardId.length() != PREFIX.length() + 12) {
            throw SluiceException.invalidArgument(field, "a shard id like shardId-000000000000",
                    "'" + Limits.abbreviate(String.valueOf(shardId)) + "'");
        }
        String digits = shardId.substring(PREFIX.length());
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw SluiceException.invalidArgument(field, "a shard id like shardId-000000000000", "'" + shardId + "'");
        }
        long index = Long.parseLong(digits);
        if (index > Integer.MAX_VALUE) {
            throw SluiceException.invalidArgument(field, "a shard index <= " + Integer.MAX_VALUE, digits);
        }
        return (int) index;
    }
}
