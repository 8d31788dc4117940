package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.StatusRuntimeException;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.AcquireLeaseRequest;
import io.sluice.proto.v1.ApplicationSummary;
import io.sluice.proto.v1.ListApplicationsRequest;
import io.sluice.proto.v1.CheckpointRequest;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.LeaseRef;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.RenewLeasesRequest;
import io.sluice.proto.v1.RenewLeasesResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases and checkpoints over gRPC on 3 brokers, with a test clock driving expiry. */
class LeasesServiceTest {
    @TempDir
    Path dir;

    private static SluiceException error(ThrowingCallable call) {
        try {
            call.call();
        } catch (StatusRuntimeException e) {
            return GrpcErrors.fromThrowable(e);
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void takeoverAfterExpiry_fencesTheOldOwner_andEveryBrokerSeesTheLeases() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T12:00:00Z"));
        try (MiniCluster c = new MiniCluster(dir, 3, clock)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(2).build());
            LeasesGrpc.LeasesBlockingStub[] leases = new LeasesGrpc.LeasesBlockingStub[3];
            for (int i = 0; i < 3; i++) {
                leases[i] = LeasesGrpc.newBlockingStub(c.channel(i)).withDeadlineAfter(60, TimeUnit.SECONDS);
            }
            String seq = c.stub(0).putRecord(PutRecordRequest.newBuilder().setStreamName("s").setPartitionKey("k")
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("v")).build()).getSequenceNumber();
            String shard = c.stub(0).listShards(io.sluice.proto.v1.ListShardsRequest.newBuilder()
                    .setStreamName("s").build()).getShards(0).getShardId();

            Lease a = leases[0].acquireLease(acquire(shard, "worker-a")).getLease();
            assertThat(a.getOwner()).isEqualTo("worker-a");
            SluiceException held = error(() -> leases[1].acquireLease(acquire(shard, "worker-b")));
            assertThat(held.code()).isEqualTo(ErrorCode.LEASE_LOST);
            assertThat(held.detail().getRetriable()).isFalse();
            leases[2].checkpoint(checkpoint(shard, "worker-a", a.getLeaseCounter(), seq));

            clock.advance(Duration.ofSeconds(11));
            Lease b = leases[1].acquireLease(acquire(shard, "worker-b")).getLease();
            assertThat(b.getLeaseCounter()).isEqualTo(a.getLeaseCounter() + 1);
            assertThat(b.getCheckpoint()).isEqualTo(seq);
            assertThat(error(() -> leases[0].checkpoint(checkpoint(shard, "worker-a", a.getLeaseCounter(), seq)))
                    .code()).as("a stale fencing counter").isEqualTo(ErrorCode.LEASE_LOST);
            RenewLeasesResponse renewed = leases[0].renewLeases(RenewLeasesRequest.newBuilder()
                    .setApplication("app").setStreamName("s").setWorkerId("worker-a").setLeaseDurationMs(10_000)
                    .addLeases(LeaseRef.newBuilder().setShardId(shard).setLeaseCounter(a.getLeaseCounter()))
                    .build());
            assertThat(renewed.getLostShardIdsList()).containsExactly(shard);

            for (int i = 0; i < 3; i++) {
                var list = leases[i].listLeases(ListLeasesRequest.newBuilder().setApplication("app")
                        .setStreamName("s").build());
                assertThat(list.getLeasesList()).hasSize(2);
                assertThat(list.getLeases(0).getOwner()).as("broker %d", i).isEqualTo("worker-b");
                assertThat(list.getLeases(1).getOwner()).isEmpty();
                assertThat(list.getLeases(1).getLeaseCounter()).isZero();
                var apps = leases[i].listApplications(ListApplicationsRequest.getDefaultInstance());
                assertThat(apps.getApplicationsList()).as("broker %d", i).hasSize(1);
                ApplicationSummary app = apps.getApplications(0);
                assertThat(app.getApplication()).isEqualTo("app");
                assertThat(app.getStreamName()).isEqualTo("s");
                assertThat(app.getShardCount()).isEqualTo(2);
                assertThat(app.getOwnedLeases()).isEqualTo(1);
                assertThat(app.getWorkersList()).containsExactly("worker-b");
                assertThat(app.getCheckpointedShards()).isEqualTo(1);
            }
            assertThat(leases[0].listApplications(ListApplicationsRequest.newBuilder().setStreamName("s").build())
                    .getApplicationsCount()).isEqualTo(1);
            assertThat(error(() -> leases[0].listApplications(ListApplicationsRequest.newBuilder()
                    .setStreamName("no-such-stream").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
            clock.advance(Duration.ofSeconds(11));
            ApplicationSummary expired = leases[0].listApplications(ListApplicationsRequest.getDefaultInstance())
                    .getApplications(0);
            assertThat(expired.getOwnedLeases()).as("an expired lease is not owned").isZero();
            assertThat(expired.getWorkersList()).isEmpty();
        }
    }

    @Test
    void badArgumentsNameTheField() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 1)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("s").setShardCount(1).build());
            LeasesGrpc.LeasesBlockingStub leases = LeasesGrpc.newBlockingStub(c.channel(0));
            String shard = "shardId-000000000000";
            assertThat(error(() -> leases.acquireLease(acquire(shard, "bad worker"))).detail().getField())
                    .isEqualTo("worker_id");
            assertThat(error(() -> leases.acquireLease(acquire(shard, "w").toBuilder().setApplication("")
                    .build())).detail().getField()).isEqualTo("application");
            SluiceException duration = error(() -> leases.acquireLease(acquire(shard, "w").toBuilder()
                    .setLeaseDurationMs(999).build()));
            assertThat(duration.detail().getField()).isEqualTo("lease_duration_ms");
            assertThat(duration.detail().getLimit()).isEqualTo("1000..600000 ms");
            assertThat(error(() -> leases.acquireLease(acquire("shardId-000000000001", "w"))).code())
                    .isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
            assertThat(error(() -> leases.acquireLease(acquire(shard, "w").toBuilder().setStreamName("nope")
                    .build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
            Lease l = leases.acquireLease(acquire(shard, "w")).getLease();
            assertThat(error(() -> leases.checkpoint(checkpoint(shard, "w", l.getLeaseCounter(), "12x")))
                    .detail().getField()).isEqualTo("sequence_number");
            assertThat(leases.checkpoint(checkpoint(shard, "w", l.getLeaseCounter(), "SHARD_END")).getLease()
                    .getCheckpoint()).isEqualTo("SHARD_END");
            assertThatThrownBy(() -> leases.renewLeases(RenewLeasesRequest.newBuilder().setApplication("app")
                    .setStreamName("s").setWorkerId("w").setLeaseDurationMs(10_000)
                    .addLeases(LeaseRef.newBuilder().setShardId("shard-1")).build()))
                    .satisfies(e -> assertThat(GrpcErrors.fromThrowable(e).detail().getField())
                            .isEqualTo("leases[0].shard_id"));
        }
    }

    private static AcquireLeaseRequest acquire(String shard, String worker) {
        return AcquireLeaseRequest.newBuilder().setApplication("app").setStreamName("s").setShardId(shard)
                .setWorkerId(worker).setLeaseDurationMs(10_000).build();
    }

    private static CheckpointRequest checkpoint(String shard, String worker, long counter, String seq) {
        return CheckpointRequest.newBuilder().setApplication("app").setStreamName("s").setShardId(shard)
                .setWorkerId(worker).setLeaseCounter(counter).setSequenceNumber(seq).build();
    }
}
