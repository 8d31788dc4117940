package io.sluice.cli;

import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.ListStreamsResponse;
import io.sluice.proto.v1.StreamDescriptionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "stream", description = "Create, describe, list and delete streams.", mixinStandardHelpOptions = true,
        subcommands = {StreamCommands.Create.class, StreamCommands.Describe.class, StreamCommands.ListStreams.class,
                StreamCommands.Delete.class})
final class StreamCommands {
    @ParentCommand
    SluiceCli cli;

    static List<String> row(StreamDescriptionSummary s) {
        return List.of(s.getStreamName(), s.getStreamStatus().name(), Integer.toString(s.getOpenShardCount()),
                Integer.toString(s.getRetentionPeriodHours()),
                Instant.ofEpochMilli(s.getStreamCreationTimestamp()).toString());
    }

    static final List<String> HEADER = List.of("STREAM", "STATUS", "OPEN SHARDS", "RETENTION H", "CREATED");

    @Command(name = "create", description = "Create a stream.", mixinStandardHelpOptions = true)
    static final class Create implements Callable<Integer> {
        @ParentCommand
        StreamCommands parent;
        @Parameters(paramLabel = "NAME", description = "Stream name: [a-zA-Z0-9_.-]{1,128}.")
        String name;
        @Option(names = "--shards", required = true, description = "Number of shards.")
        int shards;
        @Option(names = "--retention-hours", defaultValue = "0",
                description = "Retention period in hours (0: the broker's default, 24).")
        int retentionHours;

        @Override
        public Integer call() {
            CreateStreamResponse r = parent.cli.streams().createStream(CreateStreamRequest.newBuilder()
                    .setStreamName(name).setShardCount(shards).setRetentionPeriodHours(retentionHours).build());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, r);
            } else {
                Output.table(parent.cli.out, HEADER, List.of(row(r.getStream())));
            }
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "describe", description = "Describe a stream.", mixinStandardHelpOptions = true)
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        StreamCommands parent;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            var r = parent.cli.streams().describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                    .setStreamName(name).build());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, r);
            } else {
                Output.table(parent.cli.out, HEADER, List.of(row(r.getStreamDescriptionSummary())));
            }
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "list", description = "List every stream (all pages).", mixinStandardHelpOptions = true)
    static final class ListStreams implements Callable<Integer> {
        @ParentCommand
        StreamCommands parent;

        @Override
        public Integer call() {
            ListStreamsResponse.Builder all = ListStreamsResponse.newBuilder();
            String token = "";
            do {
                ListStreamsResponse page = parent.cli.streams().listStreams(ListStreamsRequest.newBuilder()
                        .setNextToken(token).build());
                all.addAllStreamNames(page.getStreamNamesList()).addAllStreamSummaries(page.getStreamSummariesList());
                token = page.getHasMoreStreams() ? page.getNextToken() : "";
            } while (!token.isEmpty());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, all);
            } else {
                List<List<String>> rows = new ArrayList<>();
                all.getStreamSummariesList().forEach(s -> rows.add(row(s)));
                Output.table(parent.cli.out, HEADER, rows);
            }
            return SluiceCli.Exit.OK;
        }
    }

    @Command(name = "delete", description = "Delete a stream and its data.", mixinStandardHelpOptions = true)
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        StreamCommands parent;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            var r = parent.cli.streams().deleteStream(DeleteStreamRequest.newBuilder().setStreamName(name).build());
            if (parent.cli.output == SluiceCli.Format.json) {
                Output.json(parent.cli.out, r);
            } else {
                parent.cli.out.println("deleted stream " + name);
            }
            return SluiceCli.Exit.OK;
        }
    }
}
