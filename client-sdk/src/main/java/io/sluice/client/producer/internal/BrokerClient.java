package io.sluice.client.producer.internal;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The calls the producer makes, to a broker named by its client address ({@code host:port}). Failures are
 * {@link SluiceException}s (catalogue errors, or transport failures mapped to UNAVAILABLE). Thread-safe.
 */
public interface BrokerClient extends AutoCloseable {
    /** Sends PutRecords; the future fails with a SluiceException. Its callbacks must be short (they may run on I/O). */
    CompletableFuture<PutRecordsResponse> putRecords(String address, PutRecordsRequest request, long timeoutMs);

    /** One page of ListShards; blocks. */
    ListShardsResponse listShards(String address, ListShardsRequest request, long timeoutMs);

    /** DescribeCluster; blocks. */
    DescribeClusterResponse describeCluster(String address, long timeoutMs);

    @Override
    void close();
}
