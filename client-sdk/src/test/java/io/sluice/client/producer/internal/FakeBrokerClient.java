package io.sluice.client.producer.internal;

import io.sluice.common.HashKey;
import io.sluice.common.HashKeyRange;
import io.sluice.common.SequenceNumber;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.BrokerInfo;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.HashKeyRange.Builder;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import io.sluice.proto.v1.SequenceNumberRange;
import io.sluice.proto.v1.Shard;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A {@link BrokerClient} without brokers: one stream layout it describes (shards split evenly, shard i in group
 * {@code group-(i % groups)}, group g led by broker address {@code b<g>:1}), PutRecords calls captured for the test
 * to answer, and switches to make metadata calls fail.
 */
final class FakeBrokerClient implements BrokerClient {
    static final long STREAM_ID = 7;

    /** A captured PutRecords call; complete {@link #response} to answer it. */
    record Call(String address, PutRecordsRequest request, CompletableFuture<PutRecordsResponse> response) {
    }

    final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
    final AtomicInteger listShardsCalls = new AtomicInteger();
    private final int shards;
    private final int groups;
    private final List<HashKeyRange> ranges;
    private final Map<String, Long> positions = new HashMap<>();
    volatile SluiceException metadataFailure;

    FakeBrokerClient(int shards, int groups) {
        this.shards = shards;
        this.groups = groups;
        this.ranges = HashKeyRange.evenSplit(shards);
    }

    static String address(int group) {
        return "b" + group + ":1";
    }

    String shardOf(PutRecordsRequestEntry e) {
        HashKey k = e.getExplicitHashKey().isEmpty() ? HashKey.ofPartitionKey(e.getPartitionKey())
                : HashKey.parseExplicit(e.getExplicitHashKey(), "x");
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).contains(k)) {
                return ShardId.format(i);
            }
        }
        throw new AssertionError();
    }

    /** The next captured call, waiting a little for the I/O thread when a producer runs one. */
    Call nextCall() throws InterruptedException {
        Call c = calls.poll(10, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no PutRecords call within 10 s");
        }
        return c;
    }

    /** Answers a call as a broker would: every record stored, sequence numbers per shard. */
    synchronized PutRecordsResponse success(PutRecordsRequest req) {
        PutRecordsResponse.Builder b = PutRecordsResponse.newBuilder();
        for (PutRecordsRequestEntry e : req.getRecordsList()) {
            String shard = shardOf(e);
            long pos = positions.merge(shard, 1L, Long::sum) - 1;
            b.addRecords(PutRecordsResultEntry.newBuilder().setShardId(shard)
                    .setSequenceNumber(new SequenceNumber(STREAM_ID, pos).toString()));
        }
        return b.build();
    }

    /** Answers every entry with the same error. */
    static PutRecordsResponse failure(PutRecordsRequest req, ErrorCode code, boolean retriable) {
        return answer(req, i -> PutRecordsResultEntry.newBuilder().setErrorCode(code).setErrorMessage(code + " here")
                .setRetriable(retriable).build());
    }

    static PutRecordsResponse answer(PutRecordsRequest req, IntFunction<PutRecordsResultEntry> entry) {
        PutRecordsResponse.Builder b = PutRecordsResponse.newBuilder();
        int failed = 0;
        for (int i = 0; i < req.getRecordsCount(); i++) {
            PutRecordsResultEntry e = entry.apply(i);
            failed += e.getErrorCode() == ErrorCode.ERROR_CODE_UNSPECIFIED ? 0 : 1;
            b.addRecords(e);
        }
        return b.setFailedRecordCount(failed).build();
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(String address, PutRecordsRequest request,
                                                            long timeoutMs) {
        Call c = new Call(address, request, new CompletableFuture<>());
        calls.add(c);
        return c.response();
    }

    @Override
    public ListShardsResponse listShards(String address, ListShardsRequest request, long timeoutMs) {
        listShardsCalls.incrementAndGet();
        SluiceException f = metadataFailure;
        if (f != null) {
            throw f;
        }
        ListShardsResponse.Builder r = ListShardsResponse.newBuilder();
        for (int i = 0; i < shards; i++) {
            Builder range = io.sluice.proto.v1.HashKeyRange.newBuilder()
                    .setStartingHashKey(ranges.get(i).start().toString())
                    .setEndingHashKey(ranges.get(i).end().toString());
            r.addShards(Shard.newBuilder().setShardId(ShardId.format(i)).setHashKeyRange(range)
                    .setSequenceNumberRange(SequenceNumberRange.newBuilder()
                            .setStartingSequenceNumber(new SequenceNumber(STREAM_ID, 0).toString()))
                    .setReplicationGroup("group-" + (i % groups)));
        }
        return r.build();
    }

    @Override
    public DescribeClusterResponse describeCluster(String address, long timeoutMs) {
        SluiceException f = metadataFailure;
        if (f != null) {
            throw f;
        }
        DescribeClusterResponse.Builder r = DescribeClusterResponse.newBuilder();
        for (int g = 0; g < groups; g++) {
            r.addBrokers(BrokerInfo.newBuilder().setNodeId("n" + g).setClientAddress(address(g)));
            r.addGroups(GroupInfo.newBuilder().setGroupName("group-" + g).setLeaderNodeId("n" + g));
        }
        return r.build();
    }

    @Override
    public void close() {
    }
}
