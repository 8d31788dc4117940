package io.sluice.bench.load;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads the group leaders again every {@code interval}, and soon after a call failed with a retriable error, and
 * hands them to the {@link ShardRouter}. Runs on its own daemon thread; {@link #requestRefresh} may be called from any
 * thread and coalesces bursts of requests into one refresh.
 */
final class LeaderRefresher implements AutoCloseable {
    private static final long REQUESTED_REFRESH_DELAY_MS = 200;

    private final ClusterMetadata metadata;
    private final ShardRouter router;
    private final Set<String> groups;
    private final Duration interval;
    private final PrintStream log;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leader-refresher");
        t.setDaemon(true);
        return t;
    });

    LeaderRefresher(ClusterMetadata metadata, ShardRouter router, Set<String> groups, Duration interval,
                    PrintStream log) {
        this.metadata = metadata;
        this.router = router;
        this.groups = Set.copyOf(groups);
        this.interval = interval;
        this.log = log;
    }

    void start() {
        executor.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void requestRefresh() {
        if (pending.compareAndSet(false, true)) {
            executor.schedule(() -> {
                pending.set(false);
                refresh();
            }, REQUESTED_REFRESH_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void refresh() {
        try {
            Map<String, String> leaders = metadata.leaders(groups);
            Map<String, String> moved = new TreeMap<>();
            for (Map.Entry<String, String> e : leaders.entrySet()) {
                String old = router.leaderOf(e.getKey());
                if (old != null && !old.equals(e.getValue())) {
                    moved.put(e.getKey(), old + " -> " + e.getValue());
                }
            }
            router.updateLeaders(leaders);
            if (!moved.isEmpty()) {
                log.println("# leaders moved: " + moved);
            }
        } catch (RuntimeException e) {
            log.println("# leader refresh failed: " + e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
