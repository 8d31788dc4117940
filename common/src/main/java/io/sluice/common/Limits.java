package io.sluice.common;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The cluster's request limits (Kinesis's defaults) and the checks that enforce them. Every check throws
 * {@link SluiceException} INVALID_ARGUMENT naming the field, the limit and the value seen.
 *
 * @param maxRecordBytes       data + UTF-8 partition key of one record
 * @param maxPartitionKeyChars partition key length in Unicode characters (minimum 1)
 * @param maxPutRecordsCount   entries in one PutRecords call
 * @param maxPutRecordsBytes   data + partition keys of one PutRecords call
 * @param maxGetRecordsCount   records returned by one GetRecords call
 * @param maxGetRecordsBytes   bytes (data + keys) returned by one GetRecords call
 * @param maxShardsPerStream   shards in one stream
 * @param iteratorLifetime     how long a shard iterator stays valid
 */
public record Limits(int maxRecordBytes, int maxPartitionKeyChars, int maxPutRecordsCount, int maxPutRecordsBytes,
                     int maxGetRecordsCount, int maxGetRecordsBytes, int maxShardsPerStream,
                     Duration iteratorLifetime) {
    public static final int MAX_STREAM_NAME_CHARS = 128;
    public static final int MIN_RETENTION_HOURS = 24;
    public static final int MAX_RETENTION_HOURS = 8760;
    private static final Pattern STREAM_NAME = Pattern.compile("[a-zA-Z0-9_.-]+");

    public static final Limits DEFAULTS = new Limits(1 << 20, 256, 500, 5 << 20, 10_000, 10 << 20, 1000,
            Duration.ofMinutes(5));

    public static void checkStreamName(String name, String field) {
        if (name == null || name.isEmpty()) {
            throw SluiceException.invalidArgument(field, "a stream name of 1.." + MAX_STREAM_NAME_CHARS
                    + " characters [a-zA-Z0-9_.-]", "an empty name");
        }
        if (name.length() > MAX_STREAM_NAME_CHARS) {
            throw SluiceException.overLimit(field, "stream name length", name.length(), MAX_STREAM_NAME_CHARS,
                    "characters");
        }
        if (!STREAM_NAME.matcher(name).matches()) {
            throw SluiceException.invalidArgument(field, "a stream name matching [a-zA-Z0-9_.-]{1,128}",
                    "'" + abbreviate(name) + "'");
        }
    }

    public static void checkRetentionHours(int hours, String field) {
        if (hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
            throw SluiceException.invalidArgument(field, "a retention period of " + MIN_RETENTION_HOURS + ".."
                    + MAX_RETENTION_HOURS + " hours", hours + " hours");
        }
    }

    public void checkShardCount(int count, String field) {
        if (count < 1) {
            throw SluiceException.invalidArgument(field, "a shard count of 1.." + maxShardsPerStream, "" + count);
        }
        if (count > maxShardsPerStream) {
            throw SluiceException.overLimit(field, "shard count", count, maxShardsPerStream, "shards");
        }
    }

    /** Checks one record's key and size; returns the UTF-8 bytes of data + key. */
    public int checkRecord(String partitionKey, int dataBytes, String fieldPrefix) {
        String keyField = fieldPrefix + "partition_key";
        if (partitionKey == null || partitionKey.isEmpty()) {
            throw SluiceException.invalidArgument(keyField, "a partition key of 1.." + maxPartitionKeyChars
                    + " characters", "an empty key");
        }
        int chars = partitionKey.codePointCount(0, partitionKey.length());
        if (chars > maxPartitionKeyChars) {
            throw SluiceException.overLimit(keyField, "partition key length", chars, maxPartitionKeyChars,
                    "characters");
        }
        int keyBytes = utf8Length(partitionKey);
        long size = (long) dataBytes + keyBytes;
        if (size > maxRecordBytes) {
            throw SluiceException.overLimit(fieldPrefix + "data", "record size (data + partition key)", size,
                    maxRecordBytes, "bytes");
        }
        return (int) size;
    }

    public void checkPutRecordsCount(int count) {
        if (count < 1) {
            throw SluiceException.invalidArgument("records", "1.." + maxPutRecordsCount + " records", "none");
        }
        if (count > maxPutRecordsCount) {
            throw SluiceException.overLimit("records", "record count", count, maxPutRecordsCount, "records");
        }
    }

    public void checkPutRecordsBytes(long totalBytes) {
        if (totalBytes > maxPutRecordsBytes) {
            throw SluiceException.overLimit("records", "request size (data + partition keys)", totalBytes,
                    maxPutRecordsBytes, "bytes");
        }
    }

    /** The effective GetRecords record limit for a requested {@code limit} (0 = the maximum). */
    public int checkGetRecordsLimit(int limit) {
        if (limit < 0 || limit > maxGetRecordsCount) {
            throw SluiceException.invalidArgument("limit", "0.." + maxGetRecordsCount + " records (0 = "
                    + maxGetRecordsCount + ")", "" + limit);
        }
        return limit == 0 ? maxGetRecordsCount : limit;
    }

    /** The longest a GetRecords call may wait for a record (max_wait_ms). */
    public static final int GET_RECORDS_MAX_WAIT_MS = 20_000;

    public static int checkGetRecordsWait(int maxWaitMs) {
        if (maxWaitMs < 0 || maxWaitMs > GET_RECORDS_MAX_WAIT_MS) {
            throw SluiceException.invalidArgument("max_wait_ms", "0.." + GET_RECORDS_MAX_WAIT_MS + " ms",
                    "" + maxWaitMs);
        }
        return maxWaitMs;
    }

    /**
     * Whether a GetRecords answer came back before half of the max_wait_ms it asked for, i.e. the broker did not hold
     * the call (a wait of 0, or a broker without long polling): a caller that got nothing should pause before the
     * next call instead of sending it at once.
     */
    public static boolean answeredEarly(long maxWaitMs, long elapsedNanos) {
        return elapsedNanos < maxWaitMs * 500_000L;
    }

    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Shortens a user-supplied value for an error message. */
    public static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
