package io.sluice.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.broker.replication.MetadataGroup;
import io.sluice.common.GrpcCalls;
import io.sluice.common.Limits;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.DeliveryStreamCommand;
import io.sluice.proto.internal.v1.DeliveryStreamRecord;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.CreateDeliveryStreamResponse;
import io.sluice.proto.v1.DeleteDeliveryStreamRequest;
import io.sluice.proto.v1.DeleteDeliveryStreamResponse;
import io.sluice.proto.v1.DeliveryStreamCatalogGrpc;
import io.sluice.proto.v1.DeliveryStreamDescription;
import io.sluice.proto.v1.DeliveryStreamStatus;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.DescribeDeliveryStreamResponse;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Firehose delivery-stream definitions in the metadata group (firehose.proto, DeliveryStreamCatalog): the name is
 * checked here, the rest of the definition by the Firehose instance that sends it.
 */
public final class DeliveryStreamCatalogService extends DeliveryStreamCatalogGrpc.DeliveryStreamCatalogImplBase {
    static final int MAX_DEFINITION_BYTES = 2 << 20;
    static final int MAX_LIST = 10_000;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private final MetadataGroup metadata;

    public DeliveryStreamCatalogService(MetadataGroup metadata) {
        this.metadata = metadata;
    }

    @Override
    public void createDeliveryStream(CreateDeliveryStreamRequest r, StreamObserver<CreateDeliveryStreamResponse> out) {
        GrpcCalls.async(out, () -> {
            checkName(r.getDefinition().getDeliveryStreamName(), "definition.delivery_stream_name");
            if (r.getDefinition().getDestination().isEmpty()) {
                throw SluiceException.invalidArgument("definition.destination", "a destination URI", "none");
            }
            int size = r.getDefinition().getSerializedSize();
            if (size > MAX_DEFINITION_BYTES) {
                throw SluiceException.overLimit("definition", "definition size", size, MAX_DEFINITION_BYTES, "bytes");
            }
            return metadata.submit(MetadataCommand.newBuilder().setDeliveryStream(
                            DeliveryStreamCommand.newBuilder().setCreate(r.getDefinition())).build())
                    .thenApply(res -> CreateDeliveryStreamResponse.newBuilder()
                            .setDescription(describe(res.getDeliveryStream())).build());
        });
    }

    @Override
    public void describeDeliveryStream(DescribeDeliveryStreamRequest r,
                                       StreamObserver<DescribeDeliveryStreamResponse> out) {
        GrpcCalls.async(out, () -> {
            checkName(r.getDeliveryStreamName(), "delivery_stream_name");
            DeliveryStreamRecord rec = metadata.view().deliveryStreamsByName().get(r.getDeliveryStreamName());
            if (rec != null) {
                return CompletableFuture.completedFuture(describeResponse(rec));
            }
            // Maybe created through another broker and not applied here yet: ask again after a read barrier.
            return metadata.readBarrier().handle((v, error) -> {
                DeliveryStreamRecord again = metadata.view().deliveryStreamsByName().get(r.getDeliveryStreamName());
                if (again == null) {
                    throw SluiceException.notFound("delivery stream " + r.getDeliveryStreamName() + " not found");
                }
                return describeResponse(again);
            });
        });
    }

    @Override
    public void listDeliveryStreams(ListDeliveryStreamsRequest r, StreamObserver<ListDeliveryStreamsResponse> out) {
        GrpcCalls.sync(out, () -> {
            if (r.getLimit() < 0 || r.getLimit() > MAX_LIST) {
                throw SluiceException.invalidArgument("limit", "0.." + MAX_LIST + " (0 = " + MAX_LIST + ")",
                        "" + r.getLimit());
            }
            int limit = r.getLimit() == 0 ? MAX_LIST : r.getLimit();
            Map<String, DeliveryStreamRecord> after = r.getExclusiveStartDeliveryStreamName().isEmpty()
                    ? metadata.view().deliveryStreamsByName()
                    : metadata.view().deliveryStreamsByName().tailMap(r.getExclusiveStartDeliveryStreamName(), false);
            ListDeliveryStreamsResponse.Builder b = ListDeliveryStreamsResponse.newBuilder();
            for (String name : after.keySet()) {
                if (b.getDeliveryStreamNamesCount() == limit) {
                    b.setHasMoreDeliveryStreams(true);
                    break;
                }
                b.addDeliveryStreamNames(name);
            }
            return b.build();
        });
    }

    @Override
    public void deleteDeliveryStream(DeleteDeliveryStreamRequest r, StreamObserver<DeleteDeliveryStreamResponse> out) {
        GrpcCalls.async(out, () -> {
            checkName(r.getDeliveryStreamName(), "delivery_stream_name");
            return metadata.submit(MetadataCommand.newBuilder().setDeliveryStream(
                            DeliveryStreamCommand.newBuilder().setDeleteName(r.getDeliveryStreamName())).build())
                    .thenApply(res -> DeleteDeliveryStreamResponse.getDefaultInstance());
        });
    }

    private static void checkName(String name, String field) {
        if (!NAME.matcher(name).matches()) {
            throw SluiceException.invalidArgument(field, "a delivery stream name matching [a-zA-Z0-9_.-]{1,64}",
                    name.isEmpty() ? "an empty name" : "'" + Limits.abbreviate(name) + "'");
        }
    }

    private static DescribeDeliveryStreamResponse describeResponse(DeliveryStreamRecord rec) {
        return DescribeDeliveryStreamResponse.newBuilder().setDescription(describe(rec)).build();
    }

    static DeliveryStreamDescription describe(DeliveryStreamRecord r) {
        return DeliveryStreamDescription.newBuilder().setDefinition(r.getDefinition())
                .setStatus(DeliveryStreamStatus.DELIVERY_STREAM_ACTIVE).setCreateTimestampMs(r.getCreatedTimeMs())
                .setIncarnation(r.getCreatedIndex()).build();
    }
}
