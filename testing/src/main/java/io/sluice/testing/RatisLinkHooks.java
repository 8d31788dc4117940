package io.sluice.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.grpc.server.GrpcServicesImpl;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * Applies {@link LinkFaults} to the Raft traffic between brokers through Ratis's own test hooks
 * ({@link CodeInjectionForTesting}, compiled into Ratis's main jars). See the package documentation for why, and for
 * what each kind of request does on a blocked link.
 *
 * <p>The hooks are process-wide (one static table in Ratis); they are installed once and find the cluster of a request
 * by its sender's peer id, which {@link SluiceCluster} keeps unique among the clusters alive in the JVM. Requests of
 * peers no cluster registered pass untouched.
 *
 * <p>Verified against Ratis 3.3.0 (javap of ratis-grpc / ratis-server): {@code GrpcLogAppender.sendRequest} (every
 * appendEntries and heartbeat, on the leader's appender thread for that follower, outside its locks, before the
 * request's timeout timer starts), {@code GrpcServicesImpl.requestVote} and {@code startLeaderElection} and
 * {@code AsyncService.readIndexAsync} call {@code execute(GrpcServicesImpl.GRPC_SEND_SERVER_REQUEST, senderId, null,
 * requestProto)}, each in a method that declares IOException; installSnapshot (Ratis sends it with no sender-side
 * hook) calls {@code execute(RaftServerImpl.INSTALL_SNAPSHOT, receiverId, leaderId, requestProto)} on the receiver
 * before it touches any state. Ratis ignores what a hook returns: a hook acts by waiting or by throwing.
 */
final class RatisLinkHooks {
    /** Sender side of every peer-to-peer request except installSnapshot. */
    static final String SEND = GrpcServicesImpl.GRPC_SEND_SERVER_REQUEST;
    /** Receiver side of installSnapshot (with Sluice: the notification that makes a replica fetch from a peer). */
    static final String INSTALL_SNAPSHOT = raftServerImplConstant("INSTALL_SNAPSHOT");

    /** Peer id -> the faults of the cluster that runs it. */
    private static final Map<String, LinkFaults> CLUSTERS_BY_NODE = new ConcurrentHashMap<>();
    private static boolean installed;

    private RatisLinkHooks() {
    }

    /**
     * Routes the Raft traffic of {@code nodeIds} through {@code faults}.
     *
     * @return false (and registers nothing) if one of the ids is already registered by a live cluster
     */
    static synchronized boolean register(LinkFaults faults) {
        for (String id : faults.nodeIds()) {
            if (CLUSTERS_BY_NODE.containsKey(id)) {
                return false;
            }
        }
        if (!installed) {
            CodeInjectionForTesting.put(SEND, RatisLinkHooks::onSend);
            CodeInjectionForTesting.put(INSTALL_SNAPSHOT, RatisLinkHooks::onInstallSnapshot);
            installed = true;
        }
        for (String id : faults.nodeIds()) {
            CLUSTERS_BY_NODE.put(id, faults);
        }
        return true;
    }

    static synchronized void unregister(LinkFaults faults) {
        CLUSTERS_BY_NODE.values().removeIf(f -> f == faults);
    }

    private static boolean onSend(Object localId, Object remoteId, Object... args) {
        if (localId == null || args.length == 0) {
            return false;
        }
        LinkFaults faults = CLUSTERS_BY_NODE.get(localId.toString());
        if (faults == null || faults.clear()) {
            return false;
        }
        Object request = args[0];
        RaftRpcRequestProto header;
        if (request instanceof AppendEntriesRequestProto r) {
            header = r.getServerRequest();
        } else if (request instanceof RequestVoteRequestProto r) {
            header = r.getServerRequest();
        } else if (request instanceof StartLeaderElectionRequestProto r) {
            header = r.getServerRequest();
        } else if (request instanceof ReadIndexRequestProto r) {
            header = r.getServerRequest();
        } else {
            return false;
        }
        int from = faults.indexOf(localId.toString());
        int to = faults.indexOf(header.getReplyId().toStringUtf8());
        if (to < 0) {
            return false;
        }
        boolean append = request instanceof AppendEntriesRequestProto;
        if (!append && faults.blocked(from, to)) {
            throw sneaky(new IOException("link " + localId + " -> " + header.getReplyId().toStringUtf8()
                    + " is cut (SluiceCluster fault injection)"));
        }
        try {
            // appendEntries are held, not failed: the appender thread is this follower's own, and a failure thrown
            // here would kill it (Ratis would restart it, logging errors).
            faults.pass(from, to, append);
        } catch (InterruptedException e) {
            // the sender is being stopped: drop the request, as its process dying would
            InterruptedIOException io = new InterruptedIOException(localId + " stopped while SluiceCluster held its "
                    + "request to " + header.getReplyId().toStringUtf8());
            io.initCause(e);
            throw sneaky(io);
        }
        return true;
    }

    private static boolean onInstallSnapshot(Object localId, Object remoteId, Object... args) {
        if (localId == null || remoteId == null) {
            return false;
        }
        LinkFaults faults = CLUSTERS_BY_NODE.get(localId.toString());
        if (faults == null || faults.clear()) {
            return false;
        }
        int to = faults.indexOf(localId.toString());
        int from = faults.indexOf(remoteId.toString());
        if (from >= 0 && faults.blocked(from, to)) {
            // On the receiver's transport thread: failing is all a hook may do here (waiting would stall every
            // connection of that event loop).
            throw sneaky(new IOException("link " + remoteId + " -> " + localId
                    + " is cut (SluiceCluster fault injection)"));
        }
        return false;
    }

    /** Throws a checked exception from a hook: every call site is in a method that declares IOException. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static String raftServerImplConstant(String name) {
        try {
            Field f = Class.forName("org.apache.ratis.server.impl.RaftServerImpl").getDeclaredField(name);
            f.setAccessible(true);
            return (String) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this Ratis version has no injection point RaftServerImpl." + name
                    + " (SluiceCluster's link faults were written against Ratis 3.3.0)", e);
        }
    }
}
