package io.sluice.broker.replication;

import io.sluice.broker.metadata.MetadataView;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import java.util.concurrent.CompletableFuture;

/**
 * What the stream domain needs from the metadata group: its applied state, a way to change it, and a read barrier.
 * Thread-safe; no method blocks.
 */
public interface MetadataGroup {
    /** This broker's applied copy of the metadata; never null (empty before the first apply). */
    MetadataView view();

    /**
     * Replicates {@code command} and completes once it is committed and applied on this broker too (so that a read
     * on this broker that follows sees it). Fails with the command's catalogue error (a {@code SluiceException}), or
     * UNAVAILABLE when the group has no quorum.
     */
    CompletableFuture<MetadataResult> submit(MetadataCommand command);

    /**
     * Completes once this broker has applied every metadata change committed before the call (a ReadIndex round to
     * the leader); completes exceptionally if that cannot be established (no leader), in which case the caller may
     * answer from {@link #view()}.
     */
    CompletableFuture<Void> readBarrier();
}
