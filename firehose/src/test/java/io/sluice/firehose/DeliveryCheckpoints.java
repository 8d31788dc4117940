package io.sluice.firehose;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.sluice.proto.v1.ApplicationSummary;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.LeasesGrpc;
import io.sluice.proto.v1.ListApplicationsRequest;
import io.sluice.proto.v1.ListLeasesRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.math.BigInteger;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the end-to-end tests read to know that a delivery has moved past a point: the lease checkpoints of a
 * delivery stream's consumer application (a shard's delivery checkpoints only after every object of the batch is
 * completely written, so a checkpoint at a record proves the record and everything before it in its shard was
 * delivered by the lease's owner, and that a new owner will not read them again).
 */
final class DeliveryCheckpoints {
    private DeliveryCheckpoints() {
    }

    /** Notes, per shard, the highest sequence number of the records {@code response} stored. */
    static void noteLast(Map<String, BigInteger> lastByShard, PutRecordsResponse response) {
        for (PutRecordsResultEntry e : response.getRecordsList()) {
            assertThat(e.getSequenceNumber()).as("stored record in %s", e.getShardId()).isNotEmpty();
            lastByShard.merge(e.getShardId(), new BigInteger(e.getSequenceNumber()), BigInteger::max);
        }
    }

    /**
     * The checkpoint of every shard of {@code stream} for the delivery stream {@code deliveryStream} (its consumer
     * application {@code firehose:NAME:INCARNATION}, of which there must be exactly one): by shard id, empty when
     * never checkpointed.
     */
    static Map<String, String> of(ManagedChannel broker, String stream, String deliveryStream) {
        LeasesGrpc.LeasesBlockingStub leases = LeasesGrpc.newBlockingStub(broker).withDeadlineAfter(30,
                TimeUnit.SECONDS);
        var apps = leases.listApplications(ListApplicationsRequest.newBuilder().setStreamName(stream).build())
                .getApplicationsList().stream().map(ApplicationSummary::getApplication)
                .filter(a -> a.startsWith("firehose:" + deliveryStream + ":")).toList();
        assertThat(apps).as("consumer applications of %s over %s", deliveryStream, stream).hasSize(1);
        Map<String, String> out = new TreeMap<>();
        for (Lease l : LeasesGrpc.newBlockingStub(broker).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listLeases(ListLeasesRequest.newBuilder().setApplication(apps.get(0)).setStreamName(stream).build())
                .getLeasesList()) {
            out.put(l.getShardId(), l.getCheckpoint());
        }
        return out;
    }

    /** Asserts that every shard in {@code targets} is checkpointed at or past its sequence number there. */
    static void assertReached(Map<String, String> checkpoints, Map<String, BigInteger> targets) {
        for (Map.Entry<String, BigInteger> t : targets.entrySet()) {
            String c = checkpoints.getOrDefault(t.getKey(), "");
            assertThat(c.equals("SHARD_END") || (!c.isEmpty() && new BigInteger(c).compareTo(t.getValue()) >= 0))
                    .as("checkpoint of %s is '%s', not yet at %s (all: %s)", t.getKey(), c, t.getValue(), checkpoints)
                    .isTrue();
        }
    }
}
