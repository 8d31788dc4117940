package io.sluice.cli;

import io.sluice.proto.v1.ApplicationSummary;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListApplicationsRequest;
import io.sluice.proto.v1.ListApplicationsResponse;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.ListLeasesResponse;
import io.sluice.proto.v1.ShardIteratorType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "consumer", description = "Consumer applications' leases, owners, checkpoints and lag.",
        mixinStandardHelpOptions = true, subcommands = {ConsumerCommands.Applications.class, ConsumerCommands.LeasesCommand.class})
final class ConsumerCommands {
    @ParentCommand
    SluiceCli cli;

    @Command(name = "applications", mixinStandardHelpOptions = true, description = {
            "The consumer applications known to the cluster (any that ever took a lease), one line per application "
                    + "and stream: shards, leases held now, workers holding them, shards checkpointed.",
            "See one application's leases with 'sluice consumer leases APPLICATION STREAM'."})
    static final class Applications implements Callable<Integer> {
        @ParentCommand
        ConsumerCommands parent;
        @Option(names = "--stream", description = "Only applications reading this stream.")
        String stream;

        @Override
        public Integer call() {
            SluiceCli cli = parent.cli;
            ListApplicationsResponse r = LeasesGrpc.newBlockingStub(cli.channel())
                    .withDeadlineAfter(cli.timeoutSeconds, TimeUnit.SECONDS)
                    .listApplications(ListApplicationsRequest.newBuilder()
                            .setStreamName(stream == null ? "" : stream).build());
            if (cli.output == SluiceCli.Format.json) {
                Output.json(cli.out, r);
                return SluiceCli.Exit.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (ApplicationSummary a : r.getApplicationsList()) {
                rows.add(List.of(a.getApplication(), a.getStreamName(), Integer.toString(a.getShardCount()),
                        Integer.toString(a.getOwnedLeases()), a.getWorkersCount() == 0 ? "-"
                                : String.join(",", a.getWorkersList()), Integer.toString(a.getCheckpointedShards())));
            }
            Output.table(cli.out, List.of("APPLICATION", "STREAM", "SHARDS", "LEASES HELD", "WORKERS",
                    "CHECKPOINTED"), rows);
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "leases", mixinStandardHelpOptions = true, description = {
            "One line per shard of STREAM for consumer application APPLICATION: owner (empty: free), lease counter, "
                    + "seconds until the lease expires, checkpoint, and lag.",
            "Lag is how far the first record after the checkpoint is behind the shard's newest record, in ms "
                    + "(GetRecords' millis_behind_latest); 0 when the application is caught up."})
    static final class LeasesCommand implements Callable<Integer> {
        @ParentCommand
        ConsumerCommands parent;
        @Parameters(index = "0", paramLabel = "APPLICATION")
        String application;
        @Parameters(index = "1", paramLabel = "STREAM")
        String stream;

        @Override
        public Integer call() {
            SluiceCli cli = parent.cli;
            ListLeasesResponse r = LeasesGrpc.newBlockingStub(cli.channel())
                    .withDeadlineAfter(cli.timeoutSeconds, TimeUnit.SECONDS)
                    .listLeases(ListLeasesRequest.newBuilder().setApplication(application).setStreamName(stream)
                            .build());
            List<List<String>> rows = new ArrayList<>();
            StringBuilder json = new StringBuilder("{\"application\": " + Output.jsonString(application)
                    + ", \"stream\": " + Output.jsonString(stream) + ", \"leases\": [");
            String sep = "";
            for (Lease l : r.getLeasesList()) {
                long lag = lagMs(cli, l);
                long expiresIn = l.getOwner().isEmpty() ? 0 : Math.max(0, l.getExpiresAtMs() - r.getNowMs());
                rows.add(List.of(l.getShardId(), l.getOwner().isEmpty() ? "(free)" : l.getOwner(),
                        Long.toString(l.getLeaseCounter()), l.getOwner().isEmpty() ? "-"
                                : String.format("%.1f", expiresIn / 1000.0),
                        l.getCheckpoint().isEmpty() ? "(none)" : l.getCheckpoint(), Long.toString(lag)));
                json.append(sep).append("{\"shardId\": ").append(Output.jsonString(l.getShardId()))
                        .append(", \"owner\": ").append(Output.jsonString(l.getOwner()))
                        .append(", \"leaseCounter\": ").append(l.getLeaseCounter())
                        .append(", \"expiresInMs\": ").append(expiresIn)
                        .append(", \"checkpoint\": ").append(Output.jsonString(l.getCheckpoint()))
                        .append(", \"lagMs\": ").append(lag).append('}');
                sep = ", ";
            }
            if (cli.output == SluiceCli.Format.json) {
                cli.out.println(json.append("]}"));
            } else {
                Output.table(cli.out, List.of("SHARD", "OWNER", "COUNTER", "EXPIRES IN S", "CHECKPOINT", "LAG MS"),
                        rows);
            }
            return SluiceCli.Exit.OK;
        }

        private long lagMs(SluiceCli cli, Lease l) {
            if (l.getCheckpoint().equals("SHARD_END")) {
                return 0;
            }
            GetShardIteratorRequest.Builder it = GetShardIteratorRequest.newBuilder().setStreamName(stream)
                    .setShardId(l.getShardId());
            if (l.getCheckpoint().isEmpty()) {
                it.setShardIteratorType(ShardIteratorType.TRIM_HORIZON);
            } else {
                it.setShardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                        .setStartingSequenceNumber(l.getCheckpoint());
            }
            String iterator = cli.streams().getShardIterator(it.build()).getShardIterator();
            var page = cli.streams().getRecords(GetRecordsRequest.newBuilder().setShardIterator(iterator).setLimit(1)
                    .build());
            return page.getRecordsCount() == 0 ? 0 : page.getMillisBehindLatest();
        }
    }
}
