package io.sluice.broker.replication.ratis;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.common.GrpcCalls;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.FetchShardRecordsRequest;
import io.sluice.proto.internal.v1.FetchShardRecordsResponse;
import io.sluice.proto.internal.v1.FetchSnapshotRequest;
import io.sluice.proto.internal.v1.FetchSnapshotResponse;
import io.sluice.proto.internal.v1.ReplicaRecord;
import io.sluice.proto.internal.v1.ReplicaSyncGrpc;
import io.sluice.proto.v1.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * Serves a lagging replica's catch-up (see sync.proto): this broker's latest snapshot of a group and its shard
 * records. Served by any replica that has the data; replicas ask their group's leader.
 */
public final class ReplicaSyncService extends ReplicaSyncGrpc.ReplicaSyncImplBase {
    /** Upper bound of one page, well under the channel's message limit. */
    static final int MAX_PAGE_BYTES = 16 << 20;

    private final BrokerRaft raft;
    private final ShardStorage storage;
    private final String nodeId;

    ReplicaSyncService(BrokerRaft raft, ShardStorage storage, String nodeId) {
        this.raft = raft;
        this.storage = storage;
        this.nodeId = nodeId;
    }

    @Override
    public void fetchSnapshot(FetchSnapshotRequest request, StreamObserver<FetchSnapshotResponse> out) {
        GrpcCalls.sync(out, () -> {
            RaftGroupId group;
            try {
                group = RaftGroupId.valueOf(java.util.UUID.fromString(request.getGroupId()));
            } catch (IllegalArgumentException e) {
                throw SluiceException.invalidArgument("group_id", "a UUID", request.getGroupId());
            }
            if (!raft.hosts(group)) {
                throw SluiceException.of(ErrorCode.RESOURCE_NOT_FOUND, "Raft group " + request.getGroupId()
                        + " is not hosted on broker " + nodeId);
            }
            SnapshotInfo snapshot = raft.division(group).getStateMachine().getLatestSnapshot();
            if (snapshot == null || snapshot.getFiles().isEmpty()) {
                throw SluiceException.of(ErrorCode.UNAVAILABLE, "broker " + nodeId
                        + " has no snapshot of group " + raft.layout().groupName(group) + " yet");
            }
            Path file = snapshot.getFiles().get(0).getPath();
            TermIndex ti = snapshot.getTermIndex();
            try {
                return FetchSnapshotResponse.newBuilder().setTerm(ti.getTerm()).setIndex(ti.getIndex())
                        .setSnapshot(ByteString.copyFrom(Files.readAllBytes(file))).build();
            } catch (NoSuchFileException e) {
                throw SluiceException.of(ErrorCode.UNAVAILABLE, "snapshot " + file.getFileName()
                        + " was replaced by a newer one while being read; retry", e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read snapshot " + file, e);
            }
        });
    }

    @Override
    public void fetchShardRecords(FetchShardRecordsRequest request, StreamObserver<FetchShardRecordsResponse> out) {
        GrpcCalls.sync(out, () -> {
            ShardKey key = new ShardKey(request.getStreamId(), request.getShardIndex());
            // Whatever this broker still holds: a stream deleted in the metadata group is dropped here by this
            // group's own log, and until then its records are part of what a snapshot covers.
            ShardLog log = storage.existing(key);
            if (log == null) {
                throw SluiceException.of(ErrorCode.RESOURCE_NOT_FOUND, "broker " + nodeId
                        + " holds no data for shard " + key);
            }
            long to = Math.min(request.getToPosition(), log.nextPosition());
            long maxBytes = Math.min(Math.max(request.getMaxBytes(), 1), MAX_PAGE_BYTES);
            FetchShardRecordsResponse.Builder b = FetchShardRecordsResponse.newBuilder();
            long from = Math.max(request.getFromPosition(), log.firstPosition());
            if (from < to) {
                for (StoredRecord r : log.read(from, (int) Math.min(to - from, 100_000), maxBytes)) {
                    b.addRecords(ReplicaRecord.newBuilder().setPosition(r.position())
                            .setArrivalTimeMs(r.arrivalTimeMs()).setEntryKey(r.entryKey()).setOrdinal(r.ordinal())
                            .setPartitionKey(r.partitionKey()).setData(ByteString.copyFrom(r.data())));
                }
            }
            return b.build();
        });
    }
}
