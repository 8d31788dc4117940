package io.sluice.bench.load;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One plaintext gRPC channel per broker address, opened on first use and shared by every producer (HTTP/2 multiplexes
 * their calls). Callbacks run directly on the network threads: the tool's callbacks only count and never block.
 * Thread-safe; {@link #close} shuts every channel down.
 */
final class Channels implements AutoCloseable {
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, StreamsGrpc.StreamsStub> stubs = new ConcurrentHashMap<>();

    ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> {
            Map.Entry<String, Integer> hp = WorkloadOptions.parseHostPort(a, "targets");
            return NettyChannelBuilder.forAddress(hp.getKey(), hp.getValue())
                    .usePlaintext()
                    .directExecutor()
                    .build();
        });
    }

    StreamsGrpc.StreamsStub stub(String address) {
        StreamsGrpc.StreamsStub s = stubs.get(address);
        return s != null ? s : stubs.computeIfAbsent(address, a -> StreamsGrpc.newStub(channel(a)));
    }

    StreamsGrpc.StreamsBlockingStub blocking(String address) {
        return StreamsGrpc.newBlockingStub(channel(address));
    }

    ClusterGrpc.ClusterBlockingStub cluster(String address) {
        return ClusterGrpc.newBlockingStub(channel(address));
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdown);
        for (ManagedChannel c : channels.values()) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
