package io.sluice.broker.stream;

import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.common.Limits;
import io.sluice.common.ShardId;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.CreateStreamCommand;
import io.sluice.proto.internal.v1.DeleteStreamCommand;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.CreateStreamResponse;
import io.sluice.proto.v1.DescribeStreamRequest;
import io.sluice.proto.v1.DescribeStreamResponse;
import io.sluice.proto.v1.DescribeStreamSummaryResponse;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.ListStreamsResponse;
import io.sluice.proto.v1.StreamDescription;
import io.sluice.proto.v1.StreamDescriptionSummary;
import io.sluice.proto.v1.StreamStatus;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Control-plane calls: writes go through the metadata group; reads come from this broker's applied copy of it. A
 * write returns only after this broker has applied it, so a describe that follows on the same broker sees it.
 */
public final class ControlPlane {
    private final MetadataGroup metadata;
    private final Limits limits;

    public ControlPlane(MetadataGroup metadata, Limits limits) {
        this.metadata = metadata;
        this.limits = limits;
    }

    public CompletableFuture<CreateStreamResponse> createStream(CreateStreamRequest r) {
        Limits.checkStreamName(r.getStreamName(), "stream_name");
        limits.checkShardCount(r.getShardCount(), "shard_count");
        int retention = r.getRetentionPeriodHours() == 0 ? Limits.MIN_RETENTION_HOURS : r.getRetentionPeriodHours();
        Limits.checkRetentionHours(retention, "retention_period_hours");
        MetadataCommand command = MetadataCommand.newBuilder().setCreateStream(CreateStreamCommand.newBuilder()
                .setStreamName(r.getStreamName()).setShardCount(r.getShardCount())
                .setRetentionPeriodHours(retention)).build();
        return metadata.submit(command).thenApply(result -> CreateStreamResponse.newBuilder()
                .setStream(summary(result.getStream())).build());
    }

    public CompletableFuture<Void> deleteStream(String name) {
        Limits.checkStreamName(name, "stream_name");
        return metadata.submit(MetadataCommand.newBuilder()
                .setDeleteStream(DeleteStreamCommand.newBuilder().setStreamName(name)).build())
                .thenApply(result -> null);
    }

    public CompletableFuture<DescribeStreamResponse> describeStream(DescribeStreamRequest r) {
        Limits.checkStreamName(r.getStreamName(), "stream_name");
        int limit = pageSize(r.getLimit(), 100, "limit");
        return ShardLookup.stream(metadata, r.getStreamName()).thenApply(s -> describe(r, s, limit));
    }

    private static DescribeStreamResponse describe(DescribeStreamRequest r, StreamRecord s, int limit) {
        int from = r.getExclusiveStartShardId().isEmpty() ? 0
                : ShardId.parse(r.getExclusiveStartShardId(), "exclusive_start_shard_id") + 1;
        StreamDescription.Builder d = StreamDescription.newBuilder()
                .setStreamName(s.getStreamName())
                .setStreamStatus(StreamStatus.ACTIVE)
                .setRetentionPeriodHours(s.getRetentionPeriodHours())
                .setStreamCreationTimestamp(s.getCreatedTimeMs())
                .setStreamId(s.getStreamId());
        int i = from;
        for (; i < s.getShardsCount() && i < from + limit; i++) {
            d.addShards(ShardLookup.toProto(s, s.getShards(i)));
        }
        d.setHasMoreShards(i < s.getShardsCount());
        return DescribeStreamResponse.newBuilder().setStreamDescription(d).build();
    }

    public CompletableFuture<DescribeStreamSummaryResponse> describeStreamSummary(String name) {
        Limits.checkStreamName(name, "stream_name");
        return ShardLookup.stream(metadata, name).thenApply(s -> DescribeStreamSummaryResponse.newBuilder()
                .setStreamDescriptionSummary(summary(s)).build());
    }

    static StreamDescriptionSummary summary(StreamRecord s) {
        int open = 0;
        for (ShardRecord shard : s.getShardsList()) {
            open += shard.getClosed() ? 0 : 1;
        }
        return StreamDescriptionSummary.newBuilder()
                .setStreamName(s.getStreamName())
                .setStreamStatus(StreamStatus.ACTIVE)
                .setRetentionPeriodHours(s.getRetentionPeriodHours())
                .setStreamCreationTimestamp(s.getCreatedTimeMs())
                .setOpenShardCount(open)
                .setStreamId(s.getStreamId())
                .build();
    }

    public ListStreamsResponse listStreams(ListStreamsRequest r) {
        int limit = pageSize(r.getLimit(), 100, "limit");
        String after = r.getNextToken().isEmpty() ? r.getExclusiveStartStreamName() : decodeToken(r.getNextToken());
        MetadataView view = metadata.view();
        ListStreamsResponse.Builder out = ListStreamsResponse.newBuilder();
        var tail = after.isEmpty() ? view.streamsByName() : view.streamsByName().tailMap(after, false);
        String last = null;
        for (Map.Entry<String, StreamRecord> e : tail.entrySet()) {
            if (out.getStreamNamesCount() == limit) {
                out.setHasMoreStreams(true).setNextToken(encodeToken(last));
                break;
            }
            out.addStreamNames(e.getKey()).addStreamSummaries(summary(e.getValue()));
            last = e.getKey();
        }
        return out.build();
    }

    public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest r) {
        int limit = pageSize(r.getMaxResults(), 1000, "max_results");
        String name = r.getStreamName();
        String after = r.getExclusiveStartShardId();
        if (!r.getNextToken().isEmpty()) {
            String[] token = decodeToken(r.getNextToken()).split("\n", 2);
            if (token.length != 2 || (!name.isEmpty() && !name.equals(token[0]))) {
                throw SluiceException.invalidArgument("next_token", "a token from a ListShards response of this "
                        + "stream", "'" + Limits.abbreviate(r.getNextToken()) + "'");
            }
            name = token[0];
            after = token[1];
        }
        Limits.checkStreamName(name, "stream_name");
        int from = after.isEmpty() ? 0 : ShardId.parse(after, "exclusive_start_shard_id") + 1;
        String streamName = name;
        return ShardLookup.stream(metadata, name).thenApply(s -> listShards(s, streamName, from, limit));
    }

    private static ListShardsResponse listShards(StreamRecord s, String name, int from, int limit) {
        ListShardsResponse.Builder out = ListShardsResponse.newBuilder();
        int i = from;
        for (; i < s.getShardsCount() && i < from + limit; i++) {
            out.addShards(ShardLookup.toProto(s, s.getShards(i)));
        }
        if (i < s.getShardsCount()) {
            out.setNextToken(encodeToken(name + "\n" + ShardId.format(i - 1)));
        }
        return out.build();
    }

    private static int pageSize(int requested, int dflt, String field) {
        if (requested < 0 || requested > 10_000) {
            throw SluiceException.invalidArgument(field, "0..10000 (0 = " + dflt + ")", "" + requested);
        }
        return requested == 0 ? dflt : requested;
    }

    private static String encodeToken(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw SluiceException.invalidArgument("next_token", "a token from a previous response",
                    "'" + Limits.abbreviate(token) + "'");
        }
    }
}
