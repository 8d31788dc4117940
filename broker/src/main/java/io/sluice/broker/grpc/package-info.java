/**
 * The gRPC adapters of the client port (sluice.v1 Streams, Cluster, Leases, DeliveryStreamCatalog): each decodes a
 * call, hands it to the stream domain (or the metadata group for leases and delivery-stream definitions), and answers
 * through {@link io.sluice.common.GrpcCalls}, which maps failures to the error catalogue. Also the push pump of
 * SubscribeToShard. Nothing here decides anything the domain should; nothing here blocks a transport thread.
 */
package io.sluice.broker.grpc;
