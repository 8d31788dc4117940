package io.sluice.firehose.delivery;

import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * A delivery stream's definition: where records come from, where and how they are delivered. Immutable; built and
 * validated by {@link Builder#build()}, which throws {@link SluiceException} INVALID_ARGUMENT naming the field (as
 * {@code firehose.proto} names it) and the limit.
 */
public final class DeliveryStreamConfig {
    public static final int MAX_NAME_CHARS = 64;
    public static final int MAX_OPEN_PARTITIONS = 10_000;
    public static final int DEFAULT_MAX_OPEN_PARTITIONS = 100;
    public static final int MAX_SCHEMA_CHARS = 1 << 20;
    public static final int MAX_BACKING_STREAM_SHARDS = 100_000;
    public static final String DEFAULT_PREFIX = "!{timestamp:yyyy/MM/dd/HH}/";
    public static final String DEFAULT_ERROR_PREFIX = "errors/!{timestamp:yyyy/MM/dd/HH}/";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1," + MAX_NAME_CHARS + "}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /** Where a delivery stream's records come from. */
    public enum SourceKind {
        /** An existing Sluice stream, read with the consumer SDK. */
        SLUICE_STREAM,
        /** PutRecord(Batch) calls to Firehose, first made durable in a backing Sluice stream of their own. */
        DIRECT_PUT
    }

    private final String name;
    private final SourceKind sourceKind;
    private final String sourceStreamName;
    private final URI destination;
    private final PrefixTemplate prefix;
    private final PrefixTemplate errorOutputPrefix;
    private final BufferingHints bufferingHints;
    private final DataFormat dataFormat;
    private final Compression compression;
    private final Schema userSchema;
    private final ZoneId timeZone;
    private final int maxOpenPartitions;
    private final int backingStreamShards;

    private DeliveryStreamConfig(Builder b, URI destination, PrefixTemplate prefix, PrefixTemplate errorOutputPrefix,
                                 Schema userSchema, ZoneId timeZone) {
        this.name = b.name;
        this.sourceKind = b.sourceKind;
        this.sourceStreamName = b.sourceStreamName;
        this.destination = destination;
        this.prefix = prefix;
        this.errorOutputPrefix = errorOutputPrefix;
        this.bufferingHints = b.bufferingHints;
        this.dataFormat = b.dataFormat;
        this.compression = b.compression;
        this.userSchema = userSchema;
        this.timeZone = timeZone;
        this.maxOpenPartitions = b.maxOpenPartitions;
        this.backingStreamShards = b.backingStreamShards;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public SourceKind sourceKind() {
        return sourceKind;
    }

    /** The stream records are read from: the source stream, or for direct put the backing stream. */
    public String sourceStreamName() {
        return sourceStreamName;
    }

    /** {@code file:///dir} or {@code s3a://bucket/prefix}, normalized without a trailing slash. */
    public URI destination() {
        return destination;
    }

    public PrefixTemplate prefix() {
        return prefix;
    }

    public PrefixTemplate errorOutputPrefix() {
        return errorOutputPrefix;
    }

    public BufferingHints bufferingHints() {
        return bufferingHints;
    }

    public DataFormat dataFormat() {
        return dataFormat;
    }

    public Compression compression() {
        return compression;
    }

    /** The Avro schema given at creation (PARQUET only; null otherwise), without the metadata columns. */
    public Schema userSchema() {
        return userSchema;
    }

    public ZoneId timeZone() {
        return timeZone;
    }

    /** Most distinct prefixes one shard's buffer may hold before it is delivered early. */
    public int maxOpenPartitions() {
        return maxOpenPartitions;
    }

    /** DIRECT_PUT: shards of the backing stream. */
    public int backingStreamShards() {
        return backingStreamShards;
    }

    /** The backing stream's name for a direct-put delivery stream called {@code name}. */
    public static String backingStreamName(String name) {
        return "firehose-" + name;
    }

    /** Collects the definition's fields; {@link #build()} validates them all. */
    public static final class Builder {
        private String name;
        private SourceKind sourceKind = SourceKind.DIRECT_PUT;
        private String sourceStreamName;
        private String destination;
        private String prefix = DEFAULT_PREFIX;
        private String errorOutputPrefix = DEFAULT_ERROR_PREFIX;
        private BufferingHints bufferingHints = BufferingHints.DEFAULTS;
        private DataFormat dataFormat = DataFormat.PARQUET;
        private Compression compression = Compression.SNAPPY;
        private String avroSchema;
        private String timeZone = "UTC";
        private int maxOpenPartitions = DEFAULT_MAX_OPEN_PARTITIONS;
        private int backingStreamShards = 1;

        private Builder() {
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        /** Reads an existing Sluice stream. */
        public Builder sourceStream(String streamName) {
            sourceKind = SourceKind.SLUICE_STREAM;
            sourceStreamName = streamName;
            return this;
        }

        /** Accepts PutRecord(Batch); records are kept in the backing stream {@link #backingStreamName}. */
        public Builder directPut() {
            sourceKind = SourceKind.DIRECT_PUT;
            sourceStreamName = null;
            return this;
        }

        public Builder destination(String v) {
            destination = v;
            return this;
        }

        /** Empty for the default {@value DEFAULT_PREFIX}. */
        public Builder prefix(String v) {
            prefix = v;
            return this;
        }

        /** Empty for the default {@value DEFAULT_ERROR_PREFIX}. */
        public Builder errorOutputPrefix(String v) {
            errorOutputPrefix = v;
            return this;
        }

        public Builder bufferingHints(BufferingHints v) {
            bufferingHints = v;
            return this;
        }

        public Builder dataFormat(DataFormat v) {
            dataFormat = v;
            return this;
        }

        public Builder compression(Compression v) {
            compression = v;
            return this;
        }

        /** The Avro schema (JSON) of a PARQUET delivery stream: a record whose fields are the JSON members. */
        public Builder avroSchema(String v) {
            avroSchema = v;
            return this;
        }

        /** An IANA zone id or offset for !{timestamp:...} expressions; empty for UTC. */
        public Builder timeZone(String v) {
            timeZone = v;
            return this;
        }

        public Builder maxOpenPartitions(int v) {
            maxOpenPartitions = v;
            return this;
        }

        /** DIRECT_PUT: shards of the backing stream (the cluster checks its own upper limit). */
        public Builder backingStreamShards(int v) {
            backingStreamShards = v;
            return this;
        }

        /**
         * @throws SluiceException INVALID_ARGUMENT naming the first bad field
         */
        public DeliveryStreamConfig build() {
            if (name != null && (name.equals(".") || name.equals(".."))) {
                // the name is a path element of the batch intents' keys (_sluice/NAME/...)
                throw SluiceException.invalidArgument("delivery_stream_name", "a name other than . and .. (it names "
                        + "a directory of the destination)", "'" + name + "'");
            }
            if (name == null || !NAME.matcher(name).matches()) {
                throw SluiceException.invalidArgument("delivery_stream_name", "a name matching [a-zA-Z0-9_.-]{1,"
                        + MAX_NAME_CHARS + "}", name == null ? "none" : "'" + Limits.abbreviate(name) + "'");
            }
            if (sourceKind == SourceKind.SLUICE_STREAM) {
                Limits.checkStreamName(sourceStreamName, "source.stream_name");
            } else {
                sourceStreamName = backingStreamName(name);
            }
            URI dest = parseDestination(destination);
            ZoneId zone;
            try {
                zone = timeZone == null || timeZone.isEmpty() ? ZoneOffset.UTC : ZoneId.of(timeZone);
            } catch (DateTimeException e) {
                throw SluiceException.invalidArgument("time_zone", "an IANA time zone id (Europe/Paris) or offset "
                        + "(+02:00)", "'" + Limits.abbreviate(timeZone) + "'");
            }
            PrefixTemplate p = PrefixTemplate.parse(orDefault(prefix, DEFAULT_PREFIX), zone, "prefix");
            PrefixTemplate ep = PrefixTemplate.parse(orDefault(errorOutputPrefix, DEFAULT_ERROR_PREFIX), zone,
                    "error_output_prefix");
            if (ep.usesFields()) {
                throw SluiceException.invalidArgument("error_output_prefix", "a prefix without !{partitionKey:...} "
                        + "(a failed record may lack the field)", "'" + ep + "'");
            }
            if (p.toString().equals(ep.toString())) {
                throw SluiceException.invalidArgument("error_output_prefix", "a prefix different from prefix",
                        "'" + ep + "'");
            }
            Objects.requireNonNull(bufferingHints, "bufferingHints").validate("buffering_hints");
            if (dataFormat == null) {
                throw SluiceException.invalidArgument("data_format", "PARQUET, RAW_PARQUET or JSON_LINES", "none");
            }
            if (compression == null) {
                throw SluiceException.invalidArgument("compression", "NONE, SNAPPY, ZSTD or GZIP", "none");
            }
            if (maxOpenPartitions < 1 || maxOpenPartitions > MAX_OPEN_PARTITIONS) {
                throw SluiceException.invalidArgument("max_open_partitions", "1.." + MAX_OPEN_PARTITIONS,
                        "" + maxOpenPartitions);
            }
            if (backingStreamShards < 1 || backingStreamShards > MAX_BACKING_STREAM_SHARDS) {
                throw SluiceException.invalidArgument("backing_stream_shards", "1.." + MAX_BACKING_STREAM_SHARDS,
                        "" + backingStreamShards);
            }
            Schema schema = null;
            if (dataFormat == DataFormat.PARQUET) {
                schema = parseSchema(avroSchema);
                for (List<String> path : p.fieldPaths()) {
                    checkPartitionField(schema, path);
                }
            } else if (avroSchema != null && !avroSchema.isEmpty()) {
                throw SluiceException.invalidArgument("avro_schema", "empty unless data_format is PARQUET",
                        "a schema with data_format " + dataFormat);
            }
            return new DeliveryStreamConfig(this, dest, p, ep, schema, zone);
        }

        private static String orDefault(String v, String def) {
            return v == null || v.isEmpty() ? def : v;
        }

        private static URI parseDestination(String text) {
            String field = "destination";
            String expected = "file:///absolute/dir or s3a://bucket[/prefix]";
            if (text == null || text.isEmpty()) {
                throw SluiceException.invalidArgument(field, expected, "none");
            }
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw SluiceException.invalidArgument(field, expected, "'" + Limits.abbreviate(text) + "' ("
                        + e.getReason() + ")");
            }
            if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
                throw SluiceException.invalidArgument(field, expected + " without user info, query or fragment",
                        "'" + Limits.abbreviate(text) + "'");
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            while (path.endsWith("/") && path.length() > 1) {
                path = path.substring(0, path.length() - 1);
            }
            if ("file".equals(uri.getScheme())) {
                if ((uri.getAuthority() != null && !uri.getAuthority().isEmpty()) || !path.startsWith("/")) {
                    throw SluiceException.invalidArgument(field, "file:///absolute/dir (an absolute path, no host)",
                            "'" + Limits.abbreviate(text) + "'");
                }
                return URI.create("file://" + path);
            }
            if ("s3a".equals(uri.getScheme())) {
                String bucket = uri.getHost();
                if (bucket == null || !BUCKET.matcher(bucket).matches()) {
                    throw SluiceException.invalidArgument(field, "s3a://bucket[/prefix] with a bucket name of 3..63 "
                            + "characters [a-z0-9.-]", "'" + Limits.abbreviate(text) + "'");
                }
                if (path.equals("/")) {
                    path = "";
                }
                return URI.create("s3a://" + bucket + path);
            }
            throw SluiceException.invalidArgument(field, expected, "'" + Limits.abbreviate(text) + "'");
        }

        private static Schema parseSchema(String text) {
            String field = "avro_schema";
            if (text == null || text.isEmpty()) {
                throw SluiceException.invalidArgument(field, "an Avro record schema (JSON) for data_format PARQUET",
                        "none");
            }
            if (text.length() > MAX_SCHEMA_CHARS) {
                throw SluiceException.overLimit(field, "schema length", text.length(), MAX_SCHEMA_CHARS,
                        "characters");
            }
            Schema schema;
            try {
                schema = new Schema.Parser().parse(text);
            } catch (org.apache.avro.AvroRuntimeException e) {
                throw SluiceException.invalidArgument(field, "a valid Avro schema", "an invalid one: "
                        + e.getMessage());
            }
            if (schema.getType() != Schema.Type.RECORD) {
                throw SluiceException.invalidArgument(field, "an Avro schema of type record", "type "
                        + schema.getType().getName());
            }
            if (schema.getFields().isEmpty()) {
                throw SluiceException.invalidArgument(field, "a record schema with at least one field", "none");
            }
            for (Schema.Field f : schema.getFields()) {
                if (MetadataColumns.NAMES.contains(f.name())) {
                    throw SluiceException.invalidArgument(field, "field names other than the metadata columns "
                            + MetadataColumns.NAMES, "a field named " + f.name());
                }
            }
            return schema;
        }

        private static void checkPartitionField(Schema schema, List<String> path) {
            Schema s = schema;
            for (String name : path) {
                s = nonNull(s);
                Schema.Field f = s.getType() == Schema.Type.RECORD ? s.getField(name) : null;
                if (f == null) {
                    throw SluiceException.invalidArgument("prefix", "!{partitionKey:FIELD} naming a field of "
                            + "avro_schema", "'" + String.join(".", path) + "', which the schema does not have");
                }
                s = f.schema();
            }
            Schema.Type t = nonNull(s).getType();
            if (t != Schema.Type.STRING && t != Schema.Type.INT && t != Schema.Type.LONG && t != Schema.Type.BOOLEAN
                    && t != Schema.Type.ENUM && t != Schema.Type.FLOAT && t != Schema.Type.DOUBLE) {
                throw SluiceException.invalidArgument("prefix", "!{partitionKey:FIELD} naming a string, number, "
                        + "boolean or enum field", "'" + String.join(".", path) + "' of type " + t.getName());
            }
        }

        private static Schema nonNull(Schema s) {
            if (s.getType() == Schema.Type.UNION) {
                List<Schema> branches = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
                return branches.size() == 1 ? branches.get(0) : s;
            }
            return s;
        }
    }

    @Override
    public String toString() {
        return "DeliveryStream[" + name + ": " + sourceKind + " " + sourceStreamName + " -> " + destination + "/"
                + prefix + " " + dataFormat + "/" + compression + " " + bufferingHints + "]";
    }
}
