package io.sluice.firehose.api;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.DeliveryStreamCatalogGrpc;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Firehose's calls to the cluster's control plane (the delivery-stream catalog, creating and deleting backing
 * streams). Any broker serves them (they forward to the metadata leader), so a call that finds a broker
 * unavailable is tried on the next one. Thread-safe; closes its channels.
 */
public final class BrokerClient implements AutoCloseable {
    private static final long DEADLINE_MS = 30_000;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    /** @param endpoints host:port of brokers' client addresses */
    public BrokerClient(List<String> endpoints) {
        for (String e : endpoints) {
            channels.add(NettyChannelBuilder.forTarget(e).usePlaintext().build());
        }
    }

    public <T> T catalog(Function<DeliveryStreamCatalogGrpc.DeliveryStreamCatalogBlockingStub, T> call) {
        return withFailover(ch -> call.apply(DeliveryStreamCatalogGrpc.newBlockingStub(ch)
                .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)));
    }

    public <T> T streams(Function<StreamsGrpc.StreamsBlockingStub, T> call) {
        return withFailover(ch -> call.apply(StreamsGrpc.newBlockingStub(ch)
                .withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)));
    }

    /**
     * @throws SluiceException the call's error, or UNAVAILABLE when no broker answered
     */
    private <T> T withFailover(Function<ManagedChannel, T> call) {
        SluiceException last = null;
        int start = Math.floorMod(next.getAndIncrement(), channels.size());
        for (int i = 0; i < channels.size(); i++) {
            try {
                return call.apply(channels.get((start + i) % channels.size()));
            } catch (StatusRuntimeException e) {
                SluiceException se = GrpcErrors.fromThrowable(e);
                if (se.code() != ErrorCode.UNAVAILABLE) {
                    throw se;
                }
                last = se;
            }
        }
        throw last != null ? last : SluiceException.of(ErrorCode.UNAVAILABLE, "no broker configured");
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
