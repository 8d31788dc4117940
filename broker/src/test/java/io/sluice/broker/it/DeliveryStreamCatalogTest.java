package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.CreateDeliveryStreamRequest;
import io.sluice.proto.v1.DeleteDeliveryStreamRequest;
import io.sluice.proto.v1.DeliveryStreamCatalogGrpc;
import io.sluice.proto.v1.DeliveryStreamDefinition;
import io.sluice.proto.v1.DeliveryStreamDescription;
import io.sluice.proto.v1.DescribeDeliveryStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.ListDeliveryStreamsRequest;
import io.sluice.proto.v1.ListDeliveryStreamsResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery-stream definitions kept in the metadata group, through the DeliveryStreamCatalog service. */
class DeliveryStreamCatalogTest {
    @TempDir
    Path dir;

    private static SluiceException error(ThrowingCallable call) {
        try {
            call.call();
        } catch (StatusRuntimeException e) {
            return GrpcErrors.fromThrowable(e);
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
        throw new AssertionError("the call succeeded");
    }

    private static CreateDeliveryStreamRequest create(String name) {
        return CreateDeliveryStreamRequest.newBuilder().setDefinition(DeliveryStreamDefinition.newBuilder()
                .setDeliveryStreamName(name).setDestination("s3a://lake/" + name).setAvroSchema("{}")).build();
    }

    @Test
    void definitionCreatedThroughOneBroker_isServedByEvery_andNamesStayUnique() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3, Clock.systemUTC())) {
            c.awaitReady();
            DeliveryStreamCatalogGrpc.DeliveryStreamCatalogBlockingStub[] catalog =
                    new DeliveryStreamCatalogGrpc.DeliveryStreamCatalogBlockingStub[3];
            for (int i = 0; i < 3; i++) {
                catalog[i] = DeliveryStreamCatalogGrpc.newBlockingStub(c.channel(i))
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
            }
            DeliveryStreamDescription created = catalog[0].createDeliveryStream(create("orders")).getDescription();
            assertThat(created.getIncarnation()).isPositive();
            assertThat(created.getCreateTimestampMs()).isPositive();
            for (int i = 0; i < 3; i++) {
                DeliveryStreamDescription d = catalog[i].describeDeliveryStream(DescribeDeliveryStreamRequest
                        .newBuilder().setDeliveryStreamName("orders").build()).getDescription();
                assertThat(d).isEqualTo(created);
            }
            assertThat(error(() -> catalog[1].createDeliveryStream(create("orders"))).code())
                    .isEqualTo(ErrorCode.RESOURCE_IN_USE);
            SluiceException badName = error(() -> catalog[2].createDeliveryStream(create("no spaces")));
            assertThat(badName.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(badName.detail().getField()).isEqualTo("definition.delivery_stream_name");

            catalog[1].createDeliveryStream(create("clicks"));
            catalog[2].createDeliveryStream(create("views"));
            ListDeliveryStreamsResponse page = catalog[0].listDeliveryStreams(ListDeliveryStreamsRequest.newBuilder()
                    .setLimit(2).build());
            assertThat(page.getDeliveryStreamNamesList()).containsExactly("clicks", "orders");
            assertThat(page.getHasMoreDeliveryStreams()).isTrue();
            assertThat(catalog[0].listDeliveryStreams(ListDeliveryStreamsRequest.newBuilder()
                    .setExclusiveStartDeliveryStreamName("orders").build()).getDeliveryStreamNamesList())
                    .containsExactly("views");

            catalog[2].deleteDeliveryStream(DeleteDeliveryStreamRequest.newBuilder().setDeliveryStreamName("orders")
                    .build());
            DescribeDeliveryStreamRequest describe = DescribeDeliveryStreamRequest.newBuilder()
                    .setDeliveryStreamName("orders").build();
            assertThat(error(() -> catalog[2].describeDeliveryStream(describe)).code())
                    .isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
            // Reads are served from each broker's applied copy: the others see the delete once they applied it.
            for (int i = 0; i < 2; i++) {
                int b = i;
                await("broker " + i + " applies the delete").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> !catalog[b].listDeliveryStreams(ListDeliveryStreamsRequest.getDefaultInstance())
                                .getDeliveryStreamNamesList().contains("orders"));
                assertThat(error(() -> catalog[b].describeDeliveryStream(describe)).code())
                        .isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
            }
            assertThat(error(() -> catalog[0].deleteDeliveryStream(DeleteDeliveryStreamRequest.newBuilder()
                    .setDeliveryStreamName("orders").build())).code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
        }
    }
}
