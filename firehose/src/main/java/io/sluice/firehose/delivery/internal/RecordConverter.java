package io.sluice.firehose.delivery.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.firehose.delivery.ConversionException;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.firehose.delivery.MetadataColumns;
import io.sluice.firehose.delivery.PrefixTemplate;
import io.sluice.firehose.delivery.SourceRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns a {@link SourceRecord} into the row its object holds, per data format. Conversion depends on the record's
 * content only, so a record replayed after a crash converts (or fails) exactly as before. Thread-safe.
 */
public abstract sealed class RecordConverter {
    static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    static final ObjectMapper MAPPER = new ObjectMapper(JSON)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // JSON lines re-serialize the record: keep numbers exactly as written (2.50 stays 2.50)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

    /** The Avro schema of the Parquet rows, or null for JSON lines. */
    public abstract Schema rowSchema();

    /**
     * @throws ConversionException when the record cannot be delivered in this format
     */
    abstract Converted convert(SourceRecord record) throws ConversionException;

    /**
     * The outcome of one record: its row and key prefix, or (failure set) the error line for the error prefix
     * and that prefix.
     */
    public record Result(Object row, String prefix, ConversionException failure, byte[] errorLine) {
    }

    /** Converts a record and renders its prefix; a failure of either routes it to the error prefix. */
    public Result convertAndRoute(SourceRecord r, DeliveryStreamConfig config) {
        try {
            Converted c = convert(r);
            return new Result(c.row(), config.prefix().render(r.arrivalTimeMs(), c.fields()), null, null);
        } catch (ConversionException e) {
            String errorPrefix;
            try {
                errorPrefix = config.errorOutputPrefix().render(r.arrivalTimeMs(), path -> null);
            } catch (ConversionException impossible) {
                throw new IllegalStateException("error_output_prefix has no fields: " + impossible.getMessage());
            }
            return new Result(null, errorPrefix, e, ErrorRecords.line(config.name(), r, e));
        }
    }

    public static RecordConverter forConfig(DeliveryStreamConfig config) {
        return switch (config.dataFormat()) {
            case PARQUET -> new JsonToParquet(config.userSchema());
            case RAW_PARQUET -> new Raw();
            case JSON_LINES -> new JsonLines();
        };
    }

    static void putMetadata(GenericData.Record rec, int first, SourceRecord r) {
        rec.put(first, r.shardId());
        rec.put(first + 1, r.sequenceNumber());
        rec.put(first + 2, r.arrivalTimeMs());
        rec.put(first + 3, r.partitionKey());
    }

    /** Parses a record as a JSON object tree (for raw and JSON lines partitioning). */
    static ObjectNode parseObject(byte[] data) throws ConversionException {
        JsonNode node;
        try {
            node = MAPPER.readTree(data);
        } catch (IOException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    ? jpe.getOriginalMessage() : e.getMessage();
            throw new ConversionException(ConversionException.JSON_PARSE_ERROR, String.valueOf(msg));
        }
        if (node == null || node.isMissingNode()) {
            throw new ConversionException(ConversionException.JSON_PARSE_ERROR, "empty record");
        }
        if (!node.isObject()) {
            throw new ConversionException(ConversionException.NOT_A_JSON_OBJECT, "expected a JSON object, got "
                    + node.getNodeType().name().toLowerCase());
        }
        return (ObjectNode) node;
    }

    static Object treeField(ObjectNode root, List<String> path) {
        JsonNode n = root;
        for (String name : path) {
            n = n.isObject() ? n.get(name) : null;
            if (n == null) {
                return null;
            }
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.isNull() ? null : n; // an object or array: PrefixTemplate rejects it as not a scalar
    }

    /** PARQUET: JSON object to the schema's columns plus metadata columns. */
    static final class JsonToParquet extends RecordConverter {
        private final Schema user;
        private final Schema full;
        private final int metadataPos;
        private final JsonAvroReader reader = new JsonAvroReader(JSON);

        JsonToParquet(Schema user) {
            this.user = user;
            this.full = MetadataColumns.withMetadata(user);
            this.metadataPos = user.getFields().size();
        }

        @Override
        public Schema rowSchema() {
            return full;
        }

        @Override
        Converted convert(SourceRecord r) throws ConversionException {
            GenericData.Record rec = reader.read(r.data(), user, full);
            putMetadata(rec, metadataPos, r);
            return new Converted(rec, path -> recordField(rec, path));
        }

        private static Object recordField(GenericRecord rec, List<String> path) {
            Object v = rec;
            for (String name : path) {
                if (!(v instanceof GenericRecord g) || g.getSchema().getField(name) == null) {
                    return null;
                }
                v = g.get(name);
            }
            return v;
        }
    }

    /** RAW_PARQUET: the payload as put, plus metadata columns; parsed only when a prefix reads its fields. */
    static final class Raw extends RecordConverter {
        private final Schema schema = MetadataColumns.rawSchema();

        @Override
        public Schema rowSchema() {
            return schema;
        }

        @Override
        Converted convert(SourceRecord r) {
            GenericData.Record rec = new GenericData.Record(schema);
            rec.put(0, ByteBuffer.wrap(r.data()));
            putMetadata(rec, 1, r);
            return new Converted(rec, new PrefixTemplate.FieldLookup() {
                private ObjectNode tree;

                @Override
                public Object get(List<String> path) throws ConversionException {
                    if (tree == null) {
                        tree = parseObject(r.data());
                    }
                    return treeField(tree, path);
                }
            });
        }
    }

    /** JSON_LINES: the record's object, compacted to one line, with the metadata members appended. */
    static final class JsonLines extends RecordConverter {
        @Override
        public Schema rowSchema() {
            return null;
        }

        @Override
        Converted convert(SourceRecord r) throws ConversionException {
            ObjectNode tree = parseObject(r.data());
            for (String reserved : MetadataColumns.NAMES) {
                if (tree.has(reserved)) {
                    throw new ConversionException(ConversionException.RESERVED_FIELD, "the object already has a "
                            + "member '" + reserved + "', which JSON lines delivery adds");
                }
            }
            tree.put(MetadataColumns.SHARD_ID, r.shardId());
            tree.put(MetadataColumns.SEQUENCE_NUMBER, r.sequenceNumber());
            tree.put(MetadataColumns.ARRIVAL_TIME, r.arrivalTimeMs());
            tree.put(MetadataColumns.PARTITION_KEY, r.partitionKey());
            byte[] line;
            try {
                line = MAPPER.writeValueAsBytes(tree);
            } catch (IOException e) {
                throw new IllegalStateException("cannot serialize a parsed JSON tree", e);
            }
            return new Converted(line, path -> treeField(tree, path));
        }
    }
}
