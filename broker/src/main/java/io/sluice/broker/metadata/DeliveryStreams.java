package io.sluice.broker.metadata;

import io.sluice.proto.internal.v1.DeliveryStreamCommand;
import io.sluice.proto.internal.v1.DeliveryStreamRecord;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.v1.ErrorCode;

/**
 * Firehose delivery-stream definitions (firehose.proto, DeliveryStreamCatalog), part of the metadata group's pure
 * transition function: names are unique; the definitions themselves were validated by the proposing Firehose.
 */
final class DeliveryStreams {
    private DeliveryStreams() {
    }

    static MetadataResult apply(MetadataState.Builder s, long index, long nowMs, DeliveryStreamCommand c) {
        switch (c.getOpCase()) {
            case CREATE -> {
                String name = c.getCreate().getDeliveryStreamName();
                for (DeliveryStreamRecord r : s.getDeliveryStreamsList()) {
                    if (r.getDefinition().getDeliveryStreamName().equals(name)) {
                        return MetadataCommands.error(ErrorCode.RESOURCE_IN_USE, "delivery stream " + name
                                + " already exists");
                    }
                }
                DeliveryStreamRecord created = DeliveryStreamRecord.newBuilder().setDefinition(c.getCreate())
                        .setCreatedTimeMs(nowMs).setCreatedIndex(index).build();
                s.addDeliveryStreams(created);
                return MetadataResult.newBuilder().setDeliveryStream(created).build();
            }
            case DELETE_NAME -> {
                for (int i = 0; i < s.getDeliveryStreamsCount(); i++) {
                    DeliveryStreamRecord r = s.getDeliveryStreams(i);
                    if (r.getDefinition().getDeliveryStreamName().equals(c.getDeleteName())) {
                        s.removeDeliveryStreams(i);
                        return MetadataResult.newBuilder().setDeliveryStream(r).build();
                    }
                }
                return MetadataCommands.error(ErrorCode.RESOURCE_NOT_FOUND, "delivery stream " + c.getDeleteName()
                        + " not found");
            }
            default -> throw new IllegalStateException("delivery-stream command without an operation");
        }
    }
}
