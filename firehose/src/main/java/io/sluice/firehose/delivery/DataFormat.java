package io.sluice.firehose.delivery;

/** What a delivered object holds. */
public enum DataFormat {
    /** Parquet with the columns of the delivery stream's Avro schema (records are JSON objects) plus metadata columns. */
    PARQUET,
    /** Parquet with the record's bytes as they were put ({@code data}) plus metadata columns; nothing is parsed. */
    RAW_PARQUET,
    /** One JSON object per line: the record's object with the metadata members appended. */
    JSON_LINES
}
