package io.sluice.firehose;

import io.sluice.firehose.config.ConfigException;
import io.sluice.firehose.config.FirehoseConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Runs one Firehose process: {@code FirehoseMain [--config FILE] [--key=value ...] [--print-config-reference]}. */
public final class FirehoseMain {
    private FirehoseMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                file = Path.of(a.substring("--config=".length()));
            } else if (a.equals("--print-config-reference")) {
                System.out.print(FirehoseConfig.referenceMarkdown());
                return;
            } else if (a.startsWith("--") && a.contains("=")) {
                overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                System.err.println("usage: sluice-firehose [--config FILE] [--key=value ...] "
                        + "[--print-config-reference]\nunknown argument: " + a);
                System.exit(2);
            }
        }
        FirehoseConfig config;
        try {
            config = FirehoseConfig.load(file, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
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
