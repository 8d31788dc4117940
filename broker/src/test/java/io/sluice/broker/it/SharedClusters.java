package io.sluice.broker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@link MiniCluster} per size, started on first use and shared by the tests of one class (starting three
 * brokers takes seconds). Tests sharing a cluster use their own stream names. Close it in {@code @AfterAll}.
 */
final class SharedClusters implements AutoCloseable {
    private final Path root;
    private final Clock clock;
    private final Map<String, String> overrides;
    private final Map<Integer, MiniCluster> bySize = new TreeMap<>();

    SharedClusters(Path root, Clock clock, Map<String, String> overrides) {
        this.root = root;
        this.clock = clock;
        this.overrides = Map.copyOf(overrides);
    }

    /** The cluster of {@code size} brokers, ready to serve (every group has a leader). */
    synchronized MiniCluster get(int size) throws InterruptedException {
        MiniCluster c = bySize.get(size);
        if (c == null) {
            try {
                c = new MiniCluster(root.resolve(size + "-brokers"), size, clock, overrides);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bySize.put(size, c);
            c.awaitReady();
        }
        return c;
    }

    @Override
    public synchronized void close() {
        bySize.values().forEach(MiniCluster::close);
        bySize.clear();
    }
}
