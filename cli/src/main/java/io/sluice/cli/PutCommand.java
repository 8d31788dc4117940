package io.sluice.cli;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.common.Limits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Put one record (DATA given), or one record per line of --file or of standard input.",
                "Lines are sent in PutRecords calls of up to 500 records; a record the broker refuses is reported "
                        + "and the others are kept. On a terminal, progress (rate, ETA for a file) goes to stderr."})
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    SluiceCli cli;
    @Parameters(index = "0", paramLabel = "STREAM")
    String stream;
    @Parameters(index = "1", paramLabel = "DATA", arity = "0..1", description = "The record's data (UTF-8).")
    String data;
    @Option(names = "--key", description = "Partition key (default: the line number, spreading lines over shards).")
    String key;
    @Option(names = "--explicit-hash-key", description = "A decimal in 0..2^128-1 that picks the shard.")
    String explicitHashKey;
    @Option(names = "--file", description = "Put each line of this file as a record.")
    Path file;

    // Tallies of a put from lines.
    private long put;
    private long failed;
    private String firstError;

    @Override
    public Integer call() throws IOException {
        if (data != null) {
            if (file != null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "give DATA or --file, not both");
            }
            PutRecordRequest.Builder req = PutRecordRequest.newBuilder().setStreamName(stream)
                    .setPartitionKey(key == null ? "0" : key).setData(ByteString.copyFromUtf8(data));
            if (explicitHashKey != null) {
                req.setExplicitHashKey(explicitHashKey);
            }
            PutRecordResponse r = cli.streams().putRecord(req.build());
            if (cli.output == SluiceCli.Format.json) {
                Output.json(cli.out, r);
            } else {
                Output.table(cli.out, List.of("SHARD", "SEQUENCE"), List.of(List.of(r.getShardId(),
                        r.getSequenceNumber())));
            }
            return SluiceCli.Exit.OK;
        }
        Map<String, Long> perShard = new TreeMap<>();
        PutRecordsRequest.Builder batch = PutRecordsRequest.newBuilder().setStreamName(stream);
        LineBatches.put(file, cli.err, Limits.DEFAULTS.maxPutRecordsCount(), Limits.DEFAULTS.maxPutRecordsBytes(),
                new LineBatches.Batch<PutRecordsRequestEntry.Builder>() {
                    @Override
                    public PutRecordsRequestEntry.Builder entry(String line, long lineNo) {
                        PutRecordsRequestEntry.Builder e = PutRecordsRequestEntry.newBuilder()
                                .setPartitionKey(key == null ? Long.toString(lineNo) : key)
                                .setData(ByteString.copyFromUtf8(line));
                        if (explicitHashKey != null) {
                            e.setExplicitHashKey(explicitHashKey);
                        }
                        return e;
                    }

                    @Override
                    public long bytes(PutRecordsRequestEntry.Builder e) {
                        return e.getData().size() + e.getPartitionKey().length();
                    }

                    @Override
                    public void add(PutRecordsRequestEntry.Builder e) {
                        batch.addRecords(e);
                    }

                    @Override
                    public int count() {
                        return batch.getRecordsCount();
                    }

                    @Override
                    public long send() {
                        PutRecordsResponse r = cli.streams().putRecords(batch.build());
                        firstError = tally(r, perShard, firstError);
                        put += r.getRecordsCount() - r.getFailedRecordCount();
                        failed += r.getFailedRecordCount();
                        batch.clearRecords();
                        return put + failed;
                    }
                });
        if (cli.output == SluiceCli.Format.json) {
            StringBuilder b = new StringBuilder("{\"put\": " + put + ", \"failed\": " + failed + ", \"perShard\": {");
            String sep = "";
            for (var e : perShard.entrySet()) {
                b.append(sep).append('"').append(e.getKey()).append("\": ").append(e.getValue());
                sep = ", ";
            }
            b.append("}");
            if (firstError != null) {
                b.append(", \"firstError\": ").append(Output.jsonString(firstError));
            }
            cli.out.println(b.append("}"));
        } else {
            cli.out.println("put " + put + " record(s), " + failed + " failed");
            perShard.forEach((s, n) -> cli.out.println("  " + s + "  " + n));
            if (firstError != null) {
                cli.out.println("first error: " + firstError);
            }
        }
        return failed == 0 ? SluiceCli.Exit.OK : SluiceCli.Exit.INVALID;
    }

    private static String tally(PutRecordsResponse r, Map<String, Long> perShard, String firstError) {
        for (PutRecordsResultEntry e : r.getRecordsList()) {
            if (e.getErrorCode() == io.sluice.proto.v1.ErrorCode.ERROR_CODE_UNSPECIFIED) {
                perShard.merge(e.getShardId(), 1L, Long::sum);
            } else if (firstError == null) {
                firstError = e.getErrorCode() + ": " + e.getErrorMessage();
            }
        }
        return firstError;
    }
}
