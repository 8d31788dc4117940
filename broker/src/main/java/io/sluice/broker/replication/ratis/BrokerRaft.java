package io.sluice.broker.replication.ratis;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.PeerAddress;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This broker's Raft server: one Ratis {@link RaftServer} hosting a replica of the metadata group and of each data
 * group the {@link RaftLayout} assigns to it (multi-raft).
 *
 * <p>Writes ({@link #submit}) go straight into the local server when this broker leads the group, saving a network
 * hop; otherwise they are forwarded to the leader through a Ratis client, which follows leader changes. Either way the
 * returned future completes after the entry is committed by a majority (with fsync'd logs unless durability is
 * {@code replication}) and applied here or at the leader.
 */
public final class BrokerRaft implements Closeable {
    private final BrokerConfig config;
    private final RaftLayout layout;
    private final RaftServer server;
    private final RaftProperties properties;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final Map<RaftGroupId, RaftClient> forwarders = new ConcurrentHashMap<>();

    public BrokerRaft(BrokerConfig config, RaftLayout layout, Function<RaftGroupId, StateMachine> stateMachines)
            throws IOException {
        this.config = config;
        this.layout = layout;
        this.properties = properties(config);
        boundLogMemory(properties, config, layout.groupsOf(config.nodeId()).size(), Runtime.getRuntime().maxMemory());
        PeerAddress self = layout.peer(config.nodeId());
        GrpcConfigKeys.Server.setHost(properties, self.raft().host());
        GrpcConfigKeys.Server.setPort(properties, self.raft().port());
        this.server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.nodeId()))
                .setProperties(properties)
                .setStateMachineRegistry(stateMachines::apply)
                .setParameters(parameters())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
    }

    /**
     * Ratis's peer-to-peer gRPC server runs its handlers on the transport threads: they only check and queue
     * (appendEntries hands the entries to the log worker and answers when it has written them), and a hand-off to
     * gRPC's cached pool costs a thread wake-up per message, which on a small machine is a large share of the
     * replication CPU.
     */
    private static Parameters parameters() {
        Parameters p = new Parameters();
        GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> builder.directExecutor());
        return p;
    }

    /**
     * Keeps the Raft logs' memory within half the heap. Ratis's defaults (per group: up to 200 MB of cached log
     * entries, and queues sized for eight of our largest entries) add up to more than a 1 GB heap once a broker hosts
     * five groups, and a follower ran out of heap under sustained load. Each group gets an equal share: at most two
     * closed segments cached and half the share in cached entries (entries beyond it are read back from disk when a
     * lagging follower needs them); the log queue keeps room for at least one entry at the largest size (a full queue
     * makes appends wait, not fail). Pending writes are bounded by the group committer (entries in flight), so their
     * limit only needs to admit that many entries at the largest size.
     */
    static void boundLogMemory(RaftProperties p, BrokerConfig config, int groups, long maxHeap) {
        long share = maxHeap / 2 / Math.max(1, groups);
        long entry = config.get(BrokerConfig.ENTRY_MAX_BYTES) + (1L << 20);
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(Math.max(8L << 20, share / 2)));
        RaftServerConfigKeys.Log.setQueueByteLimit(p, SizeInBytes.valueOf(Math.max(entry, Math.min(8 * entry,
                share / 4))));
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf((config.get(BrokerConfig.ENTRIES_IN_FLIGHT) + 1L)
                * entry));
    }

    /** Where Ratis keeps the groups' logs and snapshots: one directory per group, named by its group id. */
    static Path storageDir(Path dataDir) {
        return dataDir.resolve("raft");
    }

    static RaftProperties properties(BrokerConfig config) {
        RaftProperties p = new RaftProperties();
        SluiceRpcType.install(p);
        File dir = storageDir(config.dataDir()).toFile();
        RaftServerConfigKeys.setStorageDir(p, List.of(dir));
        RaftServerConfigKeys.setRemovedGroupsDir(p, config.dataDir().resolve("raft-removed").toFile());
        long minMs = config.get(BrokerConfig.ELECTION_TIMEOUT_MIN_MS);
        long maxMs = config.get(BrokerConfig.ELECTION_TIMEOUT_MAX_MS);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(minMs, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(maxMs, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 2 * maxMs),
                TimeUnit.MILLISECONDS));
        int entryMax = config.get(BrokerConfig.ENTRY_MAX_BYTES);
        SizeInBytes entryLimit = SizeInBytes.valueOf(entryMax + (1 << 20));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, entryLimit);
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entryLimit.getSize() + 1024));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(entryLimit.getSize() + (2 << 20)));
        GrpcConfigKeys.setFlowControlWindow(p, SizeInBytes.valueOf(8 << 20));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p,
                SizeInBytes.valueOf(config.get(BrokerConfig.LOG_SEGMENT_MAX_BYTES)));
        RaftServerConfigKeys.Log.setPurgeGap(p, config.get(BrokerConfig.LOG_PURGE_GAP));
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, config.durability() == BrokerConfig.Durability.REPLICATION);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.get(BrokerConfig.SNAPSHOT_THRESHOLD_ENTRIES));
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        // Shard data lives outside the Raft snapshot, so a lagging replica must fetch it from a peer rather than
        // receive Ratis's snapshot files.
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        // Read-only requests (used only as read barriers) wait for the leader's commit index to be applied here.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        return p;
    }

    /**
     * Makes sure every group of the layout that includes this broker is hosted, then starts the server.
     *
     * <p>Groups missing from disk (first start, wiped data dir) are added before the server listens: a peer's
     * appendEntries reaching a division that Ratis is still starting can make the start fail (its follower state is
     * created twice, "previous != null"), which we saw when a wiped broker rejoined.
     */
    public void start() throws IOException {
        Set<RaftGroupId> hosted = new HashSet<>();
        server.getGroupIds().forEach(hosted::add);
        for (RaftGroup g : layout.groupsOf(config.nodeId())) {
            if (hosted.contains(g.getGroupId())) {
                continue;
            }
            RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(clientId, server.getId(),
                    callIds.incrementAndGet(), g, false));
            if (!reply.isSuccess()) {
                throw new IOException("cannot add Raft group " + layout.groupName(g.getGroupId()) + ": "
                        + reply.getException());
            }
        }
        server.start();
    }

    public RaftLayout layout() {
        return layout;
    }

    public RaftServer server() {
        return server;
    }

    public RaftServer.Division division(RaftGroupId group) {
        try {
            return server.getDivision(group);
        } catch (IOException e) {
            throw SluiceException.of(ErrorCode.UNAVAILABLE, "Raft group " + layout.groupName(group)
                    + " is not hosted on this broker", e);
        }
    }

    public boolean hosts(RaftGroupId group) {
        for (RaftGroupId id : server.getGroupIds()) {
            if (id.equals(group)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this broker leads the group and can accept writes for it now. */
    public boolean isLeader(RaftGroupId group) {
        return hosts(group) && division(group).getInfo().isLeaderReady();
    }

    /** The node id of the group's leader as this broker knows it, or null. */
    public String leaderId(RaftGroupId group) {
        if (!hosts(group)) {
            return null;
        }
        RaftPeerId id = division(group).getInfo().getLeaderId();
        return id == null ? null : id.toString();
    }

    /**
     * Replicates one entry in {@code group}; the future carries the state machine's reply once the entry is
     * committed and applied. Fails with UNAVAILABLE (retriable) when no quorum can be reached.
     */
    public CompletableFuture<ByteString> submit(RaftGroupId group, ByteString entry) {
        if (hosts(group)) {
            RaftServer.Division division = division(group);
            if (division.getInfo().isLeaderReady()) {
                RaftClientRequest request = RaftClientRequest.newBuilder()
                        .setClientId(clientId)
                        .setServerId(server.getId())
                        .setGroupId(group)
                        .setCallId(callIds.incrementAndGet())
                        .setMessage(Message.valueOf(entry))
                        .setType(RaftClientRequest.writeRequestType())
                        .build();
                try {
                    return submitTo(division, request).thenCompose(reply -> {
                        if (reply.isSuccess()) {
                            return CompletableFuture.completedFuture(reply.getMessage().getContent());
                        }
                        if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null
                                || reply.getLeaderSteppingDownException() != null) {
                            return forward(group, entry); // leadership moved while we were submitting
                        }
                        return CompletableFuture.failedFuture(unavailable(group, reply.getException()));
                    });
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(unavailable(group, e));
                }
            }
        }
        return forward(group, entry);
    }

    /**
     * Completes once this replica of {@code group} has applied everything the group had committed when called
     * (ReadIndex: the leader's commit index, fetched from the leader if this broker follows).
     */
    public CompletableFuture<Void> readBarrier(RaftGroupId group) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(server.getId())
                .setGroupId(group)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.EMPTY)
                .setType(RaftClientRequest.readRequestType())
                .build();
        try {
            return submitTo(hosts(group) ? division(group) : null, request).thenAccept(reply -> {
                if (!reply.isSuccess()) {
                    throw new CompletionException(unavailable(group, reply.getException()));
                }
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(unavailable(group, e));
        }
    }

    /**
     * Submits to this broker's division of the request's group directly (null when it hosts none: through the
     * server). {@code RaftServer.submitClientRequestAsync} would run the same call on the division's client pool and
     * block this thread until it returns (two thread switches per entry for nothing); the division's own asynchronous
     * entry point appends and returns the commit future at once.
     */
    private CompletableFuture<RaftClientReply> submitTo(RaftServer.Division division, RaftClientRequest request)
            throws IOException {
        if (division instanceof RaftClientAsynchronousProtocol direct) {
            return direct.submitClientRequestAsync(request);
        }
        return server.submitClientRequestAsync(request);
    }

    private CompletableFuture<ByteString> forward(RaftGroupId group, ByteString entry) {
        RaftClient client = forwarders.computeIfAbsent(group, g -> RaftClient.newBuilder()
                .setProperties(properties)
                .setRaftGroup(groupOf(g))
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(60,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build());
        return client.async().send(Message.valueOf(entry)).handle((reply, error) -> {
            if (error != null) {
                throw new CompletionException(unavailable(group, error));
            }
            if (!reply.isSuccess()) {
                throw new CompletionException(unavailable(group, reply.getException()));
            }
            return reply.getMessage().getContent();
        });
    }

    private RaftGroup groupOf(RaftGroupId id) {
        if (layout.metadataGroup().getGroupId().equals(id)) {
            return layout.metadataGroup();
        }
        return layout.dataGroups().get(layout.dataGroupIndex(id));
    }

    private SluiceException unavailable(RaftGroupId group, Throwable cause) {
        Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        return SluiceException.of(ErrorCode.UNAVAILABLE, "replication group " + layout.groupName(group)
                + " could not commit the write (" + (c == null ? "no reason given" : c.getClass().getSimpleName()
                + ": " + c.getMessage()) + "); retry", c);
    }

    /** Group ids hosted here. */
    public List<RaftGroupId> hostedGroups() {
        List<RaftGroupId> out = new ArrayList<>();
        server.getGroupIds().forEach(out::add);
        return out;
    }

    @Override
    public void close() throws IOException {
        for (RaftClient c : forwarders.values()) {
            c.close();
        }
        server.close();
    }
}
