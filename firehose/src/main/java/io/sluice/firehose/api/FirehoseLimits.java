package io.sluice.firehose.api;

/** The Firehose API's request limits (Amazon Data Firehose's). */
public final class FirehoseLimits {
    /** Records in one PutRecordBatch call. */
    public static final int MAX_BATCH_RECORDS = 500;
    /** Data bytes of one PutRecordBatch call. */
    public static final int MAX_BATCH_BYTES = 4 << 20;
    /** Data bytes of one record (1,000 KiB). */
    public static final int MAX_RECORD_BYTES = 1000 * 1024;

    private FirehoseLimits() {
    }
}
