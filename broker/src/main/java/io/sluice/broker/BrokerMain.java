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

    /** The system property that sizes the JDK's common ForkJoinPool. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) throws Exception {
        useCommonPoolForAsyncTasks();
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
        Broker broker;
        try {
            broker = Broker.start(BrokerConfig.load(file, System.getenv(), overrides));
        } catch (ConfigException e) { // a bad setting, or a data directory created with another layout
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
    }

    /**
     * On a machine with one or two cores the JDK sizes its common pool to one thread, and CompletableFuture's async
     * methods then start a new thread for every task. Ratis's follower append path uses them, so a follower started
     * (and tore down) a thread per appendEntries call: about 16 a second per broker under load in our 3-broker
     * benchmark. Two threads are enough to use the pool; an explicit setting wins. Must run before anything touches
     * CompletableFuture or ForkJoinPool.
     */
    static void useCommonPoolForAsyncTasks() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
    }
}
