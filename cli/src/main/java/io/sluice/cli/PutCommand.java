package io.sluice.cli;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.common.Limits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        long totalBytes = file == null ? -1 : Files.size(file);
        Progress progress = new Progress(cli.err, System.console() != null, totalBytes);
        Map<String, Long> perShard = new TreeMap<>();
        long put = 0;
        long failed = 0;
        String firstError = null;
        try (BufferedReader in = file == null
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            PutRecordsRequest.Builder batch = PutRecordsRequest.newBuilder().setStreamName(stream);
            long batchBytes = 0;
            long lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                PutRecordsRequestEntry.Builder e = PutRecordsRequestEntry.newBuilder()
                        .setPartitionKey(key == null ? Long.toString(lineNo) : key)
                        .setData(ByteString.copyFromUtf8(line));
                if (explicitHashKey != null) {
                    e.setExplicitHashKey(explicitHashKey);
                }
                int size = e.getData().size() + e.getPartitionKey().length();
                if (batch.getRecordsCount() == Limits.DEFAULTS.maxPutRecordsCount()
                        || batchBytes + size > Limits.DEFAULTS.maxPutRecordsBytes()) {
                    PutRecordsResponse r = cli.streams().putRecords(batch.build());
                    firstError = tally(r, perShard, firstError);
                    put += r.getRecordsCount() - r.getFailedRecordCount();
                    failed += r.getFailedRecordCount();
                    progress.update(put + failed, bytesRead);
                    batch.clearRecords();
                    batchBytes = 0;
                }
                batch.addRecords(e);
                batchBytes += size;
                bytesRead += line.length() + 1;
            }
            if (batch.getRecordsCount() > 0) {
                PutRecordsResponse r = cli.streams().putRecords(batch.build());
                firstError = tally(r, perShard, firstError);
                put += r.getRecordsCount() - r.getFailedRecordCount();
                failed += r.getFailedRecordCount();
            }
        }
        progress.done(put + failed);
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

    /** Characters of input read so far (for the ETA of a file; exact for ASCII). */
    private long bytesRead;

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

    /** Rate and ETA on a terminal, at most once a second; nothing when output is piped. */
    static final class Progress {
        private final java.io.PrintStream err;
        private final boolean enabled;
        private final long totalBytes;
        private final long start = System.nanoTime();
        private long lastPrint = start;

        Progress(java.io.PrintStream err, boolean enabled, long totalBytes) {
            this.err = err;
            this.enabled = enabled;
            this.totalBytes = totalBytes;
        }

        void update(long records, long bytes) {
            long now = System.nanoTime();
            if (!enabled || now - lastPrint < 1_000_000_000L) {
                return;
            }
            lastPrint = now;
            double secs = (now - start) / 1e9;
            String eta = totalBytes > 0 && bytes > 0
                    ? String.format(", %.0f%%, ETA %.0f s", 100.0 * bytes / totalBytes,
                    secs * (totalBytes - bytes) / bytes) : "";
            err.printf("\r%d records, %.0f records/s%s   ", records, records / secs, eta);
        }

        void done(long records) {
            if (enabled) {
                err.printf("\r%d records in %.1f s%n", records, (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
