package io.sluice.firehose.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** Reads Parquet back with parquet-avro, from memory or from a Hadoop path. */
public final class ParquetFiles {
    private ParquetFiles() {
    }

    public static List<GenericRecord> read(byte[] bytes) throws IOException {
        return read(new BytesInputFile(bytes));
    }

    public static List<GenericRecord> read(Path path, Configuration conf) throws IOException {
        return read(HadoopInputFile.fromPath(path, conf));
    }

    public static List<GenericRecord> read(InputFile file) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(file)
                .withDataModel(GenericData.get()).build()) {
            GenericRecord r;
            while ((r = reader.read()) != null) {
                out.add(r);
            }
        }
        return out;
    }

    private record BytesInputFile(byte[] bytes) implements InputFile {
        @Override
        public long getLength() {
            return bytes.length;
        }

        @Override
        public SeekableInputStream newStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            return new DelegatingSeekableInputStream(in) {
                @Override
                public long getPos() {
                    return bytes.length - in.available();
                }

                @Override
                public void seek(long newPos) {
                    in.reset();
                    in.skip(newPos);
                }
            };
        }
    }
}
