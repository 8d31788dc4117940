package io.sluice.broker.stream;

import io.sluice.broker.replication.DataGroups;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.common.HashKey;
import io.sluice.common.Limits;
import io.sluice.common.SequenceNumber;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.EntryRecord;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordRequest;
import io.sluice.proto.v1.PutRecordResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * PutRecord(s): validate every entry before anything is logged, route each to its shard by hash key, build one
 * {@link ShardAppend} per shard (records in request order), hand each group's appends to its group committer, and
 * map the per-shard results back to request order.
 */
public final class WritePath {
    private final MetadataGroup metadata;
    private final DataGroups groups;
    private final Limits limits;

    public WritePath(MetadataGroup metadata, DataGroups groups, Limits limits) {
        this.metadata = metadata;
        this.groups = groups;
        this.limits = limits;
    }

    private record Routed(int entryIndex, int shardIndex, int ordinal) {
    }

    /**
     * PutRecord: a one-entry PutRecords whose problems fail the call. The record is checked here first so that an
     * INVALID_ARGUMENT names PutRecordRequest's own fields ("data", not "records[0].data") in its ErrorDetail.
     */
    public CompletableFuture<PutRecordResponse> putRecord(PutRecordRequest request) {
        Limits.checkStreamName(request.getStreamName(), "stream_name");
        limits.checkRecord(request.getPartitionKey(), request.getData().size(), "");
        if (!request.getExplicitHashKey().isEmpty()) {
            HashKey.parseExplicit(request.getExplicitHashKey(), "explicit_hash_key");
        }
        PutRecordsRequest batch = PutRecordsRequest.newBuilder().setStreamName(request.getStreamName())
                .addRecords(PutRecordsRequestEntry.newBuilder().setData(request.getData())
                        .setPartitionKey(request.getPartitionKey())
                        .setExplicitHashKey(request.getExplicitHashKey()))
                .build();
        return putRecords(batch).thenApply(r -> {
            PutRecordsResultEntry e = r.getRecords(0);
            if (e.getErrorCode() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                throw new CompletionException(SluiceException.of(e.getErrorCode(), e.getErrorMessage()));
            }
            return PutRecordResponse.newBuilder().setShardId(e.getShardId())
                    .setSequenceNumber(e.getSequenceNumber()).build();
        });
    }

    /**
     * Runs on the transport thread that decoded the call (see Broker): it validates, routes and queues, and never
     * blocks; a stream this broker has not seen yet is looked up again after a metadata read barrier, off this thread.
     */
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        Limits.checkStreamName(request.getStreamName(), "stream_name");
        limits.checkPutRecordsCount(request.getRecordsCount());
        return ShardLookup.stream(metadata, request.getStreamName()).thenCompose(s -> putRecords(request, s));
    }

    private CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request, StreamRecord stream) {

        PutRecordsResultEntry[] results = new PutRecordsResultEntry[request.getRecordsCount()];
        Map<Integer, ShardAppend.Builder> byShard = new LinkedHashMap<>();
        List<Routed> routed = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < request.getRecordsCount(); i++) {
            PutRecordsRequestEntry e = request.getRecords(i);
            String prefix = "records[" + i + "].";
            try {
                total += limits.checkRecord(e.getPartitionKey(), e.getData().size(), prefix);
                HashKey key = e.getExplicitHashKey().isEmpty() ? HashKey.ofPartitionKey(e.getPartitionKey())
                        : HashKey.parseExplicit(e.getExplicitHashKey(), prefix + "explicit_hash_key");
                ShardRecord shard = ShardLookup.route(stream, key);
                ShardAppend.Builder append = byShard.computeIfAbsent(shard.getShardIndex(), s -> ShardAppend.newBuilder()
                        .setStreamId(stream.getStreamId()).setShardIndex(s));
                routed.add(new Routed(i, shard.getShardIndex(), append.getRecordsCount()));
                append.addRecords(EntryRecord.newBuilder().setPartitionKey(e.getPartitionKey()).setData(e.getData()));
            } catch (SluiceException ex) {
                results[i] = failure(ex.code(), ex.reason());
            }
        }
        limits.checkPutRecordsBytes(total);
        if (request.getProducerId() != 0 && !sequenceProducerBatches(request, byShard, results)) {
            return CompletableFuture.completedFuture(response(results));
        }

        Map<Integer, List<Integer>> shardsByGroup = new LinkedHashMap<>();
        for (int shardIndex : byShard.keySet()) {
            shardsByGroup.computeIfAbsent(stream.getShards(shardIndex).getGroupIndex(), g -> new ArrayList<>())
                    .add(shardIndex);
        }
        Map<Integer, CompletableFuture<ShardOutcome>> outcomes = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Integer>> g : shardsByGroup.entrySet()) {
            List<ShardAppend> appends = new ArrayList<>();
            long bytes = 0;
            for (int s : g.getValue()) {
                ShardAppend a = byShard.get(s).build();
                appends.add(a);
                bytes += a.getSerializedSize();
            }
            CompletableFuture<List<ShardAppendResult>> f = groups.append(g.getKey(), appends, bytes);
            for (int k = 0; k < g.getValue().size(); k++) {
                int index = k;
                outcomes.put(g.getValue().get(k), f.handle((list, err) -> new ShardOutcome(
                        err == null ? list.get(index) : null, err)));
            }
        }
        return CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            int failed = 0;
            for (Routed r : routed) {
                ShardOutcome o = outcomes.get(r.shardIndex()).join();
                results[r.entryIndex()] = o.toEntry(stream.getStreamId(), r.shardIndex(), r.ordinal());
            }
            return response(results);
        });
    }

    private static PutRecordsResponse response(PutRecordsResultEntry[] results) {
        int failed = 0;
        PutRecordsResponse.Builder response = PutRecordsResponse.newBuilder();
        for (PutRecordsResultEntry e : results) {
            if (e.getErrorCode() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                failed++;
            }
            response.addRecords(e);
        }
        return response.setFailedRecordCount(failed).build();
    }

    /**
     * Idempotent puts: stamps each shard's batch with the producer id and its sequence. A batch must hold exactly the
     * records the producer counted, so if any record was invalid, or a shard has no sequence, nothing is stored:
     * every other entry fails too (not retriable as is) and false is returned.
     */
    private static boolean sequenceProducerBatches(PutRecordsRequest request, Map<Integer, ShardAppend.Builder> byShard,
                                                   PutRecordsResultEntry[] results) {
        String problem = null;
        for (PutRecordsResultEntry r : results) {
            if (r != null) {
                problem = "another record of this idempotent request is invalid; nothing was stored";
                break;
            }
        }
        for (Map.Entry<Integer, ShardAppend.Builder> e : byShard.entrySet()) {
            String shardId = ShardId.format(e.getKey());
            Long sequence = request.getProducerSequencesMap().get(shardId);
            if (sequence == null || sequence < 0) {
                String field = "producer_sequences[" + shardId + "]";
                throw SluiceException.invalidArgument(field, "the producer's sequence (>= 0) of its first record of "
                        + "this request in " + shardId, sequence == null ? "no entry" : sequence.toString());
            }
            e.getValue().setProducerId(request.getProducerId()).setProducerSequence(sequence);
        }
        if (problem == null) {
            return true;
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                results[i] = failure(ErrorCode.INVALID_ARGUMENT, problem);
            }
        }
        return false;
    }

    private record ShardOutcome(ShardAppendResult result, Throwable error) {
        PutRecordsResultEntry toEntry(long streamId, int shardIndex, int ordinal) {
            if (error != null) {
                SluiceException e = io.sluice.common.GrpcErrors.fromThrowable(
                        error.getCause() != null && !(error instanceof SluiceException) ? error.getCause() : error);
                return failure(e.code(), e.reason());
            }
            if (result.getError() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                return failure(result.getError(), result.getErrorMessage());
            }
            // A duplicate of an idempotent batch stored before carries the original first position.
            return PutRecordsResultEntry.newBuilder()
                    .setShardId(ShardId.format(shardIndex))
                    .setSequenceNumber(new SequenceNumber(streamId, result.getFirstPosition() + ordinal).toString())
                    .build();
        }
    }

    private static PutRecordsResultEntry failure(ErrorCode code, String message) {
        return PutRecordsResultEntry.newBuilder().setErrorCode(code).setErrorMessage(message)
                .setRetriable(SluiceException.isRetriable(code)).build();
    }
}
