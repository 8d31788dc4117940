package io.sluice.firehose.api;

import static io.sluice.common.GrpcCalls.async;
import static io.sluice.common.GrpcCalls.sync;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.client.producer.Producer;
import io.sluice.client.producer.PutResult;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.firehose.delivery.DeliveryStreamConfig;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateDeliveryStreamResponse;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DeleteDeliveryStreamRequest;
import io.sluice.proto.v1.DeleteDeliveryStreamResponse;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.DescribeDeliveryStreamResponse;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.FirehoseGrpc;
import io.sluice.proto.v1.FirehosePutRecordRequest;
import io.sluice.proto.v1.FirehosePutRecordResponse;
import io.sluice.proto.v1.FirehoseRecord;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import io.sluice.proto.v1.PutRecordBatchRequest;
import io.sluice.proto.v1.PutRecordBatchResponse;
import io.sluice.proto.v1.PutRecordBatchResponseEntry;
import io.sluice.proto.v1.SourceType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The Firehose gRPC API (firehose.proto): definitions are validated here and kept in the cluster's metadata group
 * (through {@link BrokerClient}); direct puts are made durable in the delivery stream's backing stream with the
 * producer SDK before they are acknowledged.
 */
public final class FirehoseService extends FirehoseGrpc.FirehoseImplBase {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
    /** How long a definition looked up for puts is reused before it is described again. */
    static final long DEFINITION_CACHE_MS = 5_000;

    private final BrokerClient cluster;
    private final Producer producer;
    private final Clock clock;
    private final Map<String, Cached> definitions = new ConcurrentHashMap<>();

    private record Cached(DeliveryStreamDefinition definition, long fetchedAtMs) {
    }

    public FirehoseService(BrokerClient cluster, Producer producer, Clock clock) {
        this.cluster = cluster;
        this.producer = producer;
        this.clock = clock;
    }

    @Override
    public void createDeliveryStream(CreateDeliveryStreamRequest r, StreamObserver<CreateDeliveryStreamResponse> out) {
        sync(out, () -> {
            DeliveryStreamConfig config = Definitions.fromProto(r.getDefinition(), "definition.");
            if (exists(config.name())) {
                throw SluiceException.of(ErrorCode.RESOURCE_IN_USE, "delivery stream " + config.name()
                        + " already exists");
            }
            if (config.sourceKind() == DeliveryStreamConfig.SourceKind.DIRECT_PUT) {
                try {
                    cluster.streams(s -> s.createStream(CreateStreamRequest.newBuilder()
                            .setStreamName(config.sourceStreamName()).setShardCount(config.backingStreamShards())
                            .build()));
                } catch (SluiceException e) {
                    if (e.code() == ErrorCode.INVALID_ARGUMENT) {
                        throw Definitions.prefixed(SluiceException.invalidArgument("backing_stream_shards",
                                e.detail().getLimit(), e.detail().getActual()), "definition.");
                    }
                    if (e.code() != ErrorCode.RESOURCE_IN_USE) {
                        throw e;
                    }
                    // Not reused: nothing tells a stream left by a create interrupted between the two steps from a
                    // user's own stream of that name (whose shard count may differ), and deleting the delivery
                    // stream would delete it.
                    throw SluiceException.of(ErrorCode.RESOURCE_IN_USE, "definition.delivery_stream_name: the "
                            + "backing stream " + config.sourceStreamName() + " of DIRECT_PUT delivery stream "
                            + config.name() + " already exists (a stream of that name, or one left by an interrupted "
                            + "CreateDeliveryStream); delete it if it is such a leftover, or choose another name");
                }
            } else {
                try {
                    cluster.streams(s -> s.describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                            .setStreamName(config.sourceStreamName()).build()));
                } catch (SluiceException e) {
                    if (e.code() == ErrorCode.RESOURCE_NOT_FOUND) {
                        throw SluiceException.notFound("definition.source_stream_name: stream "
                                + config.sourceStreamName() + " not found");
                    }
                    throw e;
                }
            }
            return cluster.catalog(c -> c.createDeliveryStream(CreateDeliveryStreamRequest.newBuilder()
                    .setDefinition(Definitions.toProto(config)).build()));
        });
    }

    @Override
    public void describeDeliveryStream(DescribeDeliveryStreamRequest r,
                                       StreamObserver<DescribeDeliveryStreamResponse> out) {
        sync(out, () -> {
            checkName(r.getDeliveryStreamName(), "delivery_stream_name");
            return cluster.catalog(c -> c.describeDeliveryStream(r));
        });
    }

    @Override
    public void listDeliveryStreams(ListDeliveryStreamsRequest r, StreamObserver<ListDeliveryStreamsResponse> out) {
        sync(out, () -> cluster.catalog(c -> c.listDeliveryStreams(r)));
    }

    @Override
    public void deleteDeliveryStream(DeleteDeliveryStreamRequest r, StreamObserver<DeleteDeliveryStreamResponse> out) {
        sync(out, () -> {
            checkName(r.getDeliveryStreamName(), "delivery_stream_name");
            DeliveryStreamDefinition d = describe(r.getDeliveryStreamName());
            cluster.catalog(c -> c.deleteDeliveryStream(r));
            definitions.remove(r.getDeliveryStreamName());
            if (d.getSourceType() == SourceType.DIRECT_PUT) {
                try {
                    cluster.streams(s -> s.deleteStream(DeleteStreamRequest.newBuilder()
                            .setStreamName(d.getSourceStreamName()).build()));
                } catch (SluiceException e) {
                    if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                        throw e;
                    }
                }
            }
            return DeleteDeliveryStreamResponse.getDefaultInstance();
        });
    }

    @Override
    public void putRecord(FirehosePutRecordRequest r, StreamObserver<FirehosePutRecordResponse> out) {
        async(out, () -> {
            String stream = backingStream(r.getDeliveryStreamName());
            checkRecord(r.getRecord(), "record.data");
            return put(stream, r.getRecord().getData()).thenApply(res -> FirehosePutRecordResponse.newBuilder()
                    .setRecordId(recordId(res)).build());
        });
    }

    @Override
    public void putRecordBatch(PutRecordBatchRequest r, StreamObserver<PutRecordBatchResponse> out) {
        async(out, () -> {
            String stream = backingStream(r.getDeliveryStreamName());
            int n = r.getRecordsCount();
            if (n < 1) {
                throw SluiceException.invalidArgument("records", "1.." + FirehoseLimits.MAX_BATCH_RECORDS
                        + " records", "none");
            }
            if (n > FirehoseLimits.MAX_BATCH_RECORDS) {
                throw SluiceException.overLimit("records", "record count", n, FirehoseLimits.MAX_BATCH_RECORDS,
                        "records");
            }
            long total = 0;
            for (int i = 0; i < n; i++) {
                checkRecord(r.getRecords(i), "records[" + i + "].data");
                total += r.getRecords(i).getData().size();
            }
            if (total > FirehoseLimits.MAX_BATCH_BYTES) {
                throw SluiceException.overLimit("records", "request size (data)", total,
                        FirehoseLimits.MAX_BATCH_BYTES, "bytes");
            }
            List<CompletableFuture<PutRecordBatchResponseEntry>> entries = new ArrayList<>(n);
            for (FirehoseRecord rec : r.getRecordsList()) {
                entries.add(put(stream, rec.getData()).handle((res, err) -> err == null
                        ? PutRecordBatchResponseEntry.newBuilder().setRecordId(recordId(res)).build()
                        : failedEntry(err)));
            }
            return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new)).thenApply(v -> {
                PutRecordBatchResponse.Builder b = PutRecordBatchResponse.newBuilder();
                for (CompletableFuture<PutRecordBatchResponseEntry> e : entries) {
                    PutRecordBatchResponseEntry entry = e.join();
                    if (entry.getErrorCode() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                        b.setFailedPutCount(b.getFailedPutCount() + 1);
                    }
                    b.addRequestResponses(entry);
                }
                return b.build();
            });
        });
    }

    private CompletableFuture<PutResult> put(String stream, ByteString data) {
        // Keys only spread records over the backing stream's shards.
        String key = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return producer.put(stream, key, data.toByteArray());
    }

    private static PutRecordBatchResponseEntry failedEntry(Throwable err) {
        SluiceException e = GrpcErrors.fromThrowable(err instanceof CompletionException && err.getCause() != null
                ? err.getCause() : err);
        return PutRecordBatchResponseEntry.newBuilder().setErrorCode(e.code()).setErrorMessage(e.reason())
                .setRetriable(e.retriable()).build();
    }

    private static String recordId(PutResult res) {
        return res.shardId() + ":" + (res.sequenceNumberKnown() ? res.sequenceNumber().toString() : "");
    }

    private static void checkRecord(FirehoseRecord rec, String field) {
        int size = rec.getData().size();
        if (size < 1) {
            throw SluiceException.invalidArgument(field, "1.." + FirehoseLimits.MAX_RECORD_BYTES + " bytes", "0 bytes");
        }
        if (size > FirehoseLimits.MAX_RECORD_BYTES) {
            throw SluiceException.overLimit(field, "record size", size, FirehoseLimits.MAX_RECORD_BYTES, "bytes");
        }
    }

    /** The backing stream of a DIRECT_PUT delivery stream (definitions cached for a few seconds). */
    private String backingStream(String name) {
        checkName(name, "delivery_stream_name");
        Cached c = definitions.get(name);
        long now = clock.millis();
        if (c == null || now - c.fetchedAtMs() > DEFINITION_CACHE_MS) {
            c = new Cached(describe(name), now);
            definitions.put(name, c);
        }
        if (c.definition().getSourceType() != SourceType.DIRECT_PUT) {
            throw SluiceException.invalidArgument("delivery_stream_name", "a DIRECT_PUT delivery stream (this one "
                    + "reads stream " + c.definition().getSourceStreamName() + ")", name);
        }
        return c.definition().getSourceStreamName();
    }

    private DeliveryStreamDefinition describe(String name) {
        return cluster.catalog(c -> c.describeDeliveryStream(DescribeDeliveryStreamRequest.newBuilder()
                .setDeliveryStreamName(name).build())).getDescription().getDefinition();
    }

    private boolean exists(String name) {
        try {
            describe(name);
            return true;
        } catch (SluiceException e) {
            if (e.code() == ErrorCode.RESOURCE_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private static void checkName(String name, String field) {
        if (!NAME.matcher(name).matches()) {
            throw SluiceException.invalidArgument(field, "a delivery stream name matching [a-zA-Z0-9_.-]{1,64}",
                    name.isEmpty() ? "an empty name" : "'" + name + "'");
        }
    }
}
