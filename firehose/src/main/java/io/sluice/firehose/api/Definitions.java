package io.sluice.firehose.api;

import io.sluice.common.SluiceException;
import io.sluice.firehose.delivery.BufferingHints;
import io.sluice.firehose.delivery.Compression;
import io.sluice.firehose.delivery.DataFormat;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.ErrorDetail;
import io.sluice.proto.v1.SourceType;

/**
 * The one adapter between the wire's {@link DeliveryStreamDefinition} (firehose.proto) and the validated
 * {@link DeliveryStreamConfig}. Errors name the request's field ({@code definition.buffering_hints.size_in_mibs}).
 */
public final class Definitions {
    private Definitions() {
    }

    /**
     * Validates a definition as sent in a request; unset fields take their defaults.
     *
     * @param fieldPrefix prefix of field names in errors, e.g. {@code "definition."}
     * @throws SluiceException INVALID_ARGUMENT naming the field
     */
    public static DeliveryStreamConfig fromProto(DeliveryStreamDefinition d, String fieldPrefix) {
        try {
            DeliveryStreamConfig.Builder b = DeliveryStreamConfig.builder()
                    .name(d.getDeliveryStreamName())
                    .destination(d.getDestination())
                    .prefix(d.getPrefix())
                    .errorOutputPrefix(d.getErrorOutputPrefix())
                    .avroSchema(d.getAvroSchema())
                    .timeZone(d.getTimeZone());
            switch (d.getSourceType()) {
                case DIRECT_PUT, SOURCE_TYPE_UNSPECIFIED -> b.directPut();
                case SLUICE_STREAM -> b.sourceStream(d.getSourceStreamName());
                default -> throw SluiceException.invalidArgument("source_type", "DIRECT_PUT or SLUICE_STREAM",
                        d.getSourceTypeValue() + "");
            }
            if (d.getSourceType() != SourceType.SLUICE_STREAM && !d.getSourceStreamName().isEmpty()
                    && !d.getSourceStreamName().equals(DeliveryStreamConfig.backingStreamName(d.getDeliveryStreamName()))) {
                throw SluiceException.invalidArgument("source_stream_name", "empty for DIRECT_PUT (the backing stream "
                        + "is named by Firehose)", "'" + d.getSourceStreamName() + "'");
            }
            BufferingHints defaults = BufferingHints.DEFAULTS;
            b.bufferingHints(new BufferingHints(
                    d.getBufferingHints().getSizeInMibs() == 0 ? defaults.sizeMib() : d.getBufferingHints().getSizeInMibs(),
                    d.getBufferingHints().hasIntervalInSeconds() ? d.getBufferingHints().getIntervalInSeconds()
                            : defaults.intervalSeconds()));
            b.dataFormat(switch (d.getDataFormat()) {
                case PARQUET, DATA_FORMAT_UNSPECIFIED -> DataFormat.PARQUET;
                case RAW_PARQUET -> DataFormat.RAW_PARQUET;
                case JSON_LINES -> DataFormat.JSON_LINES;
                default -> throw SluiceException.invalidArgument("data_format", "PARQUET, RAW_PARQUET or JSON_LINES",
                        d.getDataFormatValue() + "");
            });
            b.compression(switch (d.getCompression()) {
                case SNAPPY, COMPRESSION_UNSPECIFIED -> Compression.SNAPPY;
                case UNCOMPRESSED -> Compression.NONE;
                case ZSTD -> Compression.ZSTD;
                case GZIP -> Compression.GZIP;
                default -> throw SluiceException.invalidArgument("compression", "UNCOMPRESSED, SNAPPY, ZSTD or GZIP",
                        d.getCompressionValue() + "");
            });
            b.maxOpenPartitions(d.getMaxOpenPartitions() == 0 ? DeliveryStreamConfig.DEFAULT_MAX_OPEN_PARTITIONS
                    : d.getMaxOpenPartitions());
            b.backingStreamShards(d.getBackingStreamShards() == 0 ? 1 : d.getBackingStreamShards());
            return b.build();
        } catch (SluiceException e) {
            throw prefixed(e, fieldPrefix);
        }
    }

    /** The definition with every default filled in, as stored in the metadata group and described. */
    public static DeliveryStreamDefinition toProto(DeliveryStreamConfig c) {
        DeliveryStreamDefinition.Builder b = DeliveryStreamDefinition.newBuilder()
                .setDeliveryStreamName(c.name())
                .setSourceType(c.sourceKind() == DeliveryStreamConfig.SourceKind.DIRECT_PUT ? SourceType.DIRECT_PUT
                        : SourceType.SLUICE_STREAM)
                .setSourceStreamName(c.sourceStreamName())
                .setDestination(c.destination().toString())
                .setPrefix(c.prefix().toString())
                .setErrorOutputPrefix(c.errorOutputPrefix().toString())
                .setBufferingHints(io.sluice.proto.v1.BufferingHints.newBuilder()
                        .setSizeInMibs(c.bufferingHints().sizeMib())
                        .setIntervalInSeconds(c.bufferingHints().intervalSeconds()))
                .setDataFormat(switch (c.dataFormat()) {
                    case PARQUET -> io.sluice.proto.v1.DataFormat.PARQUET;
                    case RAW_PARQUET -> io.sluice.proto.v1.DataFormat.RAW_PARQUET;
                    case JSON_LINES -> io.sluice.proto.v1.DataFormat.JSON_LINES;
                })
                .setCompression(switch (c.compression()) {
                    case NONE -> io.sluice.proto.v1.Compression.UNCOMPRESSED;
                    case SNAPPY -> io.sluice.proto.v1.Compression.SNAPPY;
                    case ZSTD -> io.sluice.proto.v1.Compression.ZSTD;
                    case GZIP -> io.sluice.proto.v1.Compression.GZIP;
                })
                .setTimeZone(c.timeZone().getId())
                .setMaxOpenPartitions(c.maxOpenPartitions());
        if (c.userSchema() != null) {
            b.setAvroSchema(c.userSchema().toString());
        }
        if (c.sourceKind() == DeliveryStreamConfig.SourceKind.DIRECT_PUT) {
            b.setBackingStreamShards(c.backingStreamShards());
        }
        return b.build();
    }

    static SluiceException prefixed(SluiceException e, String prefix) {
        ErrorDetail d = e.detail();
        if (d.getField().isEmpty() || prefix.isEmpty()) {
            return e;
        }
        String field = prefix + d.getField();
        return new SluiceException(d.toBuilder().setField(field)
                .setMessage(d.getMessage().startsWith(d.getField() + ":") ? field + d.getMessage()
                        .substring(d.getField().length()) : d.getMessage()).build(), e);
    }
}
