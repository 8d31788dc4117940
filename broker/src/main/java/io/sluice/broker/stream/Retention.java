package io.sluice.broker.stream;

import io.sluice.broker.metadata.MetadataView;
import io.sluice.broker.storage.ShardKey;
import io.sluice.broker.storage.ShardLog;
import io.sluice.broker.storage.ShardStorage;
import io.sluice.proto.internal.v1.StreamRecord;
import java.time.Clock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops, in every shard held on this broker, the roll cycles whose records are all older than the stream's retention
 * period. Each replica trims by itself; arrival times are the same on every replica, and trimming never changes a
 * position, so replicas stay interchangeable.
 */
public final class Retention implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private final Supplier<MetadataView> metadata;
    private final ShardStorage storage;
    private final Clock clock;

    public Retention(Supplier<MetadataView> metadata, ShardStorage storage, Clock clock) {
        this.metadata = metadata;
        this.storage = storage;
        this.clock = clock;
    }

    @Override
    public void run() {
        MetadataView view = metadata.get();
        long now = clock.millis();
        for (ShardKey key : storage.shardsOnDisk()) {
            StreamRecord stream = view.streamById(key.streamId());
            ShardLog log = stream == null ? null : storage.existing(key);
            if (log == null) {
                continue;
            }
            try {
                long dropped = log.trimBefore(now - stream.getRetentionPeriodHours() * 3_600_000L);
                if (dropped > 0) {
                    LOG.info("retention: dropped {} records of shard {} ({} h)", dropped, key,
                            stream.getRetentionPeriodHours());
                }
            } catch (RuntimeException e) {
                LOG.warn("retention: cannot trim shard {}", key, e);
            }
        }
    }
}
