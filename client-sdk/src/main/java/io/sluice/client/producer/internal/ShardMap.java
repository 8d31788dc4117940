package io.sluice.client.producer.internal;

import io.sluice.common.HashKey;
import io.sluice.common.SequenceNumber;
import io.sluice.proto.v1.Shard;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A stream's open shards by hash key range, as ListShards described them, with each shard's replication group.
 * Immutable.
 */
public final class ShardMap {
    /** Where a hash key goes. */
    public record Route(String shardId, String group) {
    }

    private record Entry(HashKey start, HashKey end, Route route) {
    }

    private final String stream;
    private final long streamId;
    private final List<Entry> entries;

    private ShardMap(String stream, long streamId, List<Entry> entries) {
        this.stream = stream;
        this.streamId = streamId;
        this.entries = entries;
    }

    /** The map of {@code stream} from its shards (any order; closed shards are skipped). */
    public static ShardMap of(String stream, List<Shard> shards) {
        List<Entry> open = new ArrayList<>();
        long streamId = -1;
        for (Shard s : shards) {
            if (streamId < 0 && !s.getSequenceNumberRange().getStartingSequenceNumber().isEmpty()) {
                streamId = SequenceNumber.parse(s.getSequenceNumberRange().getStartingSequenceNumber(),
                        "starting_sequence_number").streamId();
            }
            if (!s.getSequenceNumberRange().getEndingSequenceNumber().isEmpty()) {
                continue;
            }
            open.add(new Entry(HashKey.parseExplicit(s.getHashKeyRange().getStartingHashKey(), "starting_hash_key"),
                    HashKey.parseExplicit(s.getHashKeyRange().getEndingHashKey(), "ending_hash_key"),
                    new Route(s.getShardId(), s.getReplicationGroup())));
        }
        open.sort(Comparator.comparing(Entry::start));
        return new ShardMap(stream, streamId, List.copyOf(open));
    }

    /** The open shard whose range holds {@code key}, or null if none does (the map is stale). */
    public Route route(HashKey key) {
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = entries.get(mid);
            if (key.compareTo(e.end()) > 0) {
                lo = mid + 1;
            } else if (key.compareTo(e.start()) < 0) {
                hi = mid - 1;
            } else {
                return e.route();
            }
        }
        return null;
    }

    public String stream() {
        return stream;
    }

    /** The stream incarnation's id (from its sequence numbers), -1 if unknown. */
    public long streamId() {
        return streamId;
    }

    public int shardCount() {
        return entries.size();
    }
}
