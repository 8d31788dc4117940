package io.sluice.broker.metadata;

import com.google.protobuf.ByteString;
import io.sluice.common.HashKeyRange;
import io.sluice.proto.internal.v1.CreateStreamCommand;
import io.sluice.proto.internal.v1.DeleteStreamCommand;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.ErrorCode;
import java.util.List;

/**
 * The metadata group's transition function: a pure, deterministic function of (state, log index, command), so that
 * every replica computes the same state. Commands were validated at the edge; what is checked here is only what
 * depends on the state (a name already taken, a stream already gone).
 *
 * <p>Placement: a new stream's shards go, one at a time, to the data group that carries the fewest shards of live
 * streams (lowest group index on ties), which spreads both shards and, since group leaders are spread over brokers,
 * write load.
 */
public final class MetadataCommands {
    private final int groupCount;

    public MetadataCommands(int groupCount) {
        this.groupCount = groupCount;
    }

    public record Outcome(MetadataState state, MetadataResult result) {
    }

    public Outcome apply(MetadataState state, long term, long index, MetadataCommand command) {
        MetadataState.Builder next = state.toBuilder().setTerm(term).setIndex(index);
        MetadataResult result = switch (command.getCommandCase()) {
            case CREATE_STREAM -> create(next, index, command.getLeaderTimeMs(), command.getCreateStream());
            case DELETE_STREAM -> delete(next, command.getDeleteStream());
            case INIT_CLUSTER -> {
                if (next.getIteratorSecret().isEmpty()) {
                    next.setIteratorSecret(command.getInitCluster().getIteratorSecret());
                }
                yield MetadataResult.getDefaultInstance();
            }
            case LEASE -> Leases.apply(next, command.getLeaderTimeMs(), command.getLease());
            case DELIVERY_STREAM -> DeliveryStreams.apply(next, index, command.getLeaderTimeMs(),
                    command.getDeliveryStream());
            case COMMAND_NOT_SET -> throw new IllegalStateException("metadata entry " + index + " has no command");
        };
        return new Outcome(next.build(), result.toBuilder().setIndex(index).build());
    }

    private MetadataResult create(MetadataState.Builder s, long index, long nowMs, CreateStreamCommand c) {
        for (StreamRecord existing : s.getStreamsList()) {
            if (existing.getStreamName().equals(c.getStreamName())) {
                return error(ErrorCode.RESOURCE_IN_USE, "stream " + c.getStreamName() + " already exists");
            }
        }
        int[] load = new int[groupCount];
        for (StreamRecord existing : s.getStreamsList()) {
            for (ShardRecord shard : existing.getShardsList()) {
                load[shard.getGroupIndex()]++;
            }
        }
        StreamRecord.Builder stream = StreamRecord.newBuilder()
                .setStreamName(c.getStreamName())
                .setStreamId(index)
                .setRetentionPeriodHours(c.getRetentionPeriodHours())
                .setCreatedTimeMs(nowMs);
        List<HashKeyRange> ranges = HashKeyRange.evenSplit(c.getShardCount());
        for (int i = 0; i < ranges.size(); i++) {
            int group = leastLoaded(load);
            load[group]++;
            stream.addShards(ShardRecord.newBuilder()
                    .setShardIndex(i)
                    .setStartingHashKey(ByteString.copyFrom(ranges.get(i).start().toBytes()))
                    .setEndingHashKey(ByteString.copyFrom(ranges.get(i).end().toBytes()))
                    .setGroupIndex(group)
                    .setParentShardIndex(-1)
                    .setAdjacentParentShardIndex(-1));
        }
        StreamRecord created = stream.build();
        s.addStreams(created);
        return MetadataResult.newBuilder().setStream(created).build();
    }

    private static int leastLoaded(int[] load) {
        int best = 0;
        for (int g = 1; g < load.length; g++) {
            if (load[g] < load[best]) {
                best = g;
            }
        }
        return best;
    }

    private static MetadataResult delete(MetadataState.Builder s, DeleteStreamCommand c) {
        for (int i = 0; i < s.getStreamsCount(); i++) {
            StreamRecord existing = s.getStreams(i);
            if (existing.getStreamName().equals(c.getStreamName())) {
                s.removeStreams(i);
                s.addDeletedStreamIds(existing.getStreamId());
                for (int k = s.getConsumersCount() - 1; k >= 0; k--) {
                    if (s.getConsumers(k).getStreamId() == existing.getStreamId()) {
                        s.removeConsumers(k); // its applications' leases and checkpoints go with it
                    }
                }
                return MetadataResult.newBuilder().setStream(existing).build();
            }
        }
        return error(ErrorCode.RESOURCE_NOT_FOUND, "stream " + c.getStreamName() + " not found");
    }

    static MetadataResult error(ErrorCode code, String message) {
        return MetadataResult.newBuilder().setError(code).setErrorMessage(message).build();
    }
}
