package io.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateScheduleTest {
    @Test
    void recordKIsDueAtStartPlusKIntervals() {
        RateSchedule s = new RateSchedule(1_000, 1000); // one record per ms
        assertThat(s.take()).isEqualTo(1_000);
        assertThat(s.take()).isEqualTo(1_001_000);
        assertThat(s.nextDueNanos()).isEqualTo(2_001_000);
        assertThat(s.taken()).isEqualTo(2);
    }

    @Test
    void dueTimesDoNotDriftOverAMillionRecords() {
        RateSchedule s = new RateSchedule(0, 3); // 333,333,333.33 ns apart: rounding must not accumulate
        long last = 0;
        for (int i = 0; i < 1_000_000; i++) {
            last = s.take();
        }
        assertThat(last).isBetween(333_333_000_000_000L - 1, 333_333_000_000_000L);
    }

    @Test
    void producersSharingARateInterleaveEvenly() {
        RateSchedule a = RateSchedule.share(0, 1000, 0, 2);
        RateSchedule b = RateSchedule.share(0, 1000, 1, 2);
        List<Long> due = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            due.add(a.take());
            due.add(b.take());
        }
        assertThat(due).containsExactly(0L, 1_000_000L, 2_000_000L, 3_000_000L, 4_000_000L, 5_000_000L,
                6_000_000L, 7_000_000L, 8_000_000L, 9_000_000L);
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new RateSchedule(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
