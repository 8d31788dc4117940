package io.sluice.broker;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigValues;
import io.sluice.common.config.LauncherArgs;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one broker: {@code BrokerMain [--config FILE] [--key=value ...]}, or {@code --help}. With no peers configured it is a
 * single-broker cluster with data under ./data (the embedded default).
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    /** The system property that sizes the JDK's common ForkJoinPool. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) throws Exception {
        useCommonPoolForAsyncTasks();
        Broker broker;
        try {
            ConfigValues values = LauncherArgs.loadOrPrint(BrokerConfig.TABLE, args, System.getenv(), System.out);
            if (values == null) {
                return; // --help or --print-config-reference
            }
            broker = Broker.start(BrokerConfig.of(values));
        } catch (ConfigException e) { // a bad argument or setting, or a data directory created with another layout
            System.err.println(e.getMessage());
            System.exit(LauncherArgs.EXIT_USAGE);
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
