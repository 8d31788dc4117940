package io.sluice.client.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.client.consumer.ConsumerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PrefetchBufferTest {
    private static FetchedBatch batch(int records, int bytesEach) {
        List<ConsumerRecord> out = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            out.add(new ConsumerRecord("s", FakeFetcher.seq(i), 0, "", ByteString.copyFrom(new byte[bytesEach])));
        }
        return new FetchedBatch(out, 0, false);
    }

    @Test
    void aFullBuffer_keepsTheResumeCallback_andRunsItOnceWhenAPollMakesRoom() {
        AtomicInteger data = new AtomicInteger();
        AtomicInteger resumed = new AtomicInteger();
        PrefetchBuffer b = new PrefetchBuffer(10, 1 << 20, data::incrementAndGet);
        assertThat(b.awaitRoom(resumed::incrementAndGet)).isTrue();
        b.add(batch(6, 1));
        assertThat(b.awaitRoom(resumed::incrementAndGet)).isTrue();
        b.add(batch(6, 1));
        assertThat(data.get()).isEqualTo(2);
        assertThat(b.records()).isEqualTo(12);
        assertThat(b.awaitRoom(resumed::incrementAndGet)).as("12 records >= 10").isFalse();
        assertThat(resumed.get()).isZero();

        assertThat(b.poll().records()).hasSize(6);
        assertThat(resumed.get()).as("6 records < 10: room again").isEqualTo(1);
        b.poll();
        assertThat(resumed.get()).as("the callback runs once").isEqualTo(1);
        assertThat(b.poll()).isNull();
        assertThat(b.isEmpty()).isTrue();
    }

    @Test
    void theByteLimitStopsFetchingToo() {
        AtomicInteger resumed = new AtomicInteger();
        PrefetchBuffer b = new PrefetchBuffer(1_000, 1_000, () -> { });
        b.add(batch(2, 600));
        assertThat(b.bytes()).isEqualTo(1_200);
        assertThat(b.awaitRoom(resumed::incrementAndGet)).isFalse();
        b.poll();
        assertThat(resumed.get()).isEqualTo(1);
    }

    @Test
    void clear_dropsBatchesAndTheResumeCallback() {
        AtomicInteger resumed = new AtomicInteger();
        PrefetchBuffer b = new PrefetchBuffer(1, 1 << 20, () -> { });
        b.add(batch(3, 1));
        assertThat(b.awaitRoom(resumed::incrementAndGet)).isFalse();
        b.clear();
        assertThat(b.records()).isZero();
        assertThat(b.bytes()).isZero();
        assertThat(b.poll()).isNull();
        b.add(batch(3, 1));
        b.poll();
        assertThat(resumed.get()).as("a stopped fetcher is not resumed").isZero();
    }

    @Test
    void idleLag_isReportedOnlyWhileNothingIsBuffered() {
        PrefetchBuffer b = new PrefetchBuffer(10, 1 << 20, () -> { });
        assertThat(b.idleMillisBehindLatest()).isEqualTo(-1);
        b.idle(0);
        assertThat(b.idleMillisBehindLatest()).isZero();
        b.add(batch(1, 1));
        assertThat(b.idleMillisBehindLatest()).isEqualTo(-1);
    }

    /**
     * A fetcher that follows the protocol (add a batch, then ask for room; fetch again only when told) against a
     * consumer polling at random moments: the buffer never holds more than the limit plus one batch.
     */
    @Test
    void aFetcherFollowingTheProtocol_neverOverfillsTheBuffer() {
        int maxRecords = 50;
        int maxBatch = 20;
        Random random = new Random(42);
        PrefetchBuffer b = new PrefetchBuffer(maxRecords, Long.MAX_VALUE, () -> { });
        boolean[] fetching = {true};
        int peak = 0;
        int delivered = 0;
        for (int step = 0; step < 20_000; step++) {
            if (fetching[0] && random.nextBoolean()) {
                b.add(batch(1 + random.nextInt(maxBatch), 1));
                fetching[0] = b.awaitRoom(() -> fetching[0] = true);
            } else if (random.nextInt(3) == 0) {
                FetchedBatch polled = b.poll();
                delivered += polled == null ? 0 : polled.records().size();
            }
            peak = Math.max(peak, b.records());
            assertThat(b.records()).isLessThan(maxRecords + maxBatch);
        }
        assertThat(delivered).as("the consumer made progress").isGreaterThan(10_000);
        assertThat(peak).as("the limit was reached, so the bound was exercised").isGreaterThanOrEqualTo(maxRecords);
    }
}
