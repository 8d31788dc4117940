package io.sluice.broker.it;

import static io.sluice.broker.it.StreamsTestSupport.assertFailsWith;
import static io.sluice.broker.it.StreamsTestSupport.createStream;
import static io.sluice.broker.it.StreamsTestSupport.leaderIndex;
import static io.sluice.broker.it.StreamsTestSupport.putAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.DeleteStreamRequest;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.StreamsGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shard iterators over gRPC: they live 5 minutes on the brokers' clock (driven here by a {@link MutableClock}), and
 * anything that is not an iterator this cluster issued is INVALID_ITERATOR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardIteratorTest {
    private static final String SHARD = "shardId-000000000000";

    @TempDir
    static Path dir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private SharedClusters clusters;

    @AfterAll
    void stopClusters() {
        if (clusters != null) {
            clusters.close();
        }
    }

    private MiniCluster cluster(int brokers) throws InterruptedException {
        if (clusters == null) {
            clusters = new SharedClusters(dir, clock, Map.of());
        }
        return clusters.get(brokers);
    }

    private static List<String> putThree(MiniCluster c, String stream) throws InterruptedException {
        createStream(c, stream, 1);
        return putAll(c.stub(0), stream, "k", List.of(ByteString.copyFromUtf8("v0"), ByteString.copyFromUtf8("v1"),
                ByteString.copyFromUtf8("v2")), 3);
    }

    private static GetRecordsResponse get(StreamsGrpc.StreamsBlockingStub stub, String iterator, int limit) {
        return stub.getRecords(GetRecordsRequest.newBuilder().setShardIterator(iterator).setLimit(limit).build());
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void iterator_olderThanFiveMinutes_failsWithExpiredIterator_whileAFresherOneWorks(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        List<String> seqs = putThree(c, "expiry");
        StreamsGrpc.StreamsBlockingStub leader = c.stub(leaderIndex(c, "expiry", SHARD));
        String issued = GetRecordsTest.trimHorizon(leader, "expiry");

        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        GetRecordsResponse young = get(leader, issued, 1);
        assertThat(young.getRecords(0).getSequenceNumber()).isEqualTo(seqs.get(0));

        clock.advance(Duration.ofSeconds(2)); // `issued` is now 5 min 1 s old; its expiry passed 1 s ago
        SluiceException e = assertFailsWith(ErrorCode.EXPIRED_ITERATOR, () -> get(leader, issued, 1));
        assertThat(e.reason()).contains("shard_iterator", "expired 1000 ms ago", "GetShardIterator");

        // A next iterator is issued fresh with each response, so a reader that keeps reading never expires.
        GetRecordsResponse next = get(leader, young.getNextShardIterator(), 1); // young's next is 2 s old
        assertThat(next.getRecords(0).getSequenceNumber()).isEqualTo(seqs.get(1));
        clock.advance(Duration.ofMinutes(4));
        GetRecordsResponse last = get(leader, next.getNextShardIterator(), 1); // 4 min old
        assertThat(last.getRecords(0).getSequenceNumber()).isEqualTo(seqs.get(2));
        clock.advance(Duration.ofMinutes(1)); // young's next is now 5 min 2 s old, last's next 1 min
        SluiceException later = assertFailsWith(ErrorCode.EXPIRED_ITERATOR,
                () -> get(leader, young.getNextShardIterator(), 1));
        assertThat(later.reason()).contains("expired 2000 ms ago");
        assertThat(get(leader, last.getNextShardIterator(), 1).getRecordsList()).isEmpty();
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void iterator_thatThisClusterDidNotIssue_failsWithInvalidIterator(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        putThree(c, "forged");
        StreamsGrpc.StreamsBlockingStub leader = c.stub(leaderIndex(c, "forged", SHARD));
        String real = GetRecordsTest.trimHorizon(leader, "forged");
        String other = get(leader, real, 1).getNextShardIterator();
        int dot = real.indexOf('.');
        String payload = real.substring(0, dot);
        String signature = real.substring(dot + 1);

        List<String> forged = List.of(
                "garbage",
                "not.an.iterator",
                "!!!.???",
                payload + "." + flip(signature, signature.length() / 2),
                flip(payload, payload.length() / 2) + "." + signature,
                payload + "." + other.substring(other.indexOf('.') + 1), // another iterator's signature
                payload + "." + signature + "x".repeat(2000));
        for (String it : forged) {
            SluiceException e = assertFailsWith(ErrorCode.INVALID_ITERATOR, () -> get(leader, it, 1));
            assertThat(e.reason()).as("for %s", it).startsWith("shard_iterator:").contains("GetShardIterator");
        }
        SluiceException empty = assertFailsWith(ErrorCode.INVALID_ARGUMENT, () -> get(leader, "", 1));
        assertThat(empty.detail().getField()).isEqualTo("shard_iterator");
        assertThat(get(leader, real, 1).getRecordsCount()).isEqualTo(1); // the real one still works
    }

    @Test
    void iterator_fromAnotherCluster_failsWithInvalidIterator() throws Exception {
        MiniCluster one = cluster(1);
        MiniCluster three = cluster(3);
        putThree(one, "elsewhere");
        putThree(three, "elsewhere");
        String fromOne = GetRecordsTest.trimHorizon(one.stub(0), "elsewhere");
        StreamsGrpc.StreamsBlockingStub leaderOfThree = three.stub(leaderIndex(three, "elsewhere", SHARD));

        SluiceException e = assertFailsWith(ErrorCode.INVALID_ITERATOR, () -> get(leaderOfThree, fromOne, 1));
        assertThat(e.reason()).contains("signature");
    }

    @ParameterizedTest(name = "{0} broker(s)")
    @ValueSource(ints = {1, 3})
    void iterator_ofADeletedStream_failsWithResourceNotFound(int brokers) throws Exception {
        MiniCluster c = cluster(brokers);
        putThree(c, "doomed");
        StreamsGrpc.StreamsBlockingStub leader = c.stub(leaderIndex(c, "doomed", SHARD));
        String it = GetRecordsTest.trimHorizon(leader, "doomed");
        // Through the shard's leader, which has applied the deletion when the call returns.
        leader.deleteStream(DeleteStreamRequest.newBuilder().setStreamName("doomed").build());

        SluiceException e = assertFailsWith(ErrorCode.RESOURCE_NOT_FOUND, () -> get(leader, it, 1));
        assertThat(e.reason()).contains("doomed");
    }

    @Test
    void getRecords_atABrokerThatDoesNotLeadTheShard_failsWithNotLeaderNamingTheLeader() throws Exception {
        MiniCluster c = cluster(3);
        putThree(c, "elsewhere-led");
        int leader = leaderIndex(c, "elsewhere-led", SHARD);
        String it = GetRecordsTest.trimHorizon(c.stub(leader), "elsewhere-led");
        StreamsGrpc.StreamsBlockingStub follower = c.stub((leader + 1) % c.size());

        SluiceException e = assertFailsWith(ErrorCode.NOT_LEADER, () -> get(follower, it, 1));
        assertThat(e.detail().getLeaderAddress()).isEqualTo(c.address(leader));
    }

    private static String flip(String s, int at) {
        char ch = s.charAt(at);
        return s.substring(0, at) + (ch == 'A' ? 'B' : 'A') + s.substring(at + 1);
    }
}
