package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.Delivery;
import io.sluice.client.consumer.StartPosition;
import java.util.ArrayList;
import java.util.List;

/** A fetcher the test feeds by hand: {@link #push} adds a batch to the shard consumer's buffer. */
final class FakeFetcher implements Fetcher {
    final String shardId;
    final PrefetchBuffer buffer;
    StartPosition startedAt;
    boolean stopped;

    FakeFetcher(String shardId, PrefetchBuffer buffer) {
        this.shardId = shardId;
        this.buffer = buffer;
    }

    @Override
    public void start(StartPosition from) {
        startedAt = from;
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public Delivery currentDelivery() {
        return Delivery.POLLING;
    }

    /** Records with positions {@code from..from+count-1} of stream 1. */
    void push(long from, int count) {
        buffer.add(new FetchedBatch(records(shardId, from, count), 0, false));
    }

    void pushShardEnd() {
        buffer.add(new FetchedBatch(List.of(), 0, true));
    }

    static String seq(long position) {
        return new io.sluice.common.SequenceNumber(1, position).toString();
    }

    static List<ConsumerRecord> records(String shardId, long from, int count) {
        List<ConsumerRecord> out = new ArrayList<>();
        for (long p = from; p < from + count; p++) {
            out.add(new ConsumerRecord(shardId, seq(p), 0, "k",
                    com.google.protobuf.ByteString.copyFromUtf8("r" + p)));
        }
        return out;
    }
}
