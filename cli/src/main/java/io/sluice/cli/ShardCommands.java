package io.sluice.cli;

import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "shard", description = "Shards of a stream.", mixinStandardHelpOptions = true,
        subcommands = ShardCommands.ListShards.class)
final class ShardCommands {
    @ParentCommand
    SluiceCli cli;

    @Command(name = "list", description = "List a stream's shards (all pages).", mixinStandardHelpOptions = true)
    static final class ListShards implements Callable<Integer> {
        @ParentCommand
        ShardCommands parent;
        @Parameters(paramLabel = "STREAM")
        String stream;

        @Override
        public Integer call() {
            ListShardsResponse.Builder all = ListShardsResponse.newBuilder();
            String token = "";
            do {
                ListShardsRequest.Builder req = ListShardsRequest.newBuilder();
                if (token.isEmpty()) {
                    req.setStreamName(stream);
                } else {
                    req.setNextToken(token);
                }
                ListShardsResponse page = parent.cli.streams().listShards(req.build());
                all.addAllShards(page.getShardsList());
                token = page.getNextToken();
            } while (!token.isEmpty());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, all);
            } else {
                List<List<String>> rows = new ArrayList<>();
                all.getShardsList().forEach(s -> rows.add(List.of(s.getShardId(), s.getReplicationGroup(),
                        s.getHashKeyRange().getStartingHashKey(), s.getHashKeyRange().getEndingHashKey(),
                        s.getSequenceNumberRange().getStartingSequenceNumber(),
                        s.getSequenceNumberRange().getEndingSequenceNumber().isEmpty() ? "open"
                                : s.getSequenceNumberRange().getEndingSequenceNumber())));
                Output.table(parent.cli.out, List.of("SHARD", "GROUP", "HASH FROM", "HASH TO", "FIRST SEQUENCE",
                        "LAST SEQUENCE"), rows);
            }
            return SluiceCli.Exit.OK;
        }
    }
}
