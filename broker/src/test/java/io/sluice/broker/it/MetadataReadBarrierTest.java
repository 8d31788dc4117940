package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DescribeStreamSummaryRequest;
import io.sluice.proto.v1.PutRecordRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stream created through one broker is usable through every other broker as soon as CreateStream returns. */
class MetadataReadBarrierTest {
    @TempDir
    Path dir;

    @Test
    void streamCreatedThroughOneBroker_isFoundAtOnceThroughTheOthers() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3)) {
            c.awaitReady();
            for (int i = 0; i < 20; i++) {
                String name = "fresh-" + i;
                c.stub(i % 3).createStream(CreateStreamRequest.newBuilder().setStreamName(name).setShardCount(1)
                        .build());
                int other = (i + 1 + i % 2) % 3;
                assertThat(c.stub(other).putRecord(PutRecordRequest.newBuilder().setStreamName(name)
                        .setPartitionKey("k").setData(ByteString.copyFromUtf8("v")).build()).getSequenceNumber())
                        .isNotEmpty();
                assertThat(c.stub((other + 1) % 3).describeStreamSummary(DescribeStreamSummaryRequest.newBuilder()
                        .setStreamName(name).build()).getStreamDescriptionSummary().getStreamName()).isEqualTo(name);
            }
        }
    }
}
