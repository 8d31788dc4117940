/**
 * Machinery of the consumer SDK; not a public API (classes are public only so that the root package can use them).
 * {@link io.sluice.client.consumer.internal.LeaseBalancer} holds the balancing rules as a pure function;
 * {@link io.sluice.client.consumer.internal.LeaseCoordinator} and
 * {@link io.sluice.client.consumer.internal.ShardConsumer} are event loops stepped by thin drivers.
 */
package io.sluice.client.consumer.internal;
