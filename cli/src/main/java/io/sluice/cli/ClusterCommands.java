package io.sluice.cli;

import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "cluster", description = "The cluster as the endpoint broker sees it.", mixinStandardHelpOptions = true,
        subcommands = ClusterCommands.Status.class)
final class ClusterCommands {
    @ParentCommand
    SluiceCli cli;

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Brokers, replication groups, their leaders and commit lag (committed - applied here).")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        ClusterCommands parent;

        @Override
        public Integer call() {
            DescribeClusterResponse r = parent.cli.cluster()
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, r);
                return SluiceCli.Exit.OK;
            }
            parent.cli.out.println("cluster " + r.getClusterId() + ", answered by " + r.getNodeId());
            List<List<String>> brokers = new ArrayList<>();
            r.getBrokersList().forEach(b -> brokers.add(List.of(b.getNodeId(), b.getClientAddress())));
            Output.table(parent.cli.out, List.of("BROKER", "CLIENT ADDRESS"), brokers);
            parent.cli.out.println();
            List<List<String>> groups = new ArrayList<>();
            r.getGroupsList().forEach(g -> groups.add(List.of(g.getGroupName(),
                    g.getLeaderNodeId().isEmpty() ? "(none)" : g.getLeaderNodeId(),
                    String.join(",", g.getMemberNodeIdsList()), Long.toString(g.getCommitIndex()),
                    Long.toString(g.getAppliedIndex()), Long.toString(g.getCommitIndex() - g.getAppliedIndex()))));
            Output.table(parent.cli.out, List.of("GROUP", "LEADER", "MEMBERS", "COMMITTED", "APPLIED", "LAG"), groups);
            return SluiceCli.Exit.OK;
        }
    }
}
