package io.sluice.broker.replication.ratis;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * Ratis's gRPC transport with one fix in the leader's log appender, selected by {@link #install(RaftProperties)}.
 *
 * <p>Ratis 3.3.0 can livelock a follower whose snapshot ends exactly one entry before the leader's first log entry
 * (apache/ratis RATIS-2500, fixed after 3.3.0): the leader, unable to name the term of the entry before its log
 * start, notifies the follower to install a snapshot; the follower answers that its snapshot is already there; the
 * leader sets the follower's next index to the one it had and notifies again, forever. Appending without the
 * previous entry is safe in exactly that case (the follower's snapshot covers it), and Ratis's own append path
 * already allows it. We saw this after a whole-cluster restart: a broker never caught up in the metadata group.
 * Drop this class when a Ratis release carries the fix.
 */
public final class SluiceRpcType implements RpcType {

    /** Makes servers and clients built from {@code properties} use this transport. */
    static void install(RaftProperties properties) {
        RaftConfigKeys.Rpc.setType(properties, new SluiceRpcType());
    }

    /** The class name: Ratis turns the configured name back into an instance by reflection. */
    @Override
    public String name() {
        return SluiceRpcType.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    static final class Factory extends GrpcFactory {
        Factory(Parameters parameters) {
            super(parameters);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
            return new Appender(server, state, f);
        }
    }

    static final class Appender extends GrpcLogAppender {
        Appender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
            super(server, state, f);
        }

        @Override
        public boolean shouldInstallSnapshot(boolean hasSnapshot) {
            FollowerInfo f = getFollower();
            boolean bootstrapping = getLeaderState().isFollowerBootstrapping(f) && !f.hasAttemptedToInstallSnapshot();
            long next = f.getNextIndex();
            if (!bootstrapping && followerSnapshotCoversPrevious(next, f.getSnapshotIndex(),
                    getRaftLog().getStartIndex())) {
                return false;
            }
            return super.shouldInstallSnapshot(hasSnapshot);
        }
    }

    /**
     * Whether the leader may append from its first log entry without knowing the entry before it: the follower
     * needs exactly that first entry and its snapshot ends right before it.
     */
    static boolean followerSnapshotCoversPrevious(long followerNext, long followerSnapshot, long leaderStart) {
        return leaderStart > RaftLog.LEAST_VALID_LOG_INDEX && followerNext == leaderStart
                && followerSnapshot + 1 == followerNext;
    }
}
