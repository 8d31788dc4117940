package io.sluice.bench.load;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Turns {@link LoadStats} into one line per reporting interval and a result over the measured window, which starts
 * when the warm-up ends ({@link #startMeasuring}) and ends at {@link #finish}. Records count when acknowledged; MB is
 * 10^6 bytes of record data. Warm-up intervals are printed but left out of the result.
 *
 * <p>Not thread-safe: driven by the main thread.
 */
final class Reporter {
    /** A warm-up interval is printed but not part of the result. */
    enum Phase { WARMUP, MEASURE, DRAIN }

    private final LoadStats stats;
    private final PrintStream out;
    private final CpuSampler cpu; // null: no CPU figures
    private final IntSupplier inFlight;
    private final LongSupplier lagNanos;
    private final boolean fixedRate;
    private final long startNanos;
    private final Histogram measured = new Histogram(LoadStats.HIGHEST_MICROS, 3);
    private long lastTickNanos;
    private LoadStats.Counts lastCounts;
    private CpuSampler.Sample lastCpu;
    private long measureStartNanos = -1;
    private LoadStats.Counts measureStartCounts;
    private CpuSampler.Sample measureStartCpu;
    private boolean headerPrinted;

    Reporter(LoadStats stats, PrintStream out, CpuSampler cpu, IntSupplier inFlight, LongSupplier lagNanos,
             boolean fixedRate, long startNanos) {
        this.stats = stats;
        this.out = out;
        this.cpu = cpu;
        this.inFlight = inFlight;
        this.lagNanos = lagNanos;
        this.fixedRate = fixedRate;
        this.startNanos = startNanos;
        this.lastTickNanos = startNanos;
        this.lastCounts = stats.counts();
        this.lastCpu = cpu == null ? null : cpu.sample();
        stats.takeIntervalHistogram(); // start the first interval now
    }

    /** Ends the interval that ends at {@code nowNanos}, prints its line and, outside the warm-up, adds it up. */
    void tick(long nowNanos, Phase phase) {
        Histogram h = stats.takeIntervalHistogram();
        LoadStats.Counts counts = stats.counts();
        LoadStats.Counts d = counts.minus(lastCounts);
        CpuSampler.Sample c = cpu == null ? null : cpu.sample();
        if (phase != Phase.WARMUP) {
            measured.add(h);
        }
        double secs = Math.max(1e-9, (nowNanos - lastTickNanos) / 1e9);
        if (!headerPrinted) {
            out.printf(Locale.ROOT, "%7s %-7s %10s %8s %8s %8s %8s %8s %8s %9s %7s %9s%n", "time s", "phase",
                    "records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "failed", "in-flight", "lag ms",
                    "cpu t/m");
            headerPrinted = true;
        }
        String cpuText = "-";
        if (c != null) {
            CpuSampler.Usage u = cpu.between(lastCpu, c);
            cpuText = String.format(Locale.ROOT, "%.2f/%s", u.toolCores(),
                    u.hasMachine() ? String.format(Locale.ROOT, "%.2f", u.machineBusyCores()) : "-");
        }
        out.printf(Locale.ROOT, "%7.1f %-7s %10.0f %8.2f %8s %8s %8s %8s %8d %9d %7s %9s%n",
                (nowNanos - startNanos) / 1e9, phase.name().toLowerCase(Locale.ROOT), d.ackedRecords() / secs,
                d.ackedDataBytes() / secs / 1e6, ms(h, 50), ms(h, 99), ms(h, 99.9), maxMs(h), d.failedRecords(),
                inFlight.getAsInt(), fixedRate ? String.format(Locale.ROOT, "%.1f", lagNanos.getAsLong() / 1e6) : "-",
                cpuText);
        out.flush();
        lastTickNanos = nowNanos;
        lastCounts = counts;
        lastCpu = c;
    }

    /** The measured window starts now (call right after the warm-up's last {@link #tick}). */
    void startMeasuring(long nowNanos) {
        measureStartNanos = nowNanos;
        measureStartCounts = lastCounts;
        measureStartCpu = lastCpu;
    }

    /** The result over the measured window, which ends at the last {@link #tick}. */
    Result finish() {
        if (measureStartNanos < 0) {
            throw new IllegalStateException("startMeasuring was never called");
        }
        LoadStats.Counts d = lastCounts.minus(measureStartCounts);
        CpuSampler.Usage usage = cpu == null || measureStartCpu == null ? null : cpu.between(measureStartCpu, lastCpu);
        return new Result((lastTickNanos - measureStartNanos) / 1e9, d, measured.copy(), usage);
    }

    /** Throughput, latency and CPU over the measured window. */
    record Result(double seconds, LoadStats.Counts counts, Histogram latencyMicros, CpuSampler.Usage cpu) {
        double recordsPerSecond() {
            return counts.ackedRecords() / seconds;
        }

        double megabytesPerSecond() {
            return counts.ackedDataBytes() / seconds / 1e6;
        }

        double percentileMs(double p) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN
                    : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }

        double maxMs() {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
        }
    }

    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-"
                : String.format(Locale.ROOT, "%.2f", h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String maxMs(Histogram h) {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", h.getMaxValue() / 1000.0);
    }
}
