package io.sluice.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this process (the load tool) and of the whole machine ({@code /proc/stat}, Linux only), so that a run
 * can say how much of the machine the tool itself used and how much was left to the brokers. Thread-safe.
 */
final class CpuSampler {
    /** One reading. Machine ticks are -1 where {@code /proc/stat} cannot be read. */
    record Sample(long wallNanos, long processCpuNanos, long machineBusyTicks, long machineIowaitTicks,
                  long machineTotalTicks) {
    }

    /** CPU use between two samples. */
    record Usage(double toolCores, double machineBusyCores, double iowaitPercent, int cores) {
        boolean hasMachine() {
            return machineBusyCores >= 0;
        }
    }

    private static final Path PROC_STAT = Path.of("/proc/stat");
    private final com.sun.management.OperatingSystemMXBean os;
    private final int cores = Runtime.getRuntime().availableProcessors();

    CpuSampler() {
        java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        this.os = bean instanceof com.sun.management.OperatingSystemMXBean b ? b : null;
    }

    Sample sample() {
        long busy = -1;
        long iowait = -1;
        long total = -1;
        try {
            for (String line : Files.readAllLines(PROC_STAT)) {
                if (line.startsWith("cpu ")) {
                    // cpu user nice system idle iowait irq softirq steal ...
                    String[] f = line.trim().split("\\s+");
                    long user = Long.parseLong(f[1]);
                    long nice = Long.parseLong(f[2]);
                    long system = Long.parseLong(f[3]);
                    long idle = Long.parseLong(f[4]);
                    iowait = Long.parseLong(f[5]);
                    long irq = Long.parseLong(f[6]);
                    long softirq = Long.parseLong(f[7]);
                    long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
                    busy = user + nice + system + irq + softirq + steal;
                    total = busy + idle + iowait;
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            busy = -1;
        }
        return new Sample(System.nanoTime(), os == null ? -1 : os.getProcessCpuTime(), busy, iowait, total);
    }

    Usage between(Sample from, Sample to) {
        double wall = Math.max(1, to.wallNanos() - from.wallNanos());
        double tool = from.processCpuNanos() < 0 ? -1 : (to.processCpuNanos() - from.processCpuNanos()) / wall;
        double busy = -1;
        double iowait = -1;
        long totalTicks = to.machineTotalTicks() - from.machineTotalTicks();
        if (from.machineBusyTicks() >= 0 && to.machineBusyTicks() >= 0 && totalTicks > 0) {
            busy = cores * (double) (to.machineBusyTicks() - from.machineBusyTicks()) / totalTicks;
            iowait = 100.0 * (to.machineIowaitTicks() - from.machineIowaitTicks()) / totalTicks;
        }
        return new Usage(tool, busy, iowait, cores);
    }
}
