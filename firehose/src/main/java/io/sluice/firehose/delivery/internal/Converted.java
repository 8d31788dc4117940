package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.PrefixTemplate;

/**
 * A record converted for its object: the row the encoder writes ({@link org.apache.avro.generic.GenericRecord} for
 * Parquet, a {@code byte[]} line for JSON lines) and access to its fields for partitioning.
 */
record Converted(Object row, PrefixTemplate.FieldLookup fields) {
}
