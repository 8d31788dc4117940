package io.sluice.client.consumer.internal;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One gRPC channel per broker address, and where to send each shard's reads. Any broker serves lease calls; reads
 * go to the leader of the shard's replication group, learnt from NOT_LEADER answers (which name it) and forgotten
 * when that broker fails. Thread-safe.
 */
public final class BrokerChannels implements AutoCloseable {
    /** GetRecords answers up to 10 MiB of records plus framing. */
    private static final int MAX_INBOUND_BYTES = 16 << 20;

    private final List<String> endpoints;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, String> readLeaders = new ConcurrentHashMap<>();
    private final AtomicInteger nextEndpoint;
    private final ClientInterceptor[] interceptors;
    private volatile boolean closed;

    /** {@code endpoints}: host:port of brokers to start from; {@code first} picks the first one tried. */
    public BrokerChannels(List<String> endpoints, int first) {
        this(endpoints, first, new ClientInterceptor[0]);
    }

    /** As {@link #BrokerChannels(List, int)}, with {@code interceptors} on every channel (tests watch calls so). */
    BrokerChannels(List<String> endpoints, int first, ClientInterceptor... interceptors) {
        this.endpoints = List.copyOf(endpoints);
        this.nextEndpoint = new AtomicInteger(Math.floorMod(first, endpoints.size()));
        this.interceptors = interceptors.clone();
    }

    /** The channel to {@code address} (host:port), created on first use. */
    public ManagedChannel channel(String address) {
        if (closed) {
            throw SluiceException.of(ErrorCode.UNAVAILABLE, "the consumer is shut down");
        }
        return channels.computeIfAbsent(address, a -> {
            int colon = a.lastIndexOf(':');
            return NettyChannelBuilder.forAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
                    .usePlaintext().maxInboundMessageSize(MAX_INBOUND_BYTES).intercept(interceptors).build();
        });
    }

    /** The configured endpoints in turn: callers move on after a failure. */
    public String nextEndpoint() {
        return endpoints.get(Math.floorMod(nextEndpoint.getAndIncrement(), endpoints.size()));
    }

    /** Where to read {@code shardId}: its last known leader, else a configured endpoint. */
    public String readAddress(String shardId) {
        String leader = readLeaders.get(shardId);
        return leader != null ? leader : nextEndpoint();
    }

    /**
     * Learns from a failed read of {@code shardId} at {@code address}: NOT_LEADER naming the leader redirects the
     * shard's reads there; anything else forgets the hint, so the next read tries another broker.
     */
    public void readFailed(String shardId, String address, SluiceException e) {
        String leader = e.code() == ErrorCode.NOT_LEADER ? e.detail().getLeaderAddress() : "";
        if (!leader.isEmpty() && !leader.equals(address)) {
            readLeaders.put(shardId, leader);
        } else {
            readLeaders.remove(shardId, address);
        }
    }

    /** Records that {@code address} served reads of {@code shardId}. */
    public void readSucceeded(String shardId, String address) {
        readLeaders.put(shardId, address);
    }

    /** Closes every channel at once; calls in flight fail with CANCELLED/UNAVAILABLE. */
    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
