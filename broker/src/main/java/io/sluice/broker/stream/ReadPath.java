package io.sluice.broker.stream;

import com.google.protobuf.ByteString;
import io.sluice.broker.replication.DataGroups;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.broker.storage.StoredRecord;
import io.sluice.common.Limits;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.ShardIteratorPayload;
import io.sluice.proto.internal.v1.ShardRecord;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GetShardIteratorResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StartingPosition;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GetShardIterator and GetRecords: served by the leader of the shard's replication group from its local shard log,
 * which holds committed records only. Elsewhere the call fails with NOT_LEADER naming the leader.
 */
public final class ReadPath {
    private final MetadataGroup metadata;
    private final DataGroups groups;
    private final ShardStorage storage;
    private final Clock clock;
    private final Limits limits;
    /** Built from the cluster's iterator secret once the metadata group has it. */
    private volatile ShardIteratorCodec iterators;

    public ReadPath(MetadataGroup metadata, DataGroups groups, ShardStorage storage, Clock clock, Limits limits) {
        this.metadata = metadata;
        this.groups = groups;
        this.storage = storage;
        this.clock = clock;
        this.limits = limits;
    }

    /** A shard this broker may serve reads for, and its log. */
    public record LocalShard(StreamRecord stream, ShardRecord shard, ShardLog log) {
        public ShardKey key() {
            return new ShardKey(stream.getStreamId(), shard.getShardIndex());
        }
    }

    /** The shard, if this broker leads its group (NOT_LEADER otherwise); completes at once for a known stream. */
    public CompletableFuture<LocalShard> localShard(String streamName, String shardId) {
        Limits.checkStreamName(streamName, "stream_name");
        return ShardLookup.stream(metadata, streamName)
                .thenApply(stream -> localShard(stream, ShardLookup.shard(stream, shardId, "shard_id")));
    }

    private LocalShard localShard(StreamRecord stream, ShardRecord shard) {
        groups.checkLeader(shard.getGroupIndex());
        ShardKey key = new ShardKey(stream.getStreamId(), shard.getShardIndex());
        return new LocalShard(stream, shard, storage.log(key));
    }

    private ShardIteratorCodec iterators() {
        ShardIteratorCodec c = iterators;
        if (c == null) {
            if (!metadata.view().initialized()) {
                throw SluiceException.of(ErrorCode.UNAVAILABLE, "the cluster is still starting (no metadata leader "
                        + "has initialized it yet); retry shortly");
            }
            c = new ShardIteratorCodec(metadata.view().iteratorSecret(), clock);
            iterators = c;
        }
        return c;
    }

    public CompletableFuture<GetShardIteratorResponse> getShardIterator(GetShardIteratorRequest request) {
        return localShard(request.getStreamName(), request.getShardId()).thenApply(s -> {
            long position = startPosition(s, StartingPosition.newBuilder()
                    .setType(request.getShardIteratorType())
                    .setSequenceNumber(request.getStartingSequenceNumber())
                    .setTimestamp(request.getTimestamp()).build(), "");
            return GetShardIteratorResponse.newBuilder().setShardIterator(iterator(s, position)).build();
        });
    }

    public long startPosition(LocalShard s, StartingPosition start, String fieldPrefix) {
        ShardLog log = s.log();
        return switch (start.getType()) {
            case TRIM_HORIZON -> log.firstPosition();
            case LATEST -> log.nextPosition();
            case AT_TIMESTAMP -> log.positionAtTimestamp(start.getTimestamp());
            case AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER -> {
                String field = fieldPrefix + (fieldPrefix.isEmpty() ? "starting_sequence_number" : "sequence_number");
                if (start.getSequenceNumber().isEmpty()) {
                    throw SluiceException.invalidArgument(field, "set for " + start.getType(), "nothing");
                }
                SequenceNumber seq = SequenceNumber.parse(start.getSequenceNumber(), field);
                if (seq.streamId() != s.stream().getStreamId()) {
                    throw SluiceException.invalidArgument(field, "a sequence number of stream "
                            + s.stream().getStreamName(), start.getSequenceNumber() + " (from another stream)");
                }
                long p = seq.position() + (start.getType() == ShardIteratorType.AFTER_SEQUENCE_NUMBER ? 1 : 0);
                if (p > log.nextPosition()) {
                    throw SluiceException.invalidArgument(field, "a sequence number this shard has handed out",
                            start.getSequenceNumber() + " (beyond the newest record)");
                }
                yield Math.max(p, log.firstPosition());
            }
            default -> throw SluiceException.invalidArgument(fieldPrefix.isEmpty() ? "shard_iterator_type"
                    : fieldPrefix + "type", "one of TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, "
                    + "AT_TIMESTAMP", start.getType().name());
        };
    }

    private String iterator(LocalShard s, long position) {
        return iterators().encode(ShardIteratorPayload.newBuilder()
                .setStreamId(s.stream().getStreamId())
                .setStreamName(s.stream().getStreamName())
                .setShardIndex(s.shard().getShardIndex())
                .setPosition(position)
                .setExpiresAtMs(clock.millis() + limits.iteratorLifetime().toMillis())
                .build());
    }

    /**
     * GetRecords, with long polling: answers at once when records are available (or max_wait_ms is 0), otherwise
     * when the shard's next record is committed here or max_wait_ms has passed, whichever comes first. The wait
     * holds no thread: an append listener and a timer each try to fire it once, on {@code executor}.
     */
    public CompletableFuture<GetRecordsResponse> getRecords(GetRecordsRequest request,
                                                            ScheduledExecutorService executor) {
        int limit = limits.checkGetRecordsLimit(request.getLimit());
        int waitMs = Limits.checkGetRecordsWait(request.getMaxWaitMs());
        ShardIteratorPayload it = iterators().decode(request.getShardIterator());
        Answer first = read(it, limit);
        GetRecordsResponse response = first.response();
        if (waitMs == 0 || response.getRecordsCount() > 0 || response.getNextShardIterator().isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return new LongPoll(it, limit, first.log(), executor).start(waitMs);
    }

    /** One held GetRecords call: answered once, by the first of an append to its shard and its timer. */
    private final class LongPoll implements Runnable {
        private final ShardIteratorPayload it;
        private final int limit;
        private final ShardLog log;
        private final ScheduledExecutorService executor;
        private final CompletableFuture<GetRecordsResponse> answer = new CompletableFuture<>();
        private final AtomicBoolean fired = new AtomicBoolean();
        private volatile ScheduledFuture<?> timer;

        LongPoll(ShardIteratorPayload it, int limit, ShardLog log, ScheduledExecutorService executor) {
            this.it = it;
            this.limit = limit;
            this.log = log;
            this.executor = executor;
        }

        CompletableFuture<GetRecordsResponse> start(int waitMs) {
            log.addAppendListener(this);
            timer = executor.schedule(this, waitMs, TimeUnit.MILLISECONDS);
            if (log.nextPosition() > it.getPosition()) {
                run(); // committed between the first read and the listener
            }
            return answer;
        }

        /** Runs on the apply thread (append) or the timer; the read itself goes to the executor. */
        @Override
        public void run() {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            log.removeAppendListener(this);
            executor.execute(() -> {
                ScheduledFuture<?> t = timer;
                if (t != null) {
                    t.cancel(false);
                }
                try {
                    answer.complete(read(it, limit).response());
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        }
    }

    private record Answer(GetRecordsResponse response, ShardLog log) {
    }

    /** One GetRecords answer from an already decoded (and therefore unexpired) iterator, with the log it read. */
    private Answer read(ShardIteratorPayload it, int limit) {
        StreamRecord stream = metadata.view().stream(it.getStreamName());
        if (stream == null || stream.getStreamId() != it.getStreamId()) {
            throw SluiceException.notFound("stream " + it.getStreamName() + " of this iterator no longer exists");
        }
        if (it.getShardIndex() >= stream.getShardsCount()) {
            throw SluiceException.of(ErrorCode.INVALID_ITERATOR, "shard_iterator: names a shard that does not exist");
        }
        LocalShard s = localShard(stream, stream.getShards(it.getShardIndex()));
        List<StoredRecord> records = s.log().read(it.getPosition(), limit, limits.maxGetRecordsBytes());
        long next = records.isEmpty() ? Math.max(it.getPosition(), s.log().firstPosition())
                : records.get(records.size() - 1).position() + 1;
        GetRecordsResponse.Builder response = GetRecordsResponse.newBuilder();
        for (StoredRecord r : records) {
            response.addRecords(toProto(stream.getStreamId(), r));
        }
        response.setMillisBehindLatest(millisBehind(s.log(), records, next));
        response.setNextShardIterator(iterator(s, next));
        return new Answer(response.build(), s.log());
    }

    /**
     * MillisBehindLatest as streams.proto defines it: the arrival time of the shard's newest record minus that of the
     * last record {@code returned}, or of the record at {@code nextPosition} when none was returned; 0 when caught up.
     */
    public static long millisBehind(ShardLog log, List<StoredRecord> returned, long nextPosition) {
        if (nextPosition >= log.nextPosition()) {
            return 0;
        }
        long from = returned.isEmpty() ? log.arrivalTimeAt(nextPosition)
                : returned.get(returned.size() - 1).arrivalTimeMs();
        return Math.max(0, log.lastArrivalMs() - from);
    }

    public static Record toProto(long streamId, StoredRecord r) {
        return Record.newBuilder()
                .setSequenceNumber(new SequenceNumber(streamId, r.position()).toString())
                .setApproximateArrivalTimestamp(r.arrivalTimeMs())
                .setPartitionKey(r.partitionKey())
                .setData(ByteString.copyFrom(r.data()))
                .build();
    }
}
