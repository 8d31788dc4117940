package io.sluice.firehose.delivery.internal;

import io.sluice.firehose.delivery.Compression;
import io.sluice.firehose.delivery.DataFormat;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;

/** Creates the encoders of a delivery stream's objects (and of its error objects, JSON lines in its compression). */
public final class Encoders {
    /** Parquet row groups: one per object for objects up to this size. */
    static final long ROW_GROUP_BYTES = 128L << 20;

    private final DataFormat format;
    private final Compression compression;
    private final Schema rowSchema;
    private final Configuration conf;

    public Encoders(DeliveryStreamConfig config, Schema rowSchema) {
        this.format = config.dataFormat();
        this.compression = config.compression();
        this.rowSchema = rowSchema;
        this.conf = format == DataFormat.JSON_LINES ? null : ObjectEncoder.parquetConf();
    }

    public ObjectEncoder forObject() throws IOException {
        return format == DataFormat.JSON_LINES ? ObjectEncoder.jsonLines(compression)
                : ObjectEncoder.parquet(rowSchema, compression, conf, ROW_GROUP_BYTES);
    }

    /** Error objects are JSON lines compressed like the delivery stream's JSON lines objects would be. */
    public ObjectEncoder forErrors() throws IOException {
        return ObjectEncoder.jsonLines(compression);
    }
}
