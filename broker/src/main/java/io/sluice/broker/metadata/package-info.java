/**
 * The metadata group's state (streams, shards, leases, delivery-stream definitions, cluster secrets) and the pure
 * function that applies a command to it ({@link io.sluice.broker.metadata.MetadataCommands}); the state machine that
 * drives it lives in replication.ratis. Depends on nothing else of the broker.
 */
package io.sluice.broker.metadata;
