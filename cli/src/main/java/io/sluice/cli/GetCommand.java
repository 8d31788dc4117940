package io.sluice.cli;

import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.ShardIteratorType;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "get", mixinStandardHelpOptions = true,
        description = "Read a shard from a position until --limit records or the end of what is stored.")
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    SluiceCli cli;
    @Mixin
    ReadOptions read;
    @Option(names = "--type", defaultValue = "TRIM_HORIZON", description = "TRIM_HORIZON (default), LATEST, "
            + "AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER or AT_TIMESTAMP.")
    ShardIteratorType type;
    @Option(names = "--limit", defaultValue = "100", description = "Most records to print (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        String it = cli.streams().getShardIterator(read.iteratorRequest(type)).getShardIterator();
        GetRecordsResponse.Builder all = GetRecordsResponse.newBuilder();
        while (all.getRecordsCount() < limit && !it.isEmpty()) {
            GetRecordsResponse page = cli.streams().getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setLimit(Math.min(10_000, limit - all.getRecordsCount())).build());
            all.addAllRecords(page.getRecordsList()).setMillisBehindLatest(page.getMillisBehindLatest())
                    .setNextShardIterator(page.getNextShardIterator());
            it = page.getNextShardIterator();
            if (page.getRecordsCount() == 0) {
                break;
            }
        }
        if (cli.output == SluiceCli.Format.json) {
            Output.json(cli.out, all);
        } else {
            Output.table(cli.out, ReadOptions.HEADER, ReadOptions.rows(all.getRecordsList()));
        }
        return SluiceCli.Exit.OK;
    }
}
