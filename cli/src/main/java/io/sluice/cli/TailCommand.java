package io.sluice.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.sluice.common.Limits;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Follow a shard: print records as they are stored, until Ctrl-C, --max-records or --for.",
                "With --output json, one JSON record per line."})
final class TailCommand implements Callable<Integer> {
    @ParentCommand
    SluiceCli cli;
    @Mixin
    ReadOptions read;
    @Option(names = "--type", defaultValue = "LATEST", description = "Where to start: LATEST (default), "
            + "TRIM_HORIZON, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER or AT_TIMESTAMP.")
    ShardIteratorType type;
    @Option(names = "--max-records", defaultValue = "0", description = "Stop after this many records (0: never).")
    long maxRecords;
    @Option(names = "--for", defaultValue = "0", description = "Stop after this many seconds (0: never).")
    long seconds;
    @Option(names = "--poll-ms", defaultValue = "200",
            description = "Wait after an empty read that the broker did not hold (reads at the tip long-poll for up to "
                    + "1 s), ms (default ${DEFAULT-VALUE}).")
    long pollMs;

    private static final long LONG_POLL_MS = 1000;

    @Override
    public Integer call() throws InterruptedException, InvalidProtocolBufferException {
        long deadline = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        JsonFormat.Printer json = JsonFormat.printer().omittingInsignificantWhitespace();
        String it = cli.streams().getShardIterator(read.iteratorRequest(type)).getShardIterator();
        long printed = 0;
        if (cli.output == SluiceCli.Format.table) {
            cli.out.println(String.join("  ", ReadOptions.HEADER));
        }
        while (!it.isEmpty() && System.nanoTime() < deadline && (maxRecords == 0 || printed < maxRecords)) {
            // Long poll at the tip (at most LONG_POLL_MS, and never past --seconds); sleep only if it came back early.
            long waitMs = Math.min(LONG_POLL_MS, Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
            long sent = System.nanoTime();
            GetRecordsResponse page = cli.streams().getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setMaxWaitMs((int) waitMs).build());
            for (Record r : page.getRecordsList()) {
                if (maxRecords > 0 && printed == maxRecords) {
                    break;
                }
                cli.out.println(cli.output == SluiceCli.Format.json ? json.print(r)
                        : String.join("  ", ReadOptions.row(r)));
                printed++;
            }
            cli.out.flush();
            it = page.getNextShardIterator();
            if (page.getRecordsCount() == 0 && Limits.answeredEarly(waitMs, System.nanoTime() - sent)) {
                TimeUnit.MILLISECONDS.sleep(pollMs);
            }
        }
        return SluiceCli.Exit.OK;
    }
}
