package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.proto.v1.PutRecordsRequestEntry;
import org.junit.jupiter.api.Test;

class ShardBatcherTest {
    private static final PutRecordsRequestEntry E = PutRecordsRequestEntry.newBuilder().setPartitionKey("k").build();

    @Test
    void aBatchClosesWhenItHoldsMaxRecords() {
        ShardBatcher b = new ShardBatcher(2, 3, 1 << 20, 1_000);
        b.add(0, E, 100, 0);
        b.add(0, E, 100, 1);
        assertThat(b.hasReady()).isFalse();
        b.add(0, E, 100, 2);
        Batch batch = b.pollReady();
        assertThat(batch.count()).isEqualTo(3);
        assertThat(batch.shard()).isZero();
        assertThat(batch.intendedNanos(2)).isEqualTo(2);
        assertThat(b.hasOpen()).isFalse();
    }

    @Test
    void aRecordThatWouldOverflowMaxBytesStartsTheNextBatch() {
        ShardBatcher b = new ShardBatcher(1, 500, 250, 1_000);
        b.add(0, E, 100, 0);
        b.add(0, E, 100, 1);
        b.add(0, E, 100, 2); // 300 > 250: the first two leave, this one opens the next batch
        assertThat(b.readyCount()).isEqualTo(1);
        Batch first = b.pollReady();
        assertThat(first.count()).isEqualTo(2);
        assertThat(first.bytes()).isEqualTo(200);
        assertThat(b.hasOpen()).isTrue();
        assertThat(b.nextLingerDeadlineNanos()).isEqualTo(2 + 1_000);
    }

    @Test
    void aBatchExactlyAtMaxBytesClosesAtOnce() {
        ShardBatcher b = new ShardBatcher(1, 500, 200, 1_000);
        b.add(0, E, 100, 0);
        b.add(0, E, 100, 1);
        assertThat(b.readyCount()).isEqualTo(1);
    }

    @Test
    void batchesCloseWhenTheLingerAfterTheirFirstRecordHasPassed() {
        ShardBatcher b = new ShardBatcher(3, 500, 1 << 20, 5_000);
        b.add(0, E, 10, 1_000);
        b.add(1, E, 10, 3_000);
        b.add(0, E, 10, 4_000);
        assertThat(b.nextLingerDeadlineNanos()).isEqualTo(6_000);
        b.closeExpired(5_999);
        assertThat(b.hasReady()).isFalse();
        b.closeExpired(6_000);
        assertThat(b.readyCount()).isEqualTo(1);
        assertThat(b.pollReady().count()).isEqualTo(2);
        assertThat(b.nextLingerDeadlineNanos()).isEqualTo(8_000);
        b.closeAll();
        assertThat(b.pollReady().shard()).isEqualTo(1);
        assertThat(b.hasOpen()).isFalse();
        assertThat(b.nextLingerDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void readyBatchesLeaveInTheOrderTheyClosed() {
        ShardBatcher b = new ShardBatcher(3, 1, 1 << 20, 5_000);
        b.add(2, E, 10, 0);
        b.add(0, E, 10, 1);
        b.add(1, E, 10, 2);
        assertThat(b.pollReady().shard()).isEqualTo(2);
        assertThat(b.pollReady().shard()).isEqualTo(0);
        assertThat(b.pollReady().shard()).isEqualTo(1);
        assertThat(b.pollReady()).isNull();
    }
}
