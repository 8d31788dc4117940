package io.sluice.cli;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.BufferingHints;
import io.sluice.proto.v1.Compression;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.DataFormat;
import io.sluice.proto.v1.DeleteDeliveryStreamRequest;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DeliveryStreamDescription;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.FirehosePutRecordRequest;
import io.sluice.proto.v1.FirehosePutRecordResponse;
import io.sluice.proto.v1.FirehoseRecord;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import io.sluice.proto.v1.PutRecordBatchRequest;
import io.sluice.proto.v1.PutRecordBatchResponse;
import io.sluice.proto.v1.PutRecordBatchResponseEntry;
import io.sluice.proto.v1.SourceType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "firehose", mixinStandardHelpOptions = true,
        description = {"Create, describe, list and delete delivery streams, and put records into them.",
                "These commands talk to a Firehose process (--firehose-endpoint), not to a broker."},
        subcommands = {FirehoseCommands.Create.class, FirehoseCommands.Describe.class,
                FirehoseCommands.ListDeliveryStreams.class, FirehoseCommands.Delete.class,
                FirehoseCommands.Put.class})
final class FirehoseCommands {
    /** PutRecordBatch's limits (firehose.proto); the Firehose process enforces them too. */
    static final int MAX_BATCH_RECORDS = 500;
    static final int MAX_BATCH_BYTES = 4 << 20;
    static final int MAX_RECORD_BYTES = 1000 * 1024;

    @ParentCommand
    SluiceCli cli;

    static final List<String> HEADER = List.of("DELIVERY STREAM", "SOURCE", "DESTINATION", "FORMAT", "BUFFER",
            "CREATED");

    static List<String> row(DeliveryStreamDescription d) {
        DeliveryStreamDefinition def = d.getDefinition();
        String source = def.getSourceType() == SourceType.DIRECT_PUT ? "direct put (" + def.getSourceStreamName()
                + ")" : "stream " + def.getSourceStreamName();
        String format = def.getDataFormat().name() + "/" + def.getCompression().name();
        String buffer = def.getBufferingHints().getSizeInMibs() + " MiB or "
                + def.getBufferingHints().getIntervalInSeconds() + " s";
        return List.of(def.getDeliveryStreamName(), source, def.getDestination() + " " + def.getPrefix(), format,
                buffer, Instant.ofEpochMilli(d.getCreateTimestampMs()).toString());
    }

    void print(DeliveryStreamDescription d, com.google.protobuf.MessageOrBuilder json) {
        if (cli.output == SluiceCli.Format.json) {
            Output.json(cli.out, json);
        } else {
            Output.table(cli.out, HEADER, List.of(row(d)));
        }
    }

    enum Format { parquet, raw_parquet, json_lines }

    enum Codec { snappy, zstd, gzip, none }

    @Command(name = "create", mixinStandardHelpOptions = true, description = {
            "Create a delivery stream that delivers a Sluice stream (--source-stream) or records put to it directly "
                    + "(the default: 'sluice firehose put') to DESTINATION.",
            "PARQUET needs an Avro record schema (--schema or --schema-file): each record's JSON object fills its "
                    + "columns. Unset options take Firehose's defaults (5 MiB or 300 s, SNAPPY, prefix "
                    + "!{timestamp:yyyy/MM/dd/HH}/)."})
    static final class Create implements Callable<Integer> {
        @ParentCommand
        FirehoseCommands parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "Delivery stream name: [a-zA-Z0-9_.-]{1,64}.")
        String name;
        @Option(names = "--destination", required = true,
                description = "file:///absolute/dir or s3a://bucket[/prefix].")
        String destination;
        @Option(names = "--source-stream", description = "Deliver this Sluice stream (default: direct put).")
        String sourceStream;
        @Option(names = "--format", defaultValue = "parquet",
                description = "parquet, raw_parquet or json_lines (default ${DEFAULT-VALUE}).")
        Format format;
        @Option(names = "--compression", description = "snappy (default), zstd, gzip or none.")
        Codec compression;
        @Option(names = "--schema", description = "The Avro schema as JSON (PARQUET).")
        String schema;
        @Option(names = "--schema-file", description = "A file holding the Avro schema (PARQUET).")
        Path schemaFile;
        @Option(names = "--prefix", description = "Key prefix, with !{timestamp:PATTERN} and !{partitionKey:FIELD}.")
        String prefix;
        @Option(names = "--error-prefix", description = "Prefix for records that fail conversion.")
        String errorPrefix;
        @Option(names = "--buffer-mib", description = "Deliver when this many MiB are buffered (1..128).")
        Integer bufferMib;
        @Option(names = "--buffer-seconds", description = "... or this many seconds after the first (0..900).")
        Integer bufferSeconds;
        @Option(names = "--time-zone", description = "Zone for !{timestamp:...} (default UTC).")
        String timeZone;
        @Option(names = "--max-open-partitions", description = "Distinct prefixes per shard buffer (default 100).")
        Integer maxOpenPartitions;
        @Option(names = "--backing-shards", description = "Direct put: shards of the backing stream (default 1).")
        Integer backingShards;

        @Override
        public Integer call() throws IOException {
            if (schema != null && schemaFile != null) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "give --schema or --schema-file, not both");
            }
            DeliveryStreamDefinition.Builder d = DeliveryStreamDefinition.newBuilder().setDeliveryStreamName(name)
                    .setDestination(destination)
                    .setDataFormat(DataFormat.valueOf(format.name().toUpperCase(Locale.ROOT)));
            if (sourceStream != null) {
                d.setSourceType(SourceType.SLUICE_STREAM).setSourceStreamName(sourceStream);
            } else {
                d.setSourceType(SourceType.DIRECT_PUT);
            }
            if (compression != null) {
                d.setCompression(compression == Codec.none ? Compression.UNCOMPRESSED
                        : Compression.valueOf(compression.name().toUpperCase(Locale.ROOT)));
            }
            if (schema != null) {
                d.setAvroSchema(schema);
            } else if (schemaFile != null) {
                d.setAvroSchema(Files.readString(schemaFile, StandardCharsets.UTF_8));
            }
            if (prefix != null) {
                d.setPrefix(prefix);
            }
            if (errorPrefix != null) {
                d.setErrorOutputPrefix(errorPrefix);
            }
            if (bufferMib != null || bufferSeconds != null) {
                BufferingHints.Builder h = BufferingHints.newBuilder();
                if (bufferMib != null) {
                    h.setSizeInMibs(bufferMib);
                }
                if (bufferSeconds != null) {
                    h.setIntervalInSeconds(bufferSeconds);
                }
                d.setBufferingHints(h);
            }
            if (timeZone != null) {
                d.setTimeZone(timeZone);
            }
            if (maxOpenPartitions != null) {
                d.setMaxOpenPartitions(maxOpenPartitions);
            }
            if (backingShards != null) {
                d.setBackingStreamShards(backingShards);
            }
            var r = parent.cli.firehose().createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                    .setDefinition(d).build());
            parent.print(r.getDescription(), r);
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Describe a delivery stream, every default filled in.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        FirehoseCommands parent;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            var r = parent.cli.firehose().describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                    .setDeliveryStreamName(name).build());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, r);
                return SluiceCli.Exit.OK;
            }
            DeliveryStreamDescription d = r.getDescription();
            DeliveryStreamDefinition def = d.getDefinition();
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("name", def.getDeliveryStreamName()));
            rows.add(List.of("status", d.getStatus().name()));
            rows.add(List.of("source", def.getSourceType().name() + " " + def.getSourceStreamName()));
            rows.add(List.of("destination", def.getDestination()));
            rows.add(List.of("prefix", def.getPrefix()));
            rows.add(List.of("error prefix", def.getErrorOutputPrefix()));
            rows.add(List.of("format", def.getDataFormat().name()));
            rows.add(List.of("compression", def.getCompression().name()));
            rows.add(List.of("buffering", def.getBufferingHints().getSizeInMibs() + " MiB or "
                    + def.getBufferingHints().getIntervalInSeconds() + " s"));
            rows.add(List.of("time zone", def.getTimeZone()));
            rows.add(List.of("max open partitions", Integer.toString(def.getMaxOpenPartitions())));
            rows.add(List.of("created", Instant.ofEpochMilli(d.getCreateTimestampMs()).toString()));
            if (!def.getAvroSchema().isEmpty()) {
                rows.add(List.of("avro schema", def.getAvroSchema().replaceAll("\\s+", " ")));
            }
            Output.table(parent.cli.out, List.of("FIELD", "VALUE"), rows);
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every delivery stream (all pages).")
    static final class ListDeliveryStreams implements Callable<Integer> {
        @ParentCommand
        FirehoseCommands parent;

        @Override
        public Integer call() {
            ListDeliveryStreamsResponse.Builder all = ListDeliveryStreamsResponse.newBuilder();
            String after = "";
            while (true) {
                ListDeliveryStreamsResponse page = parent.cli.firehose().listDeliveryStreams(
                        ListDeliveryStreamsRequest.newBuilder().setExclusiveStartDeliveryStreamName(after).build());
                all.addAllDeliveryStreamNames(page.getDeliveryStreamNamesList());
                if (!page.getHasMoreDeliveryStreams() || page.getDeliveryStreamNamesCount() == 0) {
                    break;
                }
                after = page.getDeliveryStreamNames(page.getDeliveryStreamNamesCount() - 1);
            }
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, all);
            } else {
                List<List<String>> rows = new ArrayList<>();
                all.getDeliveryStreamNamesList().forEach(n -> rows.add(List.of(n)));
                Output.table(parent.cli.out, List.of("DELIVERY STREAM"), rows);
            }
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {
            "Delete a delivery stream: delivery stops; objects already delivered stay.",
            "For a direct-put delivery stream the backing stream goes too, with records not yet delivered."})
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        FirehoseCommands parent;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            parent.cli.firehose().deleteDeliveryStream(DeleteDeliveryStreamRequest.newBuilder()
                    .setDeliveryStreamName(name).build());
            if (parent.cli.output == SluiceCli.Format.json) {
                parent.cli.out.println("{\"deleted\": " + Output.jsonString(name) + "}");
            } else {
                parent.cli.out.println("deleted delivery stream " + name);
            }
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = {
            "Put one record (DATA given), or one record per line of --file or of standard input, into a direct-put "
                    + "delivery stream.",
            "Lines are sent in PutRecordBatch calls of up to 500 records and 4 MiB; a record refused (for example "
                    + "over 1,000 KiB) is reported and the others are kept. On a terminal, progress goes to stderr."})
    static final class Put implements Callable<Integer> {
        @ParentCommand
        FirehoseCommands parent;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "DATA", arity = "0..1", description = "The record's data (UTF-8).")
        String data;
        @Option(names = "--file", description = "Put each line of this file as a record.")
        Path file;

        private long put;
        private long failed;
        private String firstError;

        @Override
        public Integer call() throws IOException {
            SluiceCli cli = parent.cli;
            if (data != null) {
                if (file != null) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "give DATA or --file, not both");
                }
                FirehosePutRecordResponse r = cli.firehose().putRecord(FirehosePutRecordRequest.newBuilder()
                        .setDeliveryStreamName(name).setRecord(FirehoseRecord.newBuilder()
                                .setData(ByteString.copyFromUtf8(data))).build());
                if (cli.output == SluiceCli.Format.json) {
                    Output.json(cli.out, r);
                } else {
                    Output.table(cli.out, List.of("RECORD ID"), List.of(List.of(r.getRecordId())));
                }
                return SluiceCli.Exit.OK;
            }
            PutRecordBatchRequest.Builder batch = PutRecordBatchRequest.newBuilder().setDeliveryStreamName(name);
            LineBatches.put(file, cli.err, MAX_BATCH_RECORDS, MAX_BATCH_BYTES, new LineBatches.Batch<ByteString>() {
                @Override
                public ByteString entry(String line, long lineNo) {
                    ByteString bytes = ByteString.copyFromUtf8(line);
                    if (bytes.size() <= MAX_RECORD_BYTES) {
                        return bytes;
                    }
                    failed++;
                    if (firstError == null) {
                        firstError = "line " + lineNo + ": record.data is " + bytes.size()
                                + " bytes, over the limit of " + MAX_RECORD_BYTES + " bytes; not sent";
                    }
                    return null;
                }

                @Override
                public long bytes(ByteString data) {
                    return data.size();
                }

                @Override
                public void add(ByteString data) {
                    batch.addRecords(FirehoseRecord.newBuilder().setData(data));
                }

                @Override
                public int count() {
                    return batch.getRecordsCount();
                }

                @Override
                public long send() {
                    PutRecordBatchResponse r = cli.firehose().putRecordBatch(batch.build());
                    for (PutRecordBatchResponseEntry e : r.getRequestResponsesList()) {
                        if (e.getRecordId().isEmpty() && firstError == null) {
                            firstError = e.getErrorCode() + ": " + e.getErrorMessage();
                        }
                    }
                    put += batch.getRecordsCount() - r.getFailedPutCount();
                    failed += r.getFailedPutCount();
                    batch.clearRecords();
                    return put + failed;
                }
            });
            if (cli.output == SluiceCli.Format.json) {
                cli.out.println("{\"put\": " + put + ", \"failed\": " + failed
                        + (firstError == null ? "" : ", \"firstError\": " + Output.jsonString(firstError)) + "}");
            } else {
                cli.out.println("put " + put + " record(s), " + failed + " failed");
                if (firstError != null) {
                    cli.out.println("first error: " + firstError);
                }
            }
            return failed == 0 ? SluiceCli.Exit.OK : SluiceCli.Exit.INVALID;
        }
    }
}
