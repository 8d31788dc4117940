package io.sluice.broker;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one broker: {@code BrokerMain [--config FILE] [--key=value ...]}. With no peers configured it is a
 * single-broker cluster with data under ./data (the embedded default).
 */
public final class BrokerMain {
    private BrokerMain() {
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
                System.out.print(BrokerConfig.referenceMarkdown());
                return;
            } else if (a.startsWith("--") && a.contains("=")) {
                overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                System.err.println("usage: sluice-broker [--config FILE] [--key=value ...] "
                        + "[--print-config-reference]\nunknown argument: " + a);
                System.exit(2);
            }
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.load(file, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Broker broker = Broker.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
    }
}
