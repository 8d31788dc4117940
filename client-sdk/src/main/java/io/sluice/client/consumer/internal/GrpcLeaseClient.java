package io.sluice.client.consumer.internal;

import io.grpc.StatusRuntimeException;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.AcquireLeaseRequest;
import io.sluice.proto.v1.CheckpointRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.LeaseRef;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.ListLeasesResponse;
import io.sluice.proto.v1.ReleaseLeaseRequest;
import io.sluice.proto.v1.RenewLeasesRequest;
import io.sluice.proto.v1.RenewLeasesResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link LeaseClient} over the Leases gRPC service. Every broker serves these calls (writes are forwarded to the
 * metadata group's leader inside the cluster), so a failed attempt simply moves to the next endpoint. Retrying is
 * safe: acquiring a lease the worker already owns is granted, renewing and checkpointing are idempotent, and a
 * release that already happened answers LEASE_LOST, which callers ignore.
 */
public final class GrpcLeaseClient implements LeaseClient {
    private static final long MAX_ATTEMPT_MS = 5_000;

    private final BrokerChannels channels;
    private final String application;
    private final String stream;
    private final String workerId;
    private final long leaseDurationMs;
    private final long timeoutNanos;
    private volatile String address;

    public GrpcLeaseClient(BrokerChannels channels, String application, String stream, String workerId,
                           Duration leaseDuration, Duration rpcTimeout) {
        this.channels = channels;
        this.application = application;
        this.stream = stream;
        this.workerId = workerId;
        this.leaseDurationMs = leaseDuration.toMillis();
        this.timeoutNanos = rpcTimeout.toNanos();
        this.address = channels.nextEndpoint();
    }

    @Override
    public Listing list() {
        ListLeasesResponse r = call(s -> s.listLeases(ListLeasesRequest.newBuilder().setApplication(application)
                .setStreamName(stream).build()));
        return new Listing(r.getLeasesList().stream().map(ProtoAdapter::lease).toList(), r.getNowMs());
    }

    @Override
    public LeaseInfo acquire(String shardId, boolean steal, long expectedCounter) {
        return ProtoAdapter.lease(call(s -> s.acquireLease(AcquireLeaseRequest.newBuilder()
                .setApplication(application).setStreamName(stream).setShardId(shardId).setWorkerId(workerId)
                .setLeaseDurationMs(leaseDurationMs).setSteal(steal).setExpectedCounter(expectedCounter).build()))
                .getLease());
    }

    @Override
    public RenewResult renew(List<Held> leases) {
        RenewLeasesRequest.Builder req = RenewLeasesRequest.newBuilder().setApplication(application)
                .setStreamName(stream).setWorkerId(workerId).setLeaseDurationMs(leaseDurationMs);
        leases.forEach(h -> req.addLeases(LeaseRef.newBuilder().setShardId(h.shardId())
                .setLeaseCounter(h.leaseCounter())));
        RenewLeasesResponse r = call(s -> s.renewLeases(req.build()));
        List<LeaseInfo> renewed = new ArrayList<>();
        r.getRenewedList().forEach(l -> renewed.add(ProtoAdapter.lease(l)));
        return new RenewResult(renewed, r.getLostShardIdsList());
    }

    @Override
    public void release(String shardId, long leaseCounter) {
        call(s -> s.releaseLease(ReleaseLeaseRequest.newBuilder().setApplication(application).setStreamName(stream)
                .setShardId(shardId).setWorkerId(workerId).setLeaseCounter(leaseCounter).build()));
    }

    @Override
    public LeaseInfo checkpoint(String shardId, long leaseCounter, String sequenceNumber) {
        return ProtoAdapter.lease(call(s -> s.checkpoint(CheckpointRequest.newBuilder().setApplication(application)
                .setStreamName(stream).setShardId(shardId).setWorkerId(workerId).setLeaseCounter(leaseCounter)
                .setSequenceNumber(sequenceNumber).build())).getLease());
    }

    /** Runs {@code rpc} until it succeeds, fails with a non-retriable error, or the rpc timeout has passed. */
    private <T> T call(Function<LeasesGrpc.LeasesBlockingStub, T> rpc) {
        long deadline = System.nanoTime() + timeoutNanos;
        long backoffMs = 50;
        while (true) {
            String at = address;
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                return rpc.apply(LeasesGrpc.newBlockingStub(channels.channel(at))
                        .withDeadlineAfter(Math.max(1, Math.min(remainingMs, MAX_ATTEMPT_MS)), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                SluiceException se = GrpcErrors.fromThrowable(e);
                if (!se.retriable() && se.code() != ErrorCode.UNAVAILABLE) {
                    throw se;
                }
                if (address.equals(at)) {
                    address = channels.nextEndpoint();
                }
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) > deadline) {
                    throw se;
                }
            }
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw SluiceException.of(ErrorCode.UNAVAILABLE, "interrupted while retrying a lease call", ie);
            }
            backoffMs = Math.min(1_000, backoffMs * 2);
        }
    }
}
