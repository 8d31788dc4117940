package io.sluice.firehose.delivery;

/**
 * Compression of delivered objects: inside Parquet, the column chunks' codec; for JSON lines, the whole object
 * (gzip, zstd frame, or snappy framing format), shown by its file extension.
 */
public enum Compression {
    NONE(""),
    SNAPPY(".snappy"),
    ZSTD(".zst"),
    GZIP(".gz");

    private final String jsonLinesSuffix;

    Compression(String jsonLinesSuffix) {
        this.jsonLinesSuffix = jsonLinesSuffix;
    }

    /** The extension added after {@code .jsonl} for JSON lines objects. */
    public String jsonLinesSuffix() {
        return jsonLinesSuffix;
    }
}
