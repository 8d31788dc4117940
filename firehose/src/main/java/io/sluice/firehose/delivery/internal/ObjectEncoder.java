package io.sluice.firehose.delivery.internal;

import com.github.luben.zstd.ZstdOutputStream;
import io.sluice.firehose.delivery.Compression;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.xerial.snappy.SnappyFramedOutputStream;

/**
 * Encodes the rows of one object into memory; {@link #finish()} completes the encoding (Parquet footer, compression
 * trailer) and returns the bytes to store. One per open object; confined to the shard's delivery thread.
 */
public abstract sealed class ObjectEncoder {
    protected final ByteSink sink;
    private long rows;

    ObjectEncoder(int initialCapacity) {
        this.sink = new ByteSink(initialCapacity);
    }

    final void write(Object row) throws IOException {
        doWrite(row);
        rows++;
    }

    abstract void doWrite(Object row) throws IOException;

    /** Completes the object; the encoder cannot be written to afterwards. */
    abstract ByteSink finish() throws IOException;

    /** Releases resources without producing an object. */
    abstract void abort();

    long rows() {
        return rows;
    }

    static ObjectEncoder parquet(Schema schema, Compression compression, Configuration conf, long rowGroupBytes)
            throws IOException {
        return new Parquet(schema, compression, conf, rowGroupBytes);
    }

    static ObjectEncoder jsonLines(Compression compression) throws IOException {
        return new JsonLines(compression);
    }

    /** The Hadoop configuration Parquet encoders share: standard (3-level) lists, readable by every engine. */
    static Configuration parquetConf() {
        Configuration conf = new Configuration(false);
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        return conf;
    }

    static CompressionCodecName parquetCodec(Compression c) {
        return switch (c) {
            case NONE -> CompressionCodecName.UNCOMPRESSED;
            case SNAPPY -> CompressionCodecName.SNAPPY;
            case ZSTD -> CompressionCodecName.ZSTD;
            case GZIP -> CompressionCodecName.GZIP;
        };
    }

    /** Parquet through parquet-avro into {@link #sink}. */
    static final class Parquet extends ObjectEncoder {
        private final ParquetWriter<GenericRecord> writer;

        Parquet(Schema schema, Compression compression, Configuration conf, long rowGroupBytes) throws IOException {
            super(64 << 10);
            writer = AvroParquetWriter.<GenericRecord>builder(new MemoryOutputFile(sink))
                    .withSchema(schema)
                    .withDataModel(GenericData.get())
                    .withConf(conf)
                    .withCompressionCodec(parquetCodec(compression))
                    .withRowGroupSize(rowGroupBytes)
                    // unique per row: a dictionary would only be built to be thrown away
                    .withDictionaryEncoding(io.sluice.firehose.delivery.MetadataColumns.SEQUENCE_NUMBER, false)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build();
        }

        @Override
        void doWrite(Object row) throws IOException {
            writer.write((GenericRecord) row);
        }

        @Override
        ByteSink finish() throws IOException {
            writer.close();
            return sink;
        }

        @Override
        void abort() {
            try {
                writer.close();
            } catch (IOException | RuntimeException ignored) {
                // only memory is involved; nothing was stored
            }
        }
    }

    /** One line per row, through the configured compression stream. */
    static final class JsonLines extends ObjectEncoder {
        private final OutputStream out;

        JsonLines(Compression compression) throws IOException {
            super(16 << 10);
            out = switch (compression) {
                case NONE -> sink;
                case GZIP -> new GZIPOutputStream(sink, 64 << 10);
                case ZSTD -> new ZstdOutputStream(sink);
                case SNAPPY -> new SnappyFramedOutputStream(sink);
            };
        }

        @Override
        void doWrite(Object row) throws IOException {
            out.write((byte[]) row);
            out.write('\n');
        }

        @Override
        ByteSink finish() throws IOException {
            out.close();
            return sink;
        }

        @Override
        void abort() {
            try {
                out.close();
            } catch (IOException ignored) {
                // only memory is involved
            }
        }
    }

    /** A Parquet {@link OutputFile} over an in-memory sink. */
    private record MemoryOutputFile(ByteSink sink) implements OutputFile {
        @Override
        public PositionOutputStream create(long blockSizeHint) {
            return stream();
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return stream();
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }

        @Override
        public String getPath() {
            return "memory";
        }

        private PositionOutputStream stream() {
            return new PositionOutputStream() {
                @Override
                public long getPos() {
                    return sink.length();
                }

                @Override
                public void write(int b) {
                    sink.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    sink.write(b, off, len);
                }
            };
        }
    }
}
