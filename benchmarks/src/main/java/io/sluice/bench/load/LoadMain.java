package io.sluice.bench.load;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The PutRecords load tool: {@code LoadMain [--name=value ...]} (see {@link WorkloadOptions#usage()} or
 * benchmarks/README.md). Exit status: 0 after a run, 1 when set-up fails (cluster unreachable, stream missing, ...),
 * 2 for bad flags, 3 when no record was acknowledged in the measured window.
 */
public final class LoadMain {
    private LoadMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the tool and returns its exit status instead of exiting (for tests). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(WorkloadOptions.usage());
            return 0;
        }
        WorkloadOptions options;
        try {
            options = WorkloadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("load: " + e.getMessage() + " (--help lists the flags)");
            return 2;
        }
        try (Channels channels = new Channels()) {
            return new LoadRun(options, channels, out).execute();
        } catch (SetupException e) {
            err.println("load: set-up failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("load: interrupted");
            return 1;
        }
    }
}
