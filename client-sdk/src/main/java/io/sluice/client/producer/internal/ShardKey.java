package io.sluice.client.producer.internal;

/** A shard of a stream, as the producer batches by it. */
public record ShardKey(String stream, String shardId) {
    @Override
    public String toString() {
        return stream + "/" + shardId;
    }
}
