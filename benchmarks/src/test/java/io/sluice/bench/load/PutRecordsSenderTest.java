package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.bench.load.WorkloadOptions.Routing;
import io.sluice.common.GrpcErrors;
import io.sluice.common.HashKeyRange;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How answers are counted: per-record failures are failures, a failed call fails all its records. */
class PutRecordsSenderTest {
    private static final PutRecordsRequestEntry E = PutRecordsRequestEntry.newBuilder().setPartitionKey("k").build();

    private final LoadStats stats = new LoadStats();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final ShardRouter router = new ShardRouter(new ShardMap(List.of(
            new ShardMap.ShardInfo("shardId-000000000000", HashKeyRange.evenSplit(1).get(0), "group-0"))),
            List.of("t:1"), Routing.LEADER);

    private PutRecordsSender sender(boolean fromIntended) {
        return new PutRecordsSender("s", router, null, stats, Duration.ofSeconds(1), fromIntended, 1000,
                refreshes::incrementAndGet);
    }

    private static Batch batchOf(int n) {
        Batch b = new Batch(0);
        for (int i = 0; i < n; i++) {
            b.add(E, 1010, i * 1_000_000L); // intended 0, 1, 2 ... ms
        }
        b.markSent(10_000_000L);
        return b;
    }

    private static PutRecordsResultEntry ok() {
        return PutRecordsResultEntry.newBuilder().setShardId("shardId-000000000000").setSequenceNumber("1").build();
    }

    @Test
    void perRecordErrorsAreCountedByCodeAndTheRestAcked() {
        PutRecordsResponse response = PutRecordsResponse.newBuilder().setFailedRecordCount(1)
                .addRecords(ok())
                .addRecords(PutRecordsResultEntry.newBuilder().setErrorCode(ErrorCode.THROTTLED)
                        .setErrorMessage("slow down").setRetriable(true))
                .addRecords(ok()).build();
        sender(true).onResponse(batchOf(3), response, 20_000_000L);
        LoadStats.Counts c = stats.counts();
        assertThat(c.ackedRecords()).isEqualTo(2);
        assertThat(c.ackedDataBytes()).isEqualTo(2000);
        assertThat(c.failedRecords()).isEqualTo(1);
        assertThat(stats.failuresByCode()).containsEntry("THROTTLED", 1L);
        assertThat(stats.firstMessage("THROTTLED")).isEqualTo("slow down");
        assertThat(refreshes).hasValue(1);
        // from intended send times 0 and 2 ms to the answer at 20 ms
        var h = stats.takeIntervalHistogram();
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.valuesAreEquivalent(h.getMinValue(), 18_000)).isTrue();
        assertThat(h.valuesAreEquivalent(h.getMaxValue(), 20_000)).isTrue();
    }

    @Test
    void atMaxRateLatencyRunsFromTheStartOfTheCall() {
        PutRecordsResponse response = PutRecordsResponse.newBuilder().addRecords(ok()).addRecords(ok()).build();
        sender(false).onResponse(batchOf(2), response, 25_000_000L);
        var h = stats.takeIntervalHistogram();
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.valuesAreEquivalent(h.getMaxValue(), 15_000)).isTrue();
    }

    @Test
    void aShortResponseFailsTheRecordsItDoesNotAnswer() {
        PutRecordsResponse response = PutRecordsResponse.newBuilder().addRecords(ok()).build();
        sender(true).onResponse(batchOf(3), response, 20_000_000L);
        assertThat(stats.counts().ackedRecords()).isEqualTo(1);
        assertThat(stats.failuresByCode()).containsEntry("MISSING_RESULT", 2L);
    }

    @Test
    void aFailedCallFailsAllItsRecordsAndNotLeaderTeachesTheLeader() {
        SluiceException notLeader = SluiceException.notLeader("group-0", "n2", "127.0.0.1:7702");
        sender(true).onCallFailed(batchOf(4), "127.0.0.1:7701", GrpcErrors.toStatus(notLeader));
        LoadStats.Counts c = stats.counts();
        assertThat(c.failedRecords()).isEqualTo(4);
        assertThat(c.failedRequests()).isEqualTo(1);
        assertThat(c.ackedRecords()).isZero();
        assertThat(stats.failuresByCode()).containsEntry("NOT_LEADER", 4L);
        assertThat(router.addressFor(0)).isEqualTo("127.0.0.1:7702");
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void transportErrorsAreCountedAsTheirCatalogueCode() {
        sender(true).onCallFailed(batchOf(2), "127.0.0.1:7701", io.grpc.Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.io.IOException("Connection reset by peer")).asRuntimeException());
        assertThat(stats.failuresByCode()).containsEntry("UNAVAILABLE", 2L);
        assertThat(stats.firstMessage("UNAVAILABLE")).isEqualTo(
                "io exception (java.io.IOException: Connection reset by peer) from 127.0.0.1:7701");
    }
}
