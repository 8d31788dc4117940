/**
 * The Firehose gRPC API (firehose.proto): {@link io.sluice.firehose.api.FirehoseService} validates requests at the
 * edge ({@link io.sluice.firehose.api.Definitions} is the one proto adapter for definitions), stores definitions
 * through the brokers ({@link io.sluice.firehose.api.BrokerClient}) and makes direct puts durable in backing streams.
 */
package io.sluice.firehose.api;
