/**
 * The Firehose process: {@link io.sluice.firehose.FirehoseMain} parses the configuration and starts a
 * {@link io.sluice.firehose.Firehose}, which serves the API ({@code api}), runs the deliveries ({@code source} over
 * {@code delivery}) and serves metrics.
 *
 * <pre>
 *  clients ── Firehose gRPC (api.FirehoseService) ──► definitions: brokers' DeliveryStreamCatalog (metadata group)
 *                                                 └─► direct puts: producer SDK ──► backing stream firehose-NAME
 *  source.DeliveryManager ── per delivery stream ──► consumer SDK leases ──► delivery.ShardDelivery per shard
 *                                                                             ──► ObjectStore (file://, s3a://)
 * </pre>
 */
package io.sluice.firehose;
