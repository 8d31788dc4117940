package io.sluice.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts from a file or standard input, one record per line: lines are gathered into batches bounded by a record count
 * and a byte size, each batch is sent when the next line would overflow it, and progress (rate, and percentage and
 * ETA for a file) goes to stderr on a terminal.
 */
final class LineBatches {
    private LineBatches() {
    }

    /** One kind of batch call (PutRecords, PutRecordBatch) with its entry type. */
    interface Batch<E> {
        /** The entry for one line, or null when the line is refused here (the batch counts it as failed). */
        E entry(String line, long lineNo);

        /** What the entry counts toward the batch's byte limit. */
        long bytes(E entry);

        void add(E entry);

        int count();

        /** Sends and clears the batch; returns the records answered so far, put or failed. */
        long send();
    }

    /** Reads every line of {@code file} (standard input when null) into {@code batch}, sending as it goes. */
    static <E> void put(Path file, PrintStream err, int maxRecords, long maxBytes, Batch<E> batch) throws IOException {
        Progress progress = new Progress(err, System.console() != null, file == null ? -1 : Files.size(file));
        long answered = 0;
        long bytesRead = 0;
        long batchBytes = 0;
        long lineNo = 0;
        try (BufferedReader in = file == null
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                bytesRead += line.length() + 1;
                E entry = batch.entry(line, lineNo);
                if (entry == null) {
                    continue;
                }
                long size = batch.bytes(entry);
                if (batch.count() == maxRecords || (batch.count() > 0 && batchBytes + size > maxBytes)) {
                    answered = batch.send();
                    progress.update(answered, bytesRead);
                    batchBytes = 0;
                }
                batch.add(entry);
                batchBytes += size;
            }
            if (batch.count() > 0) {
                answered = batch.send();
            }
        }
        progress.done(answered);
    }

    /** Rate and ETA on a terminal, at most once a second; nothing when output is piped. */
    private static final class Progress {
        private final PrintStream err;
        private final boolean enabled;
        private final long totalBytes;
        private final long start = System.nanoTime();
        private long lastPrint = start;

        Progress(PrintStream err, boolean enabled, long totalBytes) {
            this.err = err;
            this.enabled = enabled;
            this.totalBytes = totalBytes;
        }

        void update(long records, long bytes) {
            long now = System.nanoTime();
            if (!enabled || now - lastPrint < 1_000_000_000L) {
                return;
            }
            lastPrint = now;
            double secs = (now - start) / 1e9;
            String eta = totalBytes > 0 && bytes > 0
                    ? String.format(", %.0f%%, ETA %.0f s", 100.0 * bytes / totalBytes,
                    secs * (totalBytes - bytes) / bytes) : "";
            err.printf("\r%d records, %.0f records/s%s   ", records, records / secs, eta);
        }

        void done(long records) {
            if (enabled) {
                err.printf("\r%d records in %.1f s%n", records, (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
