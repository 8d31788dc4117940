package io.sluice.broker.replication;

/**
 * A replica's applied state broke an invariant that every replica of the group must share (a shard position that
 * differs from what its log stored, a sequence that went backwards). Applying more entries on top would spread the
 * divergence, so the replica stops: the exception propagates out of the state machine's apply, Ratis stops that
 * group's member on this broker, and the other replicas go on. Recovery: stop the broker, delete this group's
 * directory under {@code data.dir/raft/} and the group's shard directories (or the whole data.dir), and start it
 * again; it rejoins by snapshot install from the leader (docs/architecture.md, "The apply unit is closed").
 */
public final class ReplicaDivergedException extends IllegalStateException {
    public ReplicaDivergedException(String message) {
        super(message + "; this replica stops applying (wipe it and restart it to resync from the leader)");
    }
}
