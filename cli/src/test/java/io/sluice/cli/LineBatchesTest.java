package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineBatchesTest {
    @TempDir
    Path dir;

    /** Records the batches it is asked to send; refuses lines starting with "!". */
    private static final class Recorder implements LineBatches.Batch<String> {
        final List<List<String>> sent = new ArrayList<>();
        final List<Long> refusedLines = new ArrayList<>();
        private final List<String> open = new ArrayList<>();
        private long answered;

        @Override
        public String entry(String line, long lineNo) {
            if (line.startsWith("!")) {
                refusedLines.add(lineNo);
                return null;
            }
            return line;
        }

        @Override
        public long bytes(String entry) {
            return entry.length();
        }

        @Override
        public void add(String entry) {
            open.add(entry);
        }

        @Override
        public int count() {
            return open.size();
        }

        @Override
        public long send() {
            answered += open.size();
            sent.add(List.copyOf(open));
            open.clear();
            return answered;
        }
    }

    private List<List<String>> put(List<String> lines, int maxRecords, long maxBytes, Recorder r) throws IOException {
        Path file = dir.resolve("in.txt");
        Files.write(file, lines, StandardCharsets.UTF_8);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LineBatches.put(file, new PrintStream(err, true, StandardCharsets.UTF_8), maxRecords, maxBytes, r);
        assertThat(err.toString(StandardCharsets.UTF_8)).as("no progress when not on a terminal").isEmpty();
        return r.sent;
    }

    @Test
    void batchesAreCutAtTheRecordLimitKeepingEveryLineInOrder() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            lines.add("l" + i);
        }
        assertThat(put(lines, 3, 1_000, new Recorder()))
                .containsExactly(List.of("l0", "l1", "l2"), List.of("l3", "l4", "l5"), List.of("l6"));
    }

    @Test
    void aBatchLeavesBeforeALineWouldTakeItOverTheByteLimit() throws IOException {
        // 4 + 4 = 8 fits in 10; the third 4-byte line would make 12, so it starts the next batch.
        assertThat(put(List.of("aaaa", "bbbb", "cccc", "dd", "eeeeeeeeeeee"), 100, 10, new Recorder()))
                .containsExactly(List.of("aaaa", "bbbb"), List.of("cccc", "dd"), List.of("eeeeeeeeeeee"));
    }

    @Test
    void refusedLinesAreSkippedAndNumberedFromOne() throws IOException {
        Recorder r = new Recorder();
        assertThat(put(List.of("a", "!too big", "b", "!"), 10, 100, r)).containsExactly(List.of("a", "b"));
        assertThat(r.refusedLines).containsExactly(2L, 4L);
    }

    @Test
    void anEmptyInputSendsNothing() throws IOException {
        assertThat(put(List.of(), 10, 100, new Recorder())).isEmpty();
    }
}
