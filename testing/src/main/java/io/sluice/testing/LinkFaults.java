package io.sluice.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The faults in force between the brokers of one {@link SluiceCluster}: which directed links are cut, how long each
 * one delays, which brokers are paused. One monitor guards it all; every change wakes whoever waits for a link to open
 * (Raft log appenders held by {@link RatisLinkHooks}, the pumps of {@link TcpProxy}).
 *
 * <p>A link {@code from -> to} carries the requests {@code from} sends to {@code to}; a reply travels with its request.
 * It is <em>blocked</em> when cut or when either end is paused.
 */
final class LinkFaults {
    private final List<String> nodeIds;
    private final Map<String, Integer> indexById;
    private final boolean[][] cut;
    private final long[][] delayNanos;
    private final boolean[] paused;
    /**
     * Brokers being stopped: appends they hold are dropped once Ratis interrupts the appender (it is closing it), and
     * their delays end, so that they can close.
     */
    private final boolean[] stopping;
    /** No cut, delay or pause anywhere: every Raft request passes without taking the monitor. */
    private volatile boolean clear = true;

    LinkFaults(List<String> nodeIds) {
        this.nodeIds = List.copyOf(nodeIds);
        this.indexById = new HashMap<>();
        for (int i = 0; i < nodeIds.size(); i++) {
            indexById.put(nodeIds.get(i), i);
        }
        int n = nodeIds.size();
        this.cut = new boolean[n][n];
        this.delayNanos = new long[n][n];
        this.paused = new boolean[n];
        this.stopping = new boolean[n];
    }

    List<String> nodeIds() {
        return nodeIds;
    }

    /** The broker index of a Raft peer id of this cluster, or -1. */
    int indexOf(String nodeId) {
        Integer i = indexById.get(nodeId);
        return i == null ? -1 : i;
    }

    /** Recomputes {@link #clear} and wakes every waiter; called with the monitor held after each change. */
    private void changed() {
        boolean none = true;
        for (int i = 0; i < paused.length && none; i++) {
            none = !paused[i];
            for (int j = 0; j < paused.length && none; j++) {
                none = !cut[i][j] && delayNanos[i][j] == 0;
            }
        }
        clear = none;
        notifyAll();
    }

    /** Whether no fault is in force at all (read without the monitor). */
    boolean clear() {
        return clear;
    }

    synchronized void cut(int from, int to, boolean value) {
        cut[from][to] = value;
        changed();
    }

    synchronized void delay(int from, int to, Duration d) {
        delayNanos[from][to] = d.toNanos();
        changed();
    }

    synchronized void heal(int from, int to) {
        cut[from][to] = false;
        delayNanos[from][to] = 0;
        changed();
    }

    synchronized void healAll() {
        for (int i = 0; i < cut.length; i++) {
            Arrays.fill(cut[i], false);
            Arrays.fill(delayNanos[i], 0);
        }
        changed();
    }

    synchronized void pause(int i, boolean value) {
        paused[i] = value;
        changed();
    }

    synchronized void stopping(int i, boolean value) {
        stopping[i] = value;
        changed();
    }

    synchronized boolean paused(int i) {
        return paused[i];
    }

    synchronized boolean isCut(int from, int to) {
        return cut[from][to];
    }

    /** Whether requests from {@code from} to {@code to} are held: the link is cut or either end is paused. */
    synchronized boolean blocked(int from, int to) {
        return cut[from][to] || paused[from] || paused[to];
    }

    synchronized long delayNanos(int from, int to) {
        return delayNanos[from][to];
    }

    /** Waits while {@code open} is false; every fault change re-evaluates it. */
    void awaitOpen(BooleanSupplier open) throws InterruptedException {
        synchronized (this) {
            while (!open.getAsBoolean()) {
                wait();
            }
        }
    }

    /**
     * Lets a Raft request from {@code from} to {@code to} pass: waits while the link is blocked (if
     * {@code holdWhileBlocked}), then for the link's delay. Interrupts do not end the wait (Ratis interrupts a
     * leader's log appenders when it steps down; a request held here then goes out when the link opens, stale, as a
     * network that heals would deliver it, and the appender ends cleanly), but are kept for the caller.
     *
     * @throws InterruptedException when broker {@code from} is being stopped and Ratis has interrupted the thread
     *                              (it closes the appender): the held request is dropped, so that Ratis can close
     */
    synchronized void pass(int from, int to, boolean holdWhileBlocked) throws InterruptedException {
        boolean interrupted = false;
        try {
            while (holdWhileBlocked && blocked(from, to)) {
                if (stopping[from] && interrupted) {
                    throw new InterruptedException(nodeIds.get(from) + " is being stopped");
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // A delay ends early when the sender is being stopped (the request then goes out less late).
            long deadline = System.nanoTime() + delayNanos[from][to];
            for (long left = delayNanos[from][to]; left > 0 && !stopping[from];
                    left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
