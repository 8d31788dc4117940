package io.sluice.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.broker.stream.ShardLookup;
import io.sluice.common.GrpcCalls;
import io.sluice.common.SequenceNumber;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.AcquireLeaseOp;
import io.sluice.proto.internal.v1.CheckpointOp;
import io.sluice.proto.internal.v1.ConsumerLeases;
import io.sluice.proto.internal.v1.LeaseCommand;
import io.sluice.proto.internal.v1.LeaseRecord;
import io.sluice.proto.internal.v1.LeaseRefOp;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.RenewLeasesOp;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.AcquireLeaseRequest;
import io.sluice.proto.v1.AcquireLeaseResponse;
import io.sluice.proto.v1.ApplicationSummary;
import io.sluice.proto.v1.CheckpointRequest;
import io.sluice.proto.v1.CheckpointResponse;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.LeaseRef;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListApplicationsRequest;
import io.sluice.proto.v1.ListApplicationsResponse;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.ListLeasesResponse;
import io.sluice.proto.v1.ReleaseLeaseRequest;
import io.sluice.proto.v1.ReleaseLeaseResponse;
import io.sluice.proto.v1.RenewLeasesRequest;
import io.sluice.proto.v1.RenewLeasesResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/** Consumer leases and checkpoints (leases.proto): validated here, decided by the metadata group. */
public final class LeasesService extends LeasesGrpc.LeasesImplBase {
    public static final String SHARD_END = "SHARD_END";
    static final long MIN_DURATION_MS = 1_000;
    static final long MAX_DURATION_MS = 600_000;
    static final int MAX_RENEW = 10_000;
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9_.:-]{1,128}");

    private final MetadataGroup metadata;
    private final Clock clock;

    public LeasesService(MetadataGroup metadata, Clock clock) {
        this.metadata = metadata;
        this.clock = clock;
    }

    @Override
    public void listLeases(ListLeasesRequest r, StreamObserver<ListLeasesResponse> out) {
        GrpcCalls.async(out, () -> {
            checkId(r.getApplication(), "application");
            return ShardLookup.stream(metadata, r.getStreamName()).thenApply(stream -> listLeases(r, stream));
        });
    }

    private ListLeasesResponse listLeases(ListLeasesRequest r, StreamRecord stream) {
        {
            MetadataView view = metadata.view();
            Map<Integer, LeaseRecord> known = new HashMap<>();
            for (ConsumerLeases c : view.state().getConsumersList()) {
                if (c.getApplication().equals(r.getApplication()) && c.getStreamId() == stream.getStreamId()) {
                    c.getLeasesList().forEach(l -> known.put(l.getShardIndex(), l));
                }
            }
            ListLeasesResponse.Builder b = ListLeasesResponse.newBuilder().setNowMs(clock.millis());
            for (ShardRecord shard : stream.getShardsList()) {
                LeaseRecord l = known.getOrDefault(shard.getShardIndex(),
                        LeaseRecord.newBuilder().setShardIndex(shard.getShardIndex()).build());
                b.addLeases(toLease(stream, l));
            }
            return b.build();
        }
    }

    @Override
    public void listApplications(ListApplicationsRequest r, StreamObserver<ListApplicationsResponse> out) {
        GrpcCalls.async(out, () -> r.getStreamName().isEmpty()
                ? CompletableFuture.completedFuture(listApplications(metadata.view().state().getStreamsList()))
                : ShardLookup.stream(metadata, r.getStreamName()).thenApply(s -> listApplications(List.of(s))));
    }

    private ListApplicationsResponse listApplications(List<StreamRecord> of) {
        {
            Map<Long, StreamRecord> streams = new HashMap<>();
            of.forEach(s -> streams.put(s.getStreamId(), s));
            long now = clock.millis();
            List<ApplicationSummary> apps = new ArrayList<>();
            for (ConsumerLeases c : metadata.view().state().getConsumersList()) {
                StreamRecord stream = streams.get(c.getStreamId());
                if (stream != null) {
                    apps.add(summary(c, stream, now));
                }
            }
            apps.sort(Comparator.comparing(ApplicationSummary::getApplication)
                    .thenComparing(ApplicationSummary::getStreamName));
            return ListApplicationsResponse.newBuilder().addAllApplications(apps).setNowMs(now).build();
        }
    }

    private static ApplicationSummary summary(ConsumerLeases c, StreamRecord stream, long nowMs) {
        SortedSet<String> workers = new TreeSet<>();
        int owned = 0;
        int checkpointed = 0;
        for (LeaseRecord l : c.getLeasesList()) {
            if (!l.getOwner().isEmpty() && l.getExpiresAtMs() > nowMs) {
                owned++;
                workers.add(l.getOwner());
            }
            if (!l.getCheckpoint().isEmpty()) {
                checkpointed++;
            }
        }
        return ApplicationSummary.newBuilder().setApplication(c.getApplication())
                .setStreamName(stream.getStreamName()).setShardCount(stream.getShardsCount()).setOwnedLeases(owned)
                .addAllWorkers(workers).setCheckpointedShards(checkpointed).build();
    }

    @Override
    public void acquireLease(AcquireLeaseRequest r, StreamObserver<AcquireLeaseResponse> out) {
        GrpcCalls.async(out, () -> stream(r.getApplication(), r.getStreamName(), r.getWorkerId())
                .thenCompose(stream -> {
            checkDuration(r.getLeaseDurationMs());
            int shard = ShardId.parse(r.getShardId(), "shard_id");
            return submit(command(r.getApplication(), stream, r.getWorkerId(), r.getLeaseDurationMs())
                    .setAcquire(AcquireLeaseOp.newBuilder().setShardIndex(shard).setSteal(r.getSteal())
                            .setExpectedCounter(r.getExpectedCounter())))
                    .thenApply(res -> AcquireLeaseResponse.newBuilder().setLease(toLease(stream, res.getLeases(0)))
                            .build());
        }));
    }

    @Override
    public void renewLeases(RenewLeasesRequest r, StreamObserver<RenewLeasesResponse> out) {
        GrpcCalls.async(out, () -> stream(r.getApplication(), r.getStreamName(), r.getWorkerId())
                .thenCompose(stream -> {
            checkDuration(r.getLeaseDurationMs());
            if (r.getLeasesCount() > MAX_RENEW) {
                throw SluiceException.overLimit("leases", "count", r.getLeasesCount(), MAX_RENEW, "leases");
            }
            RenewLeasesOp.Builder op = RenewLeasesOp.newBuilder();
            for (int i = 0; i < r.getLeasesCount(); i++) {
                LeaseRef ref = r.getLeases(i);
                op.addLeases(LeaseRefOp.newBuilder()
                        .setShardIndex(ShardId.parse(ref.getShardId(), "leases[" + i + "].shard_id"))
                        .setLeaseCounter(ref.getLeaseCounter()));
            }
            return submit(command(r.getApplication(), stream, r.getWorkerId(), r.getLeaseDurationMs())
                    .setRenew(op)).thenApply(res -> {
                        RenewLeasesResponse.Builder b = RenewLeasesResponse.newBuilder();
                        res.getLeasesList().forEach(l -> b.addRenewed(toLease(stream, l)));
                        res.getLostShardIndexesList().forEach(i -> b.addLostShardIds(ShardId.format(i)));
                        return b.build();
                    });
        }));
    }

    @Override
    public void releaseLease(ReleaseLeaseRequest r, StreamObserver<ReleaseLeaseResponse> out) {
        GrpcCalls.async(out, () -> stream(r.getApplication(), r.getStreamName(), r.getWorkerId())
                .thenCompose(stream -> {
            int shard = ShardId.parse(r.getShardId(), "shard_id");
            return submit(command(r.getApplication(), stream, r.getWorkerId(), 0)
                    .setRelease(LeaseRefOp.newBuilder().setShardIndex(shard).setLeaseCounter(r.getLeaseCounter())))
                    .thenApply(res -> ReleaseLeaseResponse.newBuilder().setLease(toLease(stream, res.getLeases(0)))
                            .build());
        }));
    }

    @Override
    public void checkpoint(CheckpointRequest r, StreamObserver<CheckpointResponse> out) {
        GrpcCalls.async(out, () -> stream(r.getApplication(), r.getStreamName(), r.getWorkerId())
                .thenCompose(stream -> {
            int shard = ShardId.parse(r.getShardId(), "shard_id");
            String checkpoint = r.getSequenceNumber();
            if (!checkpoint.equals(SHARD_END)) {
                SequenceNumber seq = SequenceNumber.parse(checkpoint, "sequence_number");
                if (seq.streamId() != stream.getStreamId()) {
                    throw SluiceException.invalidArgument("sequence_number", "a sequence number of stream "
                            + stream.getStreamName() + " or SHARD_END", checkpoint);
                }
            }
            return submit(command(r.getApplication(), stream, r.getWorkerId(), 0)
                    .setCheckpoint(CheckpointOp.newBuilder().setShardIndex(shard)
                            .setLeaseCounter(r.getLeaseCounter()).setCheckpoint(checkpoint)))
                    .thenApply(res -> CheckpointResponse.newBuilder().setLease(toLease(stream, res.getLeases(0)))
                            .build());
        }));
    }

    private CompletableFuture<StreamRecord> stream(String application, String streamName, String worker) {
        checkId(application, "application");
        checkId(worker, "worker_id");
        return ShardLookup.stream(metadata, streamName);
    }

    private static void checkId(String value, String field) {
        if (!ID.matcher(value).matches()) {
            throw SluiceException.invalidArgument(field, "1..128 characters of [a-zA-Z0-9_.:-]",
                    value.isEmpty() ? "empty" : "\"" + value + "\"");
        }
    }

    private static void checkDuration(long ms) {
        if (ms < MIN_DURATION_MS || ms > MAX_DURATION_MS) {
            throw SluiceException.invalidArgument("lease_duration_ms", MIN_DURATION_MS + ".." + MAX_DURATION_MS
                    + " ms", ms + " ms");
        }
    }

    private static LeaseCommand.Builder command(String application, StreamRecord stream, String worker,
                                                long durationMs) {
        return LeaseCommand.newBuilder().setApplication(application).setStreamId(stream.getStreamId())
                .setWorkerId(worker).setLeaseDurationMs(durationMs);
    }

    private CompletableFuture<MetadataResult> submit(LeaseCommand.Builder c) {
        return metadata.submit(MetadataCommand.newBuilder().setLease(c).build());
    }

    static Lease toLease(StreamRecord stream, LeaseRecord l) {
        Lease.Builder b = Lease.newBuilder().setShardId(ShardId.format(l.getShardIndex())).setOwner(l.getOwner())
                .setLeaseCounter(l.getLeaseCounter()).setExpiresAtMs(l.getExpiresAtMs())
                .setCheckpoint(l.getCheckpoint());
        ShardRecord shard = stream.getShards(l.getShardIndex());
        if (shard.getParentShardIndex() >= 0) {
            b.addParentShardIds(ShardId.format(shard.getParentShardIndex()));
        }
        if (shard.getAdjacentParentShardIndex() >= 0) {
            b.addParentShardIds(ShardId.format(shard.getAdjacentParentShardIndex()));
        }
        return b.build();
    }
}
