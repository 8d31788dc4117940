package io.sluice.firehose;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigValues;
import io.sluice.common.config.LauncherArgs;
import io.sluice.firehose.config.FirehoseConfig;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one Firehose process: {@code FirehoseMain [--config FILE] [--key=value ...]}, or {@code --help}, or
 * {@code --print-config-reference}. A bad argument or setting prints the message and exits with status 2.
 */
public final class FirehoseMain {
    private FirehoseMain() {
    }

    public static void main(String[] args) throws Exception {
        FirehoseConfig config;
        try {
            ConfigValues values = LauncherArgs.loadOrPrint(FirehoseConfig.TABLE, args, System.getenv(), System.out);
            if (values == null) {
                return; // --help or --print-config-reference
            }
            config = FirehoseConfig.of(values);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(LauncherArgs.EXIT_USAGE);
            return;
        }
        Firehose firehose = Firehose.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            firehose.close();
            stopped.countDown();
        }, "firehose-shutdown"));
        stopped.await();
    }
}
