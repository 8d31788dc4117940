package io.sluice.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.proto.internal.v1.AcquireLeaseOp;
import io.sluice.proto.internal.v1.CheckpointOp;
import io.sluice.proto.internal.v1.CreateStreamCommand;
import io.sluice.proto.internal.v1.DeleteStreamCommand;
import io.sluice.proto.internal.v1.LeaseCommand;
import io.sluice.proto.internal.v1.LeaseRecord;
import io.sluice.proto.internal.v1.LeaseRefOp;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.internal.v1.RenewLeasesOp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lease transitions as the metadata group applies them; "now" is each command's time. */
class LeasesTest {
    private final MetadataCommands commands = new MetadataCommands(2);
    private MetadataState state = MetadataState.getDefaultInstance();
    private long index;
    private long streamId;

    private MetadataResult run(long now, MetadataCommand.Builder c) {
        MetadataCommands.Outcome o = commands.apply(state, 1, ++index, c.setLeaderTimeMs(now).build());
        state = o.state();
        return o.result();
    }

    private MetadataResult lease(long now, String worker, LeaseCommand.Builder op) {
        return run(now, MetadataCommand.newBuilder().setLease(op.setApplication("app").setStreamId(streamId)
                .setWorkerId(worker).setLeaseDurationMs(10_000)));
    }

    private MetadataResult acquire(long now, String worker, int shard) {
        return lease(now, worker, LeaseCommand.newBuilder().setAcquire(AcquireLeaseOp.newBuilder()
                .setShardIndex(shard)));
    }

    private MetadataResult checkpoint(long now, String worker, int shard, long counter, String seq) {
        return lease(now, worker, LeaseCommand.newBuilder().setCheckpoint(CheckpointOp.newBuilder()
                .setShardIndex(shard).setLeaseCounter(counter).setCheckpoint(seq)));
    }

    @BeforeEach
    void stream() {
        streamId = run(0, MetadataCommand.newBuilder().setCreateStream(CreateStreamCommand.newBuilder()
                .setStreamName("s").setShardCount(3).setRetentionPeriodHours(24))).getStream().getStreamId();
    }

    @Test
    void heldLeaseIsRefused_expiredLeaseIsTakenOver_andTheOldOwnerIsFencedOff() {
        LeaseRecord a = acquire(1_000, "a", 1).getLeases(0);
        assertThat(a.getOwner()).isEqualTo("a");
        assertThat(a.getLeaseCounter()).isEqualTo(1);
        assertThat(a.getExpiresAtMs()).isEqualTo(11_000);

        MetadataResult refused = acquire(5_000, "b", 1);
        assertThat(refused.getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.LEASE_LOST);
        assertThat(refused.getErrorMessage()).contains("held by worker a");
        assertThat(checkpoint(6_000, "a", 1, 1, "100").getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.ERROR_CODE_UNSPECIFIED);

        LeaseRecord b = acquire(11_000, "b", 1).getLeases(0);
        assertThat(b.getOwner()).isEqualTo("b");
        assertThat(b.getLeaseCounter()).isEqualTo(2);
        assertThat(b.getCheckpoint()).as("the checkpoint survives the takeover").isEqualTo("100");

        MetadataResult stale = checkpoint(11_500, "a", 1, 1, "200");
        assertThat(stale.getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.LEASE_LOST);
        assertThat(stale.getErrorMessage()).contains("checkpoint was refused");
        assertThat(checkpoint(11_500, "b", 1, 2, "200").getLeases(0).getCheckpoint()).isEqualTo("200");
    }

    @Test
    void stealNeedsTheCounterTheStealerSaw() {
        acquire(0, "a", 0);
        MetadataResult staleSteal = lease(100, "b", LeaseCommand.newBuilder().setAcquire(AcquireLeaseOp.newBuilder()
                .setShardIndex(0).setSteal(true).setExpectedCounter(0)));
        assertThat(staleSteal.getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.LEASE_LOST);
        LeaseRecord stolen = lease(100, "b", LeaseCommand.newBuilder().setAcquire(AcquireLeaseOp.newBuilder()
                .setShardIndex(0).setSteal(true).setExpectedCounter(1))).getLeases(0);
        assertThat(stolen.getOwner()).isEqualTo("b");
        assertThat(stolen.getLeaseCounter()).isEqualTo(2);
    }

    @Test
    void renewExtendsHeldLeasesAndReportsLostOnes_releaseFreesAtOnce() {
        acquire(0, "a", 0);
        acquire(0, "a", 1);
        acquire(0, "b", 2);
        MetadataResult renewed = lease(5_000, "a", LeaseCommand.newBuilder().setRenew(RenewLeasesOp.newBuilder()
                .addLeases(LeaseRefOp.newBuilder().setShardIndex(0).setLeaseCounter(1))
                .addLeases(LeaseRefOp.newBuilder().setShardIndex(1).setLeaseCounter(7))
                .addLeases(LeaseRefOp.newBuilder().setShardIndex(2).setLeaseCounter(1))));
        assertThat(renewed.getLeasesList()).extracting(LeaseRecord::getShardIndex).containsExactly(0);
        assertThat(renewed.getLeases(0).getExpiresAtMs()).isEqualTo(15_000);
        assertThat(renewed.getLostShardIndexesList()).containsExactly(1, 2);

        LeaseRecord released = lease(6_000, "a", LeaseCommand.newBuilder().setRelease(LeaseRefOp.newBuilder()
                .setShardIndex(0).setLeaseCounter(1))).getLeases(0);
        assertThat(released.getOwner()).isEmpty();
        assertThat(released.getLeaseCounter()).isEqualTo(2);
        assertThat(acquire(6_001, "b", 0).getLeases(0).getLeaseCounter()).isEqualTo(3);
    }

    @Test
    void unknownShardAndDeletedStream() {
        assertThat(acquire(0, "a", 3).getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.RESOURCE_NOT_FOUND);
        acquire(0, "a", 0);
        run(1, MetadataCommand.newBuilder().setDeleteStream(DeleteStreamCommand.newBuilder().setStreamName("s")));
        assertThat(state.getConsumersList()).as("leases go with their stream").isEmpty();
        assertThat(acquire(2, "a", 0).getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.RESOURCE_NOT_FOUND);
    }
}
