package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.sluice.broker.storage.ShardKey;
import io.sluice.proto.internal.v1.StreamRecord;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a stream whose shards live in several data groups: each group drops its shards when its own log says so,
 * every broker ends with none of the stream's data, and no replica stops on the way (the groups keep taking writes).
 */
class DeleteStreamTest {
    @TempDir
    Path dir;

    @Test
    void deletedStream_isDroppedByEveryDataGroupOnEveryBroker_andTheGroupsKeepServing() throws Exception {
        try (MiniCluster c = new MiniCluster(dir, 3, Clock.systemUTC(), Map.of())) {
            c.awaitReady();
            createStream(c, "doomed", 8);
            put(c, "doomed", 200);
            long streamId = c.broker(0).metadata().stream("doomed").getStreamId();
            StreamRecord doomed = c.broker(0).metadata().stream("doomed");
            assertThat(doomed.getShardsList().stream().map(s -> s.getGroupIndex()).distinct().count())
                    .as("the stream spans several data groups").isGreaterThan(1);
            assertThat(onDisk(c, streamId)).isPositive();

            c.stub(0).deleteStream(DeleteStreamRequest.newBuilder().setStreamName("doomed").build());

            await("every broker drops the deleted stream's shards").atMost(Duration.ofSeconds(60))
                    .until(() -> onDisk(c, streamId) == 0);
            // Every group hosted anywhere applied the drop, and still takes writes: no replica stopped.
            createStream(c, "after", 8);
            put(c, "after", 200);
            c.awaitReady();
        }
    }

    private static long onDisk(MiniCluster c, long streamId) {
        long n = 0;
        for (int i = 0; i < c.size(); i++) {
            for (ShardKey k : c.broker(i).storage().shardsOnDisk()) {
                n += k.streamId() == streamId ? 1 : 0;
            }
        }
        return n;
    }

    private static void put(MiniCluster c, String stream, int records) {
        PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
        for (int i = 0; i < records; i++) {
            req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("key-" + i)
                    .setData(ByteString.copyFromUtf8("r" + i)));
        }
        PutRecordsResponse resp = c.stub(0).putRecords(req.build());
        assertThat(resp.getFailedRecordCount()).as("failed records: %s", resp).isZero();
    }
}
