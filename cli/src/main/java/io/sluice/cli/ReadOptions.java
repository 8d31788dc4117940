package io.sluice.cli;

import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Where get and tail start reading, and how records are printed. */
final class ReadOptions {
    @Parameters(index = "0", paramLabel = "STREAM")
    String stream;
    @Option(names = "--shard-id", required = true, description = "The shard, e.g. shardId-000000000000.")
    String shardId;
    @Option(names = "--sequence-number", description = "For AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER.")
    String sequenceNumber;
    @Option(names = "--timestamp",
            description = "For AT_TIMESTAMP: ISO-8601 (2026-11-24T10:00:00Z) or ms since the epoch.")
    String timestamp;

    GetShardIteratorRequest iteratorRequest(ShardIteratorType type) {
        GetShardIteratorRequest.Builder b = GetShardIteratorRequest.newBuilder().setStreamName(stream)
                .setShardId(shardId).setShardIteratorType(type);
        if (sequenceNumber != null) {
            b.setStartingSequenceNumber(sequenceNumber);
        }
        if (timestamp != null) {
            b.setTimestamp(parseTimestamp(timestamp));
        }
        return b.build();
    }

    static long parseTimestamp(String text) {
        try {
            return text.chars().allMatch(Character::isDigit) ? Long.parseLong(text)
                    : Instant.parse(text).toEpochMilli();
        } catch (RuntimeException e) {
            throw io.sluice.common.SluiceException.invalidArgument("--timestamp",
                    "ISO-8601 (2026-11-24T10:00:00Z) or ms since the epoch", "'" + text + "'");
        }
    }

    static final List<String> HEADER = List.of("SEQUENCE", "ARRIVAL", "KEY", "DATA");

    static List<String> row(Record r) {
        return List.of(r.getSequenceNumber(), Instant.ofEpochMilli(r.getApproximateArrivalTimestamp()).toString(),
                r.getPartitionKey(), printable(r.getData().toStringUtf8()));
    }

    static List<List<String>> rows(List<Record> records) {
        List<List<String>> rows = new ArrayList<>();
        records.forEach(r -> rows.add(row(r)));
        return rows;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || c == 0xFFFD) {
                b.append('.');
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
