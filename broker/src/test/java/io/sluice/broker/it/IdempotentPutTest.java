package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.common.GrpcErrors;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Idempotent PutRecords: a retried batch is stored once and answered with its original sequence numbers. */
class IdempotentPutTest {
    private static final String FIRST = "0";
    private static final String LAST = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString();
    private static final String SHARD0 = "shardId-000000000000";
    private static final String SHARD1 = "shardId-000000000001";

    @TempDir
    Path dir;

    private static PutRecordsRequest request(long producer, long seq0, long seq1, String tag) {
        PutRecordsRequest.Builder b = PutRecordsRequest.newBuilder().setStreamName("idem").setProducerId(producer);
        for (int i = 0; i < 3; i++) {
            b.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k").setExplicitHashKey(FIRST)
                    .setData(ByteString.copyFromUtf8(tag + "-a" + i)));
        }
        b.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("k").setExplicitHashKey(LAST)
                .setData(ByteString.copyFromUtf8(tag + "-b0")));
        return b.putProducerSequences(SHARD0, seq0).putProducerSequences(SHARD1, seq1).build();
    }

    private static List<String> sequenceNumbers(PutRecordsResponse r) {
        assertThat(r.getFailedRecordCount()).as("failed entries: %s", r).isZero();
        return r.getRecordsList().stream().map(PutRecordsResultEntry::getSequenceNumber).toList();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void retriedBatchIsStoredOnce_evenAfterARestart_andGapsAreRefused(int brokers) throws Exception {
        Map<String, String> shortLog = Map.of("raft.snapshot.threshold.entries", "16",
                "raft.log.segment.max.bytes", String.valueOf(16 << 10), "raft.log.purge.gap", "1");
        try (MiniCluster c = new MiniCluster(dir, brokers, Clock.systemUTC(), shortLog)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("idem").setShardCount(2).build());
            List<String> first = sequenceNumbers(c.stub(0).putRecords(request(42, 0, 0, "r0")));
            assertThat(sequenceNumbers(c.stub(brokers - 1).putRecords(request(42, 0, 0, "r0"))))
                    .as("a retry through any broker gets the original sequence numbers").isEqualTo(first);

            // Enough further batches for a snapshot (producer state included) and a purged log.
            List<String> last = null;
            for (int b = 1; b <= 40; b++) {
                last = sequenceNumbers(c.stub(0).putRecords(request(42, 3L * b, b, "r" + b)));
            }
            // Shard 0's part starts past the next expected sequence: refused, retriably, nothing stored; shard 1's
            // part is in sequence and is stored.
            PutRecordsResponse gap = c.stub(0).putRecords(request(42, 3L * 42, 41, "gap"));
            assertThat(gap.getRecordsList()).extracting(PutRecordsResultEntry::getErrorCode)
                    .containsExactly(ErrorCode.OUT_OF_ORDER_SEQUENCE, ErrorCode.OUT_OF_ORDER_SEQUENCE,
                            ErrorCode.OUT_OF_ORDER_SEQUENCE, ErrorCode.ERROR_CODE_UNSPECIFIED);
            assertThat(gap.getRecords(0).getRetriable()).isTrue();
            assertThat(gap.getRecords(0).getErrorMessage()).contains("producer_sequences[" + SHARD0 + "]")
                    .contains("expected sequence 123");

            // Every broker restarts (state from snapshot plus replay); the last batch's retry is still recognised.
            for (int i = 0; i < brokers; i++) {
                c.stop(i);
            }
            for (int i = 0; i < brokers; i++) {
                c.restart(i);
            }
            c.awaitReady();
            assertThat(sequenceNumbers(c.stub(0).putRecords(request(42, 3L * 40, 40, "r40")))).isEqualTo(last);
            // Too old to remember: refused as a duplicate, not stored again.
            PutRecordsResponse old = c.stub(0).putRecords(request(42, 0, 0, "r0"));
            assertThat(old.getRecords(0).getErrorCode()).isEqualTo(ErrorCode.DUPLICATE_SEQUENCE);
            assertThat(old.getRecords(0).getRetriable()).isFalse();

            List<String> shard0 = c.readShard("idem", SHARD0);
            List<String> shard1 = c.readShard("idem", SHARD1);
            assertThat(shard0).hasSize(41 * 3).doesNotHaveDuplicates();
            assertThat(shard1).hasSize(42).doesNotHaveDuplicates().endsWith("gap-b0");

            // Without a sequence for one of its shards, an idempotent request is refused whole.
            assertThatThrownBy(() -> c.stub(0).putRecords(request(42, 3L * 41, 42, "x").toBuilder()
                    .removeProducerSequences(SHARD1).build()))
                    .satisfies(e -> assertThat(GrpcErrors.fromThrowable(e).detail().getField())
                            .isEqualTo("producer_sequences[" + SHARD1 + "]"));
        }
    }
}
