package io.sluice.client.producer.internal;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.BrokerInfo;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.Shard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the producer knows about the cluster: each stream's {@link ShardMap} (from ListShards) and each group's
 * leader (from DescribeCluster). Fetches run on one background thread, retried with backoff; readers never wait for a
 * refresh, except {@link #shardMap} on a stream's first use.
 *
 * <p>Thread-safe: maps are immutable snapshots published through concurrent maps and volatile fields.
 */
public final class MetadataCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataCache.class);

    private final BrokerClient client;
    private final List<String> endpoints;
    private final long requestTimeoutMs;
    private final long maxBlockMs;
    private final long retryBackoffMs;
    private final Backoff backoff;
    private final Time time;
    private final ScheduledExecutorService executor;
    private final Map<String, StreamEntry> streams = new ConcurrentHashMap<>();
    private final AtomicInteger rotation = new AtomicInteger();
    private final AtomicBoolean clusterRefreshQueued = new AtomicBoolean();
    private volatile ClusterView cluster = ClusterView.EMPTY;
    private volatile long lastClusterRefreshMs = Long.MIN_VALUE / 2;

    /** One stream's map and its fetch in progress. */
    private final class StreamEntry {
        final String stream;
        volatile ShardMap map;
        volatile SluiceException lastError;
        private CompletableFuture<ShardMap> loading; // guarded by this

        StreamEntry(String stream) {
            this.stream = stream;
        }

        synchronized CompletableFuture<ShardMap> load() {
            if (loading == null) {
                CompletableFuture<ShardMap> f = new CompletableFuture<>();
                loading = f;
                long startMs = time.millis();
                executor.execute(() -> attemptLoad(this, f, startMs, 1));
            }
            return loading;
        }

        synchronized void loaded(CompletableFuture<ShardMap> f) {
            if (loading == f) {
                loading = null;
            }
        }
    }

    public MetadataCache(BrokerClient client, List<String> endpoints, long requestTimeoutMs, long maxBlockMs,
                         long retryBackoffMs, Backoff backoff, long metadataMaxAgeMs, Time time) {
        this.client = client;
        this.endpoints = List.copyOf(endpoints);
        this.requestTimeoutMs = requestTimeoutMs;
        this.maxBlockMs = maxBlockMs;
        this.retryBackoffMs = retryBackoffMs;
        this.backoff = backoff;
        this.time = time;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sluice-producer-metadata");
            t.setDaemon(true);
            return t;
        });
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = ex;
        executor.scheduleWithFixedDelay(this::maybeRefreshCluster, 0, metadataMaxAgeMs, TimeUnit.MILLISECONDS);
    }

    /**
     * The stream's shard map, fetching it first if unknown and waiting up to {@code timeoutNanos}.
     *
     * @throws SluiceException the fetch's error (RESOURCE_NOT_FOUND for a missing stream), or, when time ran out,
     *                         one naming max.block.ms and the last error seen
     */
    public ShardMap shardMap(String stream, long timeoutNanos) throws InterruptedException {
        StreamEntry e = streams.computeIfAbsent(stream, StreamEntry::new);
        ShardMap m = e.map;
        if (m != null) {
            return m;
        }
        CompletableFuture<ShardMap> f = e.load();
        try {
            return f.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
        } catch (ExecutionException ex) {
            throw ex.getCause() instanceof SluiceException se ? se
                    : SluiceException.of(ErrorCode.INTERNAL, "fetching the shard map of " + stream + " failed",
                    ex.getCause());
        } catch (TimeoutException ex) {
            SluiceException last = e.lastError;
            String lastText = last == null ? "no answer yet" : last.getMessage();
            throw SluiceException.of(last == null ? ErrorCode.UNAVAILABLE : last.code(), "stream " + stream
                    + ": put blocked max.block.ms (" + maxBlockMs + " ms) waiting for the stream's shard map from "
                    + addresses(s -> false) + "; last error: " + lastText, last);
        }
    }

    /** The stream's shard map if known, without waiting. */
    public ShardMap cachedShardMap(String stream) {
        StreamEntry e = streams.get(stream);
        return e == null ? null : e.map;
    }

    /** A stale-map answer: refetch in the background, serving the current map meanwhile. */
    public void refreshStream(String stream) {
        StreamEntry e = streams.get(stream);
        if (e != null) {
            e.load();
        }
    }

    /** The stream is gone (RESOURCE_NOT_FOUND): forget it, so that its next put fetches (and fails) afresh. */
    public void forgetStream(String stream) {
        streams.remove(stream);
    }

    private void attemptLoad(StreamEntry e, CompletableFuture<ShardMap> f, long startMs, int attempt) {
        String address = nextAddress();
        try {
            List<Shard> shards = new ArrayList<>();
            ListShardsRequest req = ListShardsRequest.newBuilder().setStreamName(e.stream).build();
            while (true) {
                ListShardsResponse r = client.listShards(address, req, requestTimeoutMs);
                shards.addAll(r.getShardsList());
                if (r.getNextToken().isEmpty()) {
                    break;
                }
                req = ListShardsRequest.newBuilder().setNextToken(r.getNextToken()).build();
            }
            ShardMap m = ShardMap.of(e.stream, shards);
            e.map = m;
            e.lastError = null;
            e.loaded(f);
            f.complete(m);
        } catch (SluiceException ex) {
            e.lastError = ex;
            long elapsed = time.millis() - startMs;
            if (!ex.retriable() || elapsed >= maxBlockMs) {
                if (!ex.retriable()) {
                    streams.remove(e.stream, e);
                } else {
                    LOG.debug("no shard map for {} after {} ms: {}", e.stream, elapsed, ex.getMessage());
                }
                e.loaded(f);
                f.completeExceptionally(ex);
                return;
            }
            maybeRefreshCluster();
            schedule(() -> attemptLoad(e, f, startMs, attempt + 1), backoff.delayMs(attempt));
        } catch (RuntimeException ex) {
            e.loaded(f);
            f.completeExceptionally(ex);
        }
    }

    /** Refreshes group leaders soon (at most once per retry.backoff.ms), e.g. after a failed call. */
    public void maybeRefreshCluster() {
        if (!clusterRefreshQueued.compareAndSet(false, true)) {
            return;
        }
        long wait = lastClusterRefreshMs + retryBackoffMs - time.millis();
        schedule(this::refreshCluster, Math.max(0, wait));
    }

    private void refreshCluster() {
        clusterRefreshQueued.set(false);
        lastClusterRefreshMs = time.millis();
        Map<String, String> leaders = new HashMap<>();
        Set<String> brokers = new LinkedHashSet<>();
        Set<String> groupsWithoutLeader = new LinkedHashSet<>();
        boolean answered = false;
        SluiceException last = null;
        List<String> candidates = addresses(a -> false);
        int start = Math.floorMod(rotation.getAndIncrement(), candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            String address = candidates.get((start + i) % candidates.size());
            try {
                DescribeClusterResponse r = client.describeCluster(address, requestTimeoutMs);
                answered = true;
                Map<String, String> addressOf = new HashMap<>();
                for (BrokerInfo b : r.getBrokersList()) {
                    addressOf.put(b.getNodeId(), b.getClientAddress());
                    brokers.add(b.getClientAddress());
                }
                for (GroupInfo g : r.getGroupsList()) {
                    String leader = addressOf.get(g.getLeaderNodeId());
                    if (leader != null) {
                        leaders.putIfAbsent(g.getGroupName(), leader);
                        groupsWithoutLeader.remove(g.getGroupName());
                    } else if (!leaders.containsKey(g.getGroupName())) {
                        groupsWithoutLeader.add(g.getGroupName());
                    }
                }
                if (groupsWithoutLeader.isEmpty()) {
                    break; // a broker that does not host a group does not know its leader: ask another
                }
            } catch (SluiceException e) {
                last = e;
            } catch (RuntimeException e) {
                LOG.warn("DescribeCluster on {} failed", address, e);
            }
        }
        if (answered) {
            cluster = new ClusterView(leaders, new ArrayList<>(brokers));
        } else if (last != null) {
            LOG.debug("no broker answered DescribeCluster: {}", last.getMessage());
        }
    }

    /** The client address of the group's leader, or null if unknown. */
    public String leaderAddress(String group) {
        return cluster.leaderAddressByGroup().get(group);
    }

    /**
     * A broker to send to when the leader is unknown or avoided: the configured endpoints and the brokers the cluster
     * listed, in rotation, skipping {@code avoid}ed ones unless every one is.
     */
    public String anyAddress(Predicate<String> avoid) {
        List<String> all = addresses(a -> false);
        int start = Math.floorMod(rotation.getAndIncrement(), all.size());
        for (int i = 0; i < all.size(); i++) {
            String a = all.get((start + i) % all.size());
            if (!avoid.test(a)) {
                return a;
            }
        }
        return all.get(start);
    }

    private String nextAddress() {
        List<String> all = addresses(a -> false);
        return all.get(Math.floorMod(rotation.getAndIncrement(), all.size()));
    }

    private List<String> addresses(Predicate<String> skip) {
        Set<String> all = new LinkedHashSet<>(endpoints);
        all.addAll(cluster.brokerAddresses());
        all.removeIf(skip);
        return new ArrayList<>(all);
    }

    public ClusterView cluster() {
        return cluster;
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
