package io.sluice.broker.replication.ratis;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.broker.config.PeerAddress;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.common.GrpcErrors;
import io.sluice.proto.internal.v1.FetchShardRecordsRequest;
import io.sluice.proto.internal.v1.FetchShardRecordsResponse;
import io.sluice.proto.internal.v1.FetchSnapshotRequest;
import io.sluice.proto.internal.v1.FetchSnapshotResponse;
import io.sluice.proto.internal.v1.ReplicaRecord;
import io.sluice.proto.internal.v1.ReplicaSyncGrpc;
import io.sluice.proto.v1.ErrorCode;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The fetching side of snapshot install (see sync.proto): asks a peer, normally the group's leader, for its latest
 * snapshot of a group and copies shard records from it. Installs run on their own threads, never on Ratis's: Ratis
 * asks for an install while holding the group's lock and polls until the returned future completes.
 */
public final class ReplicaSync implements Closeable {
    /** Bytes of records asked for per page. */
    static final int PAGE_BYTES = 8 << 20;

    private final RaftLayout layout;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ExecutorService executor;

    public ReplicaSync(RaftLayout layout, String nodeId) {
        this.layout = layout;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sluice-install-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs an install off Ratis's threads. */
    <T> CompletableFuture<T> runAsync(Callable<T> install) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return install.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    private ReplicaSyncGrpc.ReplicaSyncBlockingStub stub(String nodeId) {
        PeerAddress peer = layout.peer(nodeId);
        if (peer == null) {
            throw new IllegalStateException("unknown broker " + nodeId);
        }
        ManagedChannel ch = channels.computeIfAbsent(nodeId, id -> NettyChannelBuilder
                .forAddress(peer.internal().host(), peer.internal().port())
                .usePlaintext()
                .maxInboundMessageSize(PAGE_BYTES + (4 << 20))
                .build());
        return ReplicaSyncGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** The peer's latest snapshot of {@code group}. */
    FetchSnapshotResponse fetchSnapshot(String nodeId, RaftGroupId group) {
        return stub(nodeId).fetchSnapshot(FetchSnapshotRequest.newBuilder()
                .setGroupId(group.getUuid().toString()).build());
    }

    /**
     * Copies the shard's records below {@code toPosition} that this broker lacks from peer {@code nodeId}. A local
     * copy that cannot be continued (the peer no longer retains the records right after it) is replaced.
     *
     * @return records copied, or -1 if the peer holds no data for the shard (its stream was deleted)
     */
    long copyShard(String nodeId, ShardKey key, long toPosition, ShardStorage storage) {
        ShardLog log = storage.existing(key);
        long copied = 0;
        while (true) {
            long from = log == null ? 0 : log.nextPosition();
            if (from >= toPosition) {
                break;
            }
            FetchShardRecordsResponse page;
            try {
                page = stub(nodeId).fetchShardRecords(FetchShardRecordsRequest.newBuilder()
                        .setStreamId(key.streamId()).setShardIndex(key.shardIndex())
                        .setFromPosition(from).setToPosition(toPosition).setMaxBytes(PAGE_BYTES).build());
            } catch (StatusRuntimeException e) {
                if (GrpcErrors.fromThrowable(e).code() == ErrorCode.RESOURCE_NOT_FOUND) {
                    // The peer dropped the shard after its snapshot. Our older copy must not outlive the install:
                    // the restored counters open the shard afresh, and the group's log replays (and drops) it.
                    if (log != null) {
                        storage.delete(key);
                    }
                    return -1;
                }
                throw e;
            }
            if (page.getRecordsCount() == 0) {
                throw new IllegalStateException("broker " + nodeId + " returned no records of shard " + key
                        + " in [" + from + ", " + toPosition + ")");
            }
            List<StoredRecord> records = new ArrayList<>(page.getRecordsCount());
            for (ReplicaRecord r : page.getRecordsList()) {
                records.add(new StoredRecord(r.getPosition(), r.getArrivalTimeMs(), r.getPartitionKey(),
                        r.getData().toByteArray(), r.getEntryKey(), r.getOrdinal()));
            }
            if (log == null) {
                log = storage.log(key);
            }
            if (records.get(0).position() > log.nextPosition() && log.firstPosition() < log.nextPosition()) {
                log = storage.recreate(key); // the peer dropped the records that would continue our copy
            }
            log.appendCopies(records);
            copied += records.size();
        }
        if (log != null) {
            log.sync();
        }
        return copied;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
