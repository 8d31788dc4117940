package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Calls and assertions shared by the integration tests that speak gRPC to a {@link MiniCluster}. */
final class StreamsTestSupport {
    private StreamsTestSupport() {
    }

    /**
     * Creates a stream through broker 0 and waits until every running broker has applied it. CreateStream returns once
     * the broker that served it has applied the change; another broker may answer RESOURCE_NOT_FOUND for a few more
     * milliseconds, and the tests here are not about that.
     */
    static void createStream(MiniCluster c, String name, int shards) throws InterruptedException {
        c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName(name).setShardCount(shards).build());
        for (int i = 0; i < c.size(); i++) {
            int b = i;
            await("broker " + i + " applies the creation of " + name).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> !c.running(b) || c.broker(b).metadata().stream(name) != null);
        }
    }

    /**
     * Puts {@code data} under partition key {@code key}, {@code batch} records per PutRecords call, and returns the
     * sequence numbers in put order; every entry must succeed.
     */
    static List<String> putAll(StreamsGrpc.StreamsBlockingStub stub, String stream, String key, List<ByteString> data,
                               int batch) {
        List<String> seqs = new ArrayList<>();
        for (int from = 0; from < data.size(); from += batch) {
            PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
            for (ByteString d : data.subList(from, Math.min(data.size(), from + batch))) {
                req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey(key).setData(d));
            }
            PutRecordsResponse resp = stub.putRecords(req.build());
            assertThat(resp.getFailedRecordCount()).as("failed entries: %s", resp).isZero();
            resp.getRecordsList().forEach(e -> seqs.add(e.getSequenceNumber()));
        }
        return seqs;
    }

    /** Index of the broker that leads the shard's group (the others answer NOT_LEADER). */
    static int leaderIndex(MiniCluster c, String stream, String shardId) {
        for (int i = 0; i < c.size(); i++) {
            try {
                c.stub(i).getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream)
                        .setShardId(shardId).setShardIteratorType(ShardIteratorType.LATEST).build());
                return i;
            } catch (StatusRuntimeException e) {
                SluiceException se = GrpcErrors.fromThrowable(e);
                assertThat(se.code()).isEqualTo(ErrorCode.NOT_LEADER);
            }
        }
        throw new AssertionError("no broker leads " + shardId);
    }

    /** A stub on the broker that leads the shard's group. */
    static StreamsGrpc.StreamsBlockingStub leaderStub(MiniCluster c, String stream, String shardId) {
        return c.stub(leaderIndex(c, stream, shardId));
    }

    /** Every record of the shard from TRIM_HORIZON, read {@code limit} at a time until a page comes back empty. */
    static List<Record> readAll(StreamsGrpc.StreamsBlockingStub stub, String stream, String shardId, int limit) {
        String it = stub.getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream)
                .setShardId(shardId).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build()).getShardIterator();
        List<Record> out = new ArrayList<>();
        while (true) {
            GetRecordsResponse r = stub.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it)
                    .setLimit(limit).build());
            if (r.getRecordsCount() == 0) {
                return out;
            }
            out.addAll(r.getRecordsList());
            it = r.getNextShardIterator();
        }
    }

    /**
     * Runs a call that must fail with {@code expected}, checks that the gRPC status is the one errors.proto gives that
     * code, and returns the catalogue error for further checks.
     */
    static SluiceException assertFailsWith(ErrorCode expected, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("the call should fail with %s", expected).isInstanceOf(StatusRuntimeException.class);
        SluiceException e = GrpcErrors.fromThrowable(t);
        assertThat(e.code()).as("error code of: %s", e.getMessage()).isEqualTo(expected);
        assertThat(Status.fromThrowable(t).getCode()).isEqualTo(GrpcErrors.statusCode(expected));
        assertThat(e.retriable()).isEqualTo(SluiceException.isRetriable(expected));
        return e;
    }

    /**
     * As {@link #assertFailsWith} for INVALID_ARGUMENT, also checking that the detail names {@code field} and a limit
     * and that the message a user reads names both.
     */
    static SluiceException assertInvalidArgument(String field, String limitMentioned, ThrowingCallable call) {
        SluiceException e = assertFailsWith(ErrorCode.INVALID_ARGUMENT, call);
        assertThat(e.detail().getField()).as("ErrorDetail.field of: %s", e.getMessage()).isEqualTo(field);
        assertThat(e.detail().getLimit()).as("ErrorDetail.limit of: %s", e.getMessage()).contains(limitMentioned);
        assertThat(e.detail().getActual()).as("ErrorDetail.actual of: %s", e.getMessage()).isNotEmpty();
        assertThat(e.reason()).startsWith(field + ":").contains(limitMentioned);
        return e;
    }
}
