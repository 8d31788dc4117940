package io.sluice.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.proto.internal.v1.DeliveryStreamCommand;
import io.sluice.proto.internal.v1.MetadataCommand;
import io.sluice.proto.internal.v1.MetadataResult;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import org.junit.jupiter.api.Test;

/** Delivery-stream definitions as the metadata group applies them. */
class DeliveryStreamsTest {
    private final MetadataCommands commands = new MetadataCommands(2);
    private MetadataState state = MetadataState.getDefaultInstance();
    private long index;

    private MetadataResult run(long now, DeliveryStreamCommand.Builder c) {
        MetadataCommands.Outcome o = commands.apply(state, 1, ++index,
                MetadataCommand.newBuilder().setLeaderTimeMs(now).setDeliveryStream(c).build());
        state = o.state();
        return o.result();
    }

    private static DeliveryStreamCommand.Builder create(String name, String destination) {
        return DeliveryStreamCommand.newBuilder().setCreate(DeliveryStreamDefinition.newBuilder()
                .setDeliveryStreamName(name).setDestination(destination));
    }

    @Test
    void namesAreUnique_untilDeleted_andEachCreationIsANewIncarnation() {
        MetadataResult first = run(1_000, create("orders", "file:///a"));
        assertThat(first.getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.ERROR_CODE_UNSPECIFIED);
        assertThat(first.getDeliveryStream().getCreatedTimeMs()).isEqualTo(1_000);
        assertThat(first.getDeliveryStream().getCreatedIndex()).isEqualTo(1);

        MetadataResult taken = run(2_000, create("orders", "file:///b"));
        assertThat(taken.getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.RESOURCE_IN_USE);
        assertThat(new MetadataView(state).deliveryStreamsByName().get("orders").getDefinition().getDestination())
                .isEqualTo("file:///a");

        assertThat(run(3_000, DeliveryStreamCommand.newBuilder().setDeleteName("orders")).getError()).isEqualTo(io.sluice.proto.v1.ErrorCode.ERROR_CODE_UNSPECIFIED);
        assertThat(run(3_500, DeliveryStreamCommand.newBuilder().setDeleteName("orders")).getError())
                .isEqualTo(io.sluice.proto.v1.ErrorCode.RESOURCE_NOT_FOUND);
        MetadataResult again = run(4_000, create("orders", "file:///c"));
        assertThat(again.getDeliveryStream().getCreatedIndex()).isEqualTo(5);
        run(5_000, create("clicks", "file:///d"));
        assertThat(new MetadataView(state).deliveryStreamsByName().keySet()).containsExactly("clicks", "orders");
    }
}
