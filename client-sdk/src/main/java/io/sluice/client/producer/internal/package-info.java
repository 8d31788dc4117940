/**
 * The producer's machinery (not public API): accumulator, sender step, outcome handling, buffer memory, metadata
 * cache, idempotent sequences and the broker transport. See the diagram in {@link io.sluice.client.producer}.
 */
package io.sluice.client.producer.internal;
