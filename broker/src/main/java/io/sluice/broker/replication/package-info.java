/**
 * Replication as the domain sees it: {@link io.sluice.broker.replication.MetadataGroup} and
 * {@link io.sluice.broker.replication.DataGroups} (what the domain needs from consensus), and the closed apply unit
 * of a data group, {@link io.sluice.broker.replication.DataApplier} (what a group's state machine does with an
 * entry). Everything Ratis-specific is in {@code replication.ratis}, behind these types.
 */
package io.sluice.broker.replication;
