/**
 * Examples, not product code: small programs that use Sluice the way an application would, through the public gRPC
 * API ({@code sluice.v1}) and the client SDK. No product module uses them; they are built and shipped (under
 * {@code lib/examples/} in the distribution) so that the main job and the README's tour can run them.
 *
 * <ul>
 *   <li>{@link io.sluice.examples.Demo}: the README's tour against a running broker — create a stream, put sample
 *       JSON events, read every shard back.</li>
 *   <li>{@link io.sluice.examples.DeliveryDemo}: the main job's demo ({@code deploy/run-local.sh}) — a stream
 *       delivered as Parquet to {@code ./data/delivered} by a running Firehose, checked by reading the delivered
 *       objects back (exit status 0 only when every event of the run was delivered exactly once).</li>
 * </ul>
 */
package io.sluice.examples;
