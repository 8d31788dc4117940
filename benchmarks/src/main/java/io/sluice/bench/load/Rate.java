package io.sluice.bench.load;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offered load: either as fast as the cluster acknowledges ("max") or a fixed rate, given in records per second or
 * in bytes of record data per second. Immutable.
 *
 * @param recordsPerSecond the fixed rate in records/s, when given that way; 0 otherwise
 * @param bytesPerSecond   the fixed rate in bytes of record data per second, when given that way; 0 otherwise
 */
public record Rate(double recordsPerSecond, double bytesPerSecond) {
    public static final Rate MAX = new Rate(0, 0);

    private static final Pattern FORM = Pattern.compile(
            "([0-9]+(?:\\.[0-9]+)?)\\s*(|/s|records/s|rps|kb/s|kib/s|mb/s|mib/s|mbps|gb/s)");

    public Rate {
        if (recordsPerSecond < 0 || bytesPerSecond < 0 || (recordsPerSecond > 0 && bytesPerSecond > 0)) {
            throw new IllegalArgumentException("a rate is records/s or bytes/s, not both: " + recordsPerSecond + ", "
                    + bytesPerSecond);
        }
    }

    public boolean isMax() {
        return recordsPerSecond == 0 && bytesPerSecond == 0;
    }

    /** The fixed rate in records per second for records of {@code recordSizeBytes} bytes of data. */
    public double recordsPerSecond(int recordSizeBytes) {
        if (isMax()) {
            throw new IllegalStateException("max rate has no records/s");
        }
        return recordsPerSecond > 0 ? recordsPerSecond : bytesPerSecond / recordSizeBytes;
    }

    /**
     * Parses {@code max}, {@code 0} (also max), a plain number or {@code N/s} or {@code N records/s} (records per
     * second), {@code N MB/s} (10^6 bytes of record data per second, as reported), {@code N MiB/s} (2^20 bytes, as
     * Kafka's ProducerPerformance counts), {@code KB/s}, {@code KiB/s}, {@code GB/s}.
     *
     * @throws IllegalArgumentException when the text is none of these
     */
    public static Rate parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("max")) {
            return MAX;
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected max, 0, records per second (20000) or a data rate "
                    + "(20MB/s, 20MiB/s), got '" + text + "'");
        }
        double n = Double.parseDouble(m.group(1));
        if (n == 0) {
            return MAX;
        }
        return switch (m.group(2)) {
            case "", "/s", "records/s", "rps" -> new Rate(n, 0);
            case "kb/s" -> new Rate(0, n * 1e3);
            case "kib/s" -> new Rate(0, n * 1024);
            case "mb/s", "mbps" -> new Rate(0, n * 1e6);
            case "mib/s" -> new Rate(0, n * 1024 * 1024);
            case "gb/s" -> new Rate(0, n * 1e9);
            default -> throw new IllegalArgumentException("unknown rate unit in '" + text + "'");
        };
    }

    @Override
    public String toString() {
        if (isMax()) {
            return "max";
        }
        return recordsPerSecond > 0 ? String.format(Locale.ROOT, "%.0f records/s", recordsPerSecond)
                : String.format(Locale.ROOT, "%.2f MB/s", bytesPerSecond / 1e6);
    }
}
