package io.sluice.client.consumer.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** Runs tasks only when a test says so, on the test's thread. */
final class ManualExecutor implements Executor {
    private final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs queued tasks (and those they queue) until none is left; returns how many ran. */
    int runAll() {
        int n = 0;
        while (true) {
            Runnable t;
            synchronized (this) {
                t = tasks.poll();
            }
            if (t == null) {
                return n;
            }
            t.run();
            if (++n > 100_000) {
                throw new AssertionError("tasks keep scheduling themselves");
            }
        }
    }
}
