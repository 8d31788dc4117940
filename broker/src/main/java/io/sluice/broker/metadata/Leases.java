package io.sluice.broker.metadata;

import io.sluice.common.ShardId;
import io.sluice.proto.internal.v1.AcquireLeaseOp;
import io.sluice.proto.internal.v1.CheckpointOp;
import io.sluice.proto.internal.v1.ConsumerLeases;
import io.sluice.proto.internal.v1.LeaseCommand;
import io.sluice.proto.internal.v1.LeaseRecord;
import io.sluice.proto.internal.v1.LeaseRefOp;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.ErrorCode;

/**
 * Consumer lease transitions (see sluice/v1/leases.proto), part of the metadata group's pure transition function.
 * "Now" is the command's proposer time, so every replica decides the same.
 */
final class Leases {
    private Leases() {
    }

    static MetadataResult apply(MetadataState.Builder s, long nowMs, LeaseCommand c) {
        StreamRecord stream = null;
        for (StreamRecord r : s.getStreamsList()) {
            if (r.getStreamId() == c.getStreamId()) {
                stream = r;
            }
        }
        if (stream == null) {
            return MetadataCommands.error(ErrorCode.RESOURCE_NOT_FOUND, "the stream was deleted");
        }
        ConsumerLeases.Builder app = consumer(s, c.getApplication(), c.getStreamId());
        MetadataResult.Builder result = MetadataResult.newBuilder();
        switch (c.getOpCase()) {
            case ACQUIRE -> {
                AcquireLeaseOp op = c.getAcquire();
                if (!shardExists(stream, op.getShardIndex(), result)) {
                    break;
                }
                LeaseRecord.Builder lease = lease(app, op.getShardIndex());
                boolean mine = lease.getOwner().equals(c.getWorkerId());
                boolean free = lease.getOwner().isEmpty() || lease.getExpiresAtMs() <= nowMs;
                boolean stolen = op.getSteal() && lease.getLeaseCounter() == op.getExpectedCounter();
                if (!mine && !free && !stolen) {
                    lost(result, lease, "is held by worker " + lease.getOwner() + " until "
                            + lease.getExpiresAtMs() + " (counter " + lease.getLeaseCounter() + ")");
                    break;
                }
                if (!mine) {
                    lease.setOwner(c.getWorkerId()).setLeaseCounter(lease.getLeaseCounter() + 1);
                }
                lease.setExpiresAtMs(nowMs + c.getLeaseDurationMs());
                result.addLeases(lease);
            }
            case RENEW -> {
                for (LeaseRefOp ref : c.getRenew().getLeasesList()) {
                    LeaseRecord.Builder lease = find(app, ref.getShardIndex());
                    if (lease != null && held(lease, c.getWorkerId(), ref.getLeaseCounter(), nowMs)) {
                        lease.setExpiresAtMs(nowMs + c.getLeaseDurationMs());
                        result.addLeases(lease);
                    } else {
                        result.addLostShardIndexes(ref.getShardIndex());
                    }
                }
            }
            case RELEASE -> {
                LeaseRefOp ref = c.getRelease();
                LeaseRecord.Builder lease = find(app, ref.getShardIndex());
                if (lease == null || !held(lease, c.getWorkerId(), ref.getLeaseCounter(), nowMs)) {
                    lost(result, lease, "is not held by worker " + c.getWorkerId() + " with counter "
                            + ref.getLeaseCounter());
                    break;
                }
                lease.setOwner("").setExpiresAtMs(0).setLeaseCounter(lease.getLeaseCounter() + 1);
                result.addLeases(lease);
            }
            case CHECKPOINT -> {
                CheckpointOp op = c.getCheckpoint();
                LeaseRecord.Builder lease = find(app, op.getShardIndex());
                if (lease == null || !held(lease, c.getWorkerId(), op.getLeaseCounter(), nowMs)) {
                    lost(result, lease, "is not held by worker " + c.getWorkerId() + " with counter "
                            + op.getLeaseCounter() + "; the checkpoint was refused");
                    break;
                }
                lease.setCheckpoint(op.getCheckpoint());
                result.addLeases(lease);
            }
            case OP_NOT_SET -> throw new IllegalStateException("lease command without an operation");
        }
        return result.build();
    }

    /** Owned by {@code worker} with {@code counter} and not expired. */
    private static boolean held(LeaseRecord.Builder lease, String worker, long counter, long nowMs) {
        return lease.getOwner().equals(worker) && lease.getLeaseCounter() == counter && lease.getExpiresAtMs() > nowMs;
    }

    private static void lost(MetadataResult.Builder result, LeaseRecord.Builder lease, String why) {
        String shard = lease == null ? "the shard" : ShardId.format(lease.getShardIndex());
        result.setError(ErrorCode.LEASE_LOST).setErrorMessage("the lease of " + shard + " " + why);
    }

    private static boolean shardExists(StreamRecord stream, int index, MetadataResult.Builder result) {
        if (index >= 0 && index < stream.getShardsCount()) {
            return true;
        }
        result.setError(ErrorCode.RESOURCE_NOT_FOUND).setErrorMessage("stream "
                + stream.getStreamName() + " has no shard " + ShardId.format(index));
        return false;
    }

    private static ConsumerLeases.Builder consumer(MetadataState.Builder s, String application, long streamId) {
        for (ConsumerLeases.Builder c : s.getConsumersBuilderList()) {
            if (c.getApplication().equals(application) && c.getStreamId() == streamId) {
                return c;
            }
        }
        return s.addConsumersBuilder().setApplication(application).setStreamId(streamId);
    }

    private static LeaseRecord.Builder find(ConsumerLeases.Builder app, int shardIndex) {
        for (LeaseRecord.Builder l : app.getLeasesBuilderList()) {
            if (l.getShardIndex() == shardIndex) {
                return l;
            }
        }
        return null;
    }

    private static LeaseRecord.Builder lease(ConsumerLeases.Builder app, int shardIndex) {
        LeaseRecord.Builder l = find(app, shardIndex);
        if (l != null) {
            return l;
        }
        int at = 0;
        while (at < app.getLeasesCount() && app.getLeases(at).getShardIndex() < shardIndex) {
            at++;
        }
        app.addLeases(at, LeaseRecord.newBuilder().setShardIndex(shardIndex));
        return app.getLeasesBuilder(at);
    }
}
