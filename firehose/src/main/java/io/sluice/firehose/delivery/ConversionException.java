package io.sluice.firehose.delivery;

/**
 * A record that cannot be delivered as configured: it is not valid JSON, does not fit the schema, or lacks a
 * partitioning field. Such records land in the error prefix with {@link #errorCode()} and the message; this is an
 * outcome of the record's content, never of the environment, so the same record always fails the same way.
 */
public final class ConversionException extends Exception {
    /** The record is not parseable JSON (or has content after the JSON value). */
    public static final String JSON_PARSE_ERROR = "JSON_PARSE_ERROR";
    /** The record is valid JSON but not a JSON object. */
    public static final String NOT_A_JSON_OBJECT = "NOT_A_JSON_OBJECT";
    /** A value does not fit the Avro schema (wrong type, out of range, missing required field). */
    public static final String SCHEMA_MISMATCH = "SCHEMA_MISMATCH";
    /** A JSON lines record already has a member named like a metadata column. */
    public static final String RESERVED_FIELD = "RESERVED_FIELD";
    /** The field a !{partitionKey:...} expression names is missing, null, empty or not a scalar. */
    public static final String PARTITION_KEY_MISSING = "PARTITION_KEY_MISSING";

    private final String errorCode;

    public ConversionException(String errorCode, String message) {
        super(message, null, false, false);
        this.errorCode = errorCode;
    }

    public String errorCode() {
        return errorCode;
    }
}
