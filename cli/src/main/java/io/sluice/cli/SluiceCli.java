package io.sluice.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.StreamsGrpc;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code sluice}: the admin CLI over gRPC. Every command takes {@code --endpoint} (any broker; default the local one)
 * and {@code --output table|json}. Exit codes by error class are listed in {@link Exit} and in docs/cli.md.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = "Administer a Sluice cluster over gRPC.",
        subcommands = {StreamCommands.class, ShardCommands.class, PutCommand.class, GetCommand.class,
                TailCommand.class, ConsumerCommands.class, FirehoseCommands.class, ClusterCommands.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error (a bug, or the broker failed)", "2:bad arguments",
                "3:not found (stream, shard, delivery stream)", "4:invalid request (a limit or a value the broker refused)",
                "5:conflict (the resource is in use or exists)", "6:unavailable (endpoint unreachable, no leader)",
                "7:throttled"})
public final class SluiceCli {
    /** Exit codes by error class. */
    public static final class Exit {
        public static final int OK = 0;
        public static final int INTERNAL = 1;
        public static final int USAGE = 2;
        public static final int NOT_FOUND = 3;
        public static final int INVALID = 4;
        public static final int CONFLICT = 5;
        public static final int UNAVAILABLE = 6;
        public static final int THROTTLED = 7;

        private Exit() {
        }

        static int of(ErrorCode code) {
            return switch (code) {
                case RESOURCE_NOT_FOUND -> NOT_FOUND;
                case INVALID_ARGUMENT, EXPIRED_ITERATOR, INVALID_ITERATOR -> INVALID;
                case RESOURCE_IN_USE, DUPLICATE_SEQUENCE, LEASE_LOST -> CONFLICT;
                case UNAVAILABLE, NOT_LEADER -> UNAVAILABLE;
                case THROTTLED -> THROTTLED;
                default -> INTERNAL;
            };
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SluiceCli.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (v == null ? "(development build)" : v)};
        }
    }

    enum Format { table, json }

    @Option(names = "--endpoint", scope = ScopeType.INHERIT, defaultValue = "${env:SLUICE_ENDPOINT:-127.0.0.1:7700}",
            description = "host:port of any broker (default ${DEFAULT-VALUE}; env SLUICE_ENDPOINT).")
    String endpoint;

    @Option(names = "--firehose-endpoint", scope = ScopeType.INHERIT,
            defaultValue = "${env:SLUICE_FIREHOSE_ENDPOINT:-127.0.0.1:7900}",
            description = "host:port of a Firehose process, for the firehose commands (default ${DEFAULT-VALUE}; "
                    + "env SLUICE_FIREHOSE_ENDPOINT).")
    String firehoseEndpoint;

    @Option(names = "--output", scope = ScopeType.INHERIT, defaultValue = "table",
            description = "table or json (default ${DEFAULT-VALUE}).")
    Format output;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, defaultValue = "30",
            description = "Seconds each call may take (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    PrintStream out;
    PrintStream err;
    private ManagedChannel channel;
    private ManagedChannel firehoseChannel;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        SluiceCli cli = new SluiceCli();
        cli.out = out;
        cli.err = err;
        CommandLine cmd = new CommandLine(cli);
        cmd.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
        cmd.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        cmd.setExecutionExceptionHandler((e, line, parsed) -> cli.report(e));
        try {
            return cmd.execute(args);
        } finally {
            cli.close();
        }
    }

    int report(Exception e) {
        SluiceException se = e instanceof SluiceException s ? s : GrpcErrors.fromThrowable(e);
        int code = Exit.of(se.code());
        String hint = switch (code) {
            case Exit.NOT_FOUND -> firehoseChannel != null
                    ? "; list what exists with 'sluice firehose list' (and 'sluice stream list' for source streams)"
                    : "; list what exists with 'sluice stream list' or 'sluice shard list <stream>'";
            case Exit.UNAVAILABLE -> firehoseChannel != null
                    ? "; check that a Firehose process listens on " + firehoseEndpoint
                    + " (--firehose-endpoint or SLUICE_FIREHOSE_ENDPOINT) and that it reaches the cluster"
                    : "; check that a broker listens on " + endpoint
                    + " (--endpoint or SLUICE_ENDPOINT) and that the cluster has a leader ('sluice cluster status')";
            case Exit.THROTTLED -> "; retry later or more slowly";
            default -> "";
        };
        err.println("error: " + se.getMessage() + hint);
        return code;
    }

    StreamsGrpc.StreamsBlockingStub streams() {
        return StreamsGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    }

    ClusterGrpc.ClusterBlockingStub cluster() {
        return ClusterGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    }

    ManagedChannel channel() {
        if (channel == null) {
            channel = open("--endpoint", endpoint);
        }
        return channel;
    }

    FirehoseGrpc.FirehoseBlockingStub firehose() {
        if (firehoseChannel == null) {
            firehoseChannel = open("--firehose-endpoint", firehoseEndpoint);
        }
        return FirehoseGrpc.newBlockingStub(firehoseChannel).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    }

    private static ManagedChannel open(String option, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw SluiceException.invalidArgument(option, "host:port", "'" + hostPort + "'");
        }
        return NettyChannelBuilder.forAddress(hostPort.substring(0, colon), port).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    private void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (firehoseChannel != null) {
            firehoseChannel.shutdownNow();
        }
    }
}
