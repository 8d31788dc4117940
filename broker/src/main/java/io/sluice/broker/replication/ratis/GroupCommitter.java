package io.sluice.broker.replication.ratis;

import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.DataEntry;
import io.sluice.proto.internal.v1.DataEntryResult;
import io.sluice.proto.internal.v1.ShardAppend;
import io.sluice.proto.internal.v1.ShardAppendResult;
import io.sluice.proto.v1.ErrorCode;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Group commit for one data group: the shard batches of concurrent requests are combined into one Raft entry.
 *
 * <p>At most {@code maxInFlight} entries are outstanding; requests that arrive meanwhile queue up and leave together
 * in the next entry (up to {@code maxEntryBytes}), so under load entries grow instead of multiplying, and one fsync
 * covers many requests. A request's appends are never split across entries, so a request's records for one shard stay
 * contiguous and in order.
 *
 * <p>Thread-safe; the queue and the in-flight count are guarded by {@code this}.
 */
public final class GroupCommitter {
    private record Pending(List<ShardAppend> appends, long bytes, CompletableFuture<List<ShardAppendResult>> done) {
    }

    /**
     * Appends in one entry at most: an append's entry key is {@code raftIndex << 16 | ordinal} (see ShardLog), so a
     * 65,537th append would collide with the next entry's first and be taken for a replay. One request brings at most
     * one append per shard it writes, far below this.
     */
    static final int MAX_APPENDS_PER_ENTRY = 1 << 16;

    private final Function<ByteString, CompletableFuture<ByteString>> raft;
    private final Clock clock;
    private final long maxEntryBytes;
    private final int maxInFlight;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this
    private int inFlight; // guarded by this

    public GroupCommitter(Function<ByteString, CompletableFuture<ByteString>> raft, Clock clock, long maxEntryBytes,
                          int maxInFlight) {
        this.raft = raft;
        this.clock = clock;
        this.maxEntryBytes = maxEntryBytes;
        this.maxInFlight = maxInFlight;
    }

    /**
     * Queues one request's appends for this group; the future gets one result per append, in order, once the entry
     * carrying them is committed and applied.
     */
    public CompletableFuture<List<ShardAppendResult>> submit(List<ShardAppend> appends, long bytes) {
        CompletableFuture<List<ShardAppendResult>> done = new CompletableFuture<>();
        synchronized (this) {
            queue.add(new Pending(appends, bytes, done));
        }
        maybeSend();
        return done;
    }

    private void maybeSend() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            DataEntry.Builder entry = DataEntry.newBuilder();
            synchronized (this) {
                if (inFlight >= maxInFlight || queue.isEmpty()) {
                    return;
                }
                long bytes = 0;
                int appends = 0;
                while (!queue.isEmpty() && (batch.isEmpty() || (bytes + queue.peek().bytes() <= maxEntryBytes
                        && appends + queue.peek().appends().size() <= MAX_APPENDS_PER_ENTRY))) {
                    Pending p = queue.poll();
                    bytes += p.bytes();
                    appends += p.appends().size();
                    batch.add(p);
                    entry.addAllAppends(p.appends());
                }
                inFlight++;
            }
            entry.setLeaderTimeMs(clock.millis());
            CompletableFuture<ByteString> sent;
            try {
                sent = raft.apply(RatisBytes.toByteString(entry.build()));
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((reply, error) -> {
                synchronized (this) {
                    inFlight--;
                }
                complete(batch, reply, error);
                maybeSend();
            });
        }
    }

    private static void complete(List<Pending> batch, ByteString reply, Throwable error) {
        if (error != null) {
            Throwable cause = error.getCause() != null && !(error instanceof SluiceException) ? error.getCause() : error;
            SluiceException e = cause instanceof SluiceException se ? se
                    : SluiceException.of(ErrorCode.UNAVAILABLE, "write not committed: " + cause, cause);
            batch.forEach(p -> p.done().completeExceptionally(e));
            return;
        }
        DataEntryResult result = RatisBytes.parse(reply, DataEntryResult.parser());
        int i = 0;
        for (Pending p : batch) {
            int n = p.appends().size();
            p.done().complete(result.getResultsList().subList(i, i + n));
            i += n;
        }
    }
}
