package io.sluice.client.consumer.internal;

import static io.sluice.client.consumer.internal.FakeFetcher.seq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShardCheckpointerTest {
    private static final String SHARD = FakeLeases.shard(0);

    private final TestClock clock = new TestClock();
    private final FakeLeases cluster = new FakeLeases(clock, 1);
    private final AtomicInteger lostSignals = new AtomicInteger();
    private LeaseClient a;
    private LeaseInfo lease;

    @BeforeEach
    void takeTheLease() {
        a = cluster.client("a", 10_000);
        lease = a.acquire(SHARD, false, 0);
    }

    private ShardCheckpointer checkpointer(String initialCheckpoint) {
        return new ShardCheckpointer(SHARD, lease.leaseCounter(), initialCheckpoint, a, lostSignals::incrementAndGet);
    }

    @Test
    void checkpointsCarryTheLeaseCounter_andMoveForwardOnly() {
        ShardCheckpointer c = checkpointer(null);
        c.checkpoint();
        assertThat(cluster.calls).as("nothing delivered: nothing to record").noneMatch(s -> s.contains("checkpoint"));
        c.delivered(seq(9));
        c.checkpoint(seq(4));
        assertThat(cluster.calls).contains("a checkpoint " + SHARD + "@" + lease.leaseCounter() + " " + seq(4));
        c.checkpoint();
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(seq(9));
        assertThat(c.lastCheckpoint()).isEqualTo(seq(9));

        int before = cluster.calls.size();
        c.checkpoint(seq(9));
        assertThat(cluster.calls).as("the same checkpoint again is not sent").hasSize(before);
        assertThatThrownBy(() -> c.checkpoint(seq(3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before the last checkpoint");
        assertThatThrownBy(() -> c.checkpoint(seq(10))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a record of " + SHARD + " delivered so far");
        assertThatThrownBy(() -> c.checkpoint(new io.sluice.common.SequenceNumber(2, 1).toString()))
                .as("a sequence number of another stream").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.checkpoint("12x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(lostSignals.get()).isZero();
    }

    @Test
    void aCheckpointBeforeTheOneTheLeaseStartedFrom_isRefusedLocally() {
        ShardCheckpointer c = checkpointer(seq(5));
        c.delivered(seq(8));
        assertThatThrownBy(() -> c.checkpoint(seq(4))).isInstanceOf(IllegalArgumentException.class);
        c.checkpoint(seq(6));
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(seq(6));
    }

    @Test
    void afterTheLeaseIsStolen_theStaleCounterIsRefused_theLeaseCountsAsLost_andNoFurtherCallIsMade() {
        ShardCheckpointer c = checkpointer(null);
        c.delivered(seq(3));
        c.checkpoint(seq(1));
        LeaseInfo stolen = cluster.client("b", 10_000).acquire(SHARD, true, lease.leaseCounter());
        assertThat(stolen.leaseCounter()).isEqualTo(lease.leaseCounter() + 1);

        assertThatThrownBy(c::checkpoint).isInstanceOf(SluiceException.class)
                .satisfies(e -> assertThat(((SluiceException) e).code()).isEqualTo(ErrorCode.LEASE_LOST));
        assertThat(c.lost()).isTrue();
        assertThat(lostSignals.get()).isEqualTo(1);
        assertThat(cluster.row(SHARD).checkpoint).as("the refused checkpoint changed nothing").isEqualTo(seq(1));
        assertThat(c.lastCheckpoint()).isEqualTo(seq(1));

        int calls = cluster.calls.size();
        c.delivered(seq(5));
        assertThatThrownBy(() -> c.checkpoint(seq(5))).isInstanceOf(SluiceException.class)
                .satisfies(e -> assertThat(((SluiceException) e).code()).isEqualTo(ErrorCode.LEASE_LOST));
        assertThat(cluster.calls).as("a lost lease is not asked about again").hasSize(calls);
        assertThat(lostSignals.get()).isEqualTo(1);
    }

    @Test
    void anExpiredLease_isRefusedEvenIfNobodyTookIt() {
        ShardCheckpointer c = checkpointer(null);
        c.delivered(seq(0));
        clock.advance(Duration.ofSeconds(10));
        assertThatThrownBy(c::checkpoint).isInstanceOf(SluiceException.class);
        assertThat(c.lost()).isTrue();
    }

    @Test
    void anUnreachableCluster_failsTheCall_butTheLeaseIsNotLost() {
        ShardCheckpointer c = checkpointer(null);
        c.delivered(seq(2));
        cluster.unavailable = true;
        assertThatThrownBy(c::checkpoint).isInstanceOf(SluiceException.class)
                .satisfies(e -> assertThat(((SluiceException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(c.lost()).isFalse();
        assertThat(lostSignals.get()).isZero();
        cluster.unavailable = false;
        c.checkpoint();
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(seq(2));
    }

    @Test
    void markLost_stopsCheckpointsWithoutAskingTheCluster() {
        ShardCheckpointer c = checkpointer(null);
        c.delivered(seq(2));
        c.markLost();
        assertThatThrownBy(c::checkpoint).isInstanceOf(SluiceException.class);
        assertThat(cluster.calls).noneMatch(s -> s.contains("checkpoint"));
    }

    @Test
    void shardEnd_onlyOnceTheShardEnded_andNothingAfterIt() {
        ShardCheckpointer c = checkpointer(null);
        c.delivered(seq(2));
        assertThatThrownBy(c::checkpointShardEnd).isInstanceOf(IllegalStateException.class);
        c.allowShardEnd();
        c.checkpointShardEnd();
        assertThat(c.checkpointedShardEnd()).isTrue();
        assertThat(cluster.row(SHARD).checkpoint).isEqualTo(LeaseInfo.SHARD_END);
        assertThatThrownBy(() -> c.checkpoint(seq(2))).isInstanceOf(IllegalStateException.class);
    }
}
