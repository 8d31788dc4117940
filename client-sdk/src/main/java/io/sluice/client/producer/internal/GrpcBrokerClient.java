package io.sluice.client.producer.internal;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.common.GrpcErrors;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** {@link BrokerClient} over gRPC: one plaintext channel per broker address, opened on first use. */
public final class GrpcBrokerClient implements BrokerClient {
    private static final int MAX_INBOUND_BYTES = 16 << 20;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("the producer's connections are closed");
        }
        ManagedChannel ch = channels.computeIfAbsent(address, GrpcBrokerClient::open);
        // A broker that was down may be back: do not wait out gRPC's reconnect backoff (up to two minutes).
        if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            ch.resetConnectBackoff();
        }
        return ch;
    }

    private static ManagedChannel open(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        return NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                .maxInboundMessageSize(MAX_INBOUND_BYTES).build();
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(String address, PutRecordsRequest request,
                                                            long timeoutMs) {
        CompletableFuture<PutRecordsResponse> f = new CompletableFuture<>();
        try {
            StreamsGrpc.newStub(channel(address)).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .putRecords(request, new StreamObserver<>() {
                        @Override
                        public void onNext(PutRecordsResponse value) {
                            f.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            f.completeExceptionally(GrpcErrors.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            // onNext completed it
                        }
                    });
        } catch (RuntimeException e) {
            f.completeExceptionally(GrpcErrors.fromThrowable(e));
        }
        return f;
    }

    @Override
    public ListShardsResponse listShards(String address, ListShardsRequest request, long timeoutMs) {
        try {
            return StreamsGrpc.newBlockingStub(channel(address)).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .listShards(request);
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.fromThrowable(e);
        }
    }

    @Override
    public DescribeClusterResponse describeCluster(String address, long timeoutMs) {
        try {
            return ClusterGrpc.newBlockingStub(channel(address)).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.fromThrowable(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
