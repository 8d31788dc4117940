package io.sluice.testing;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.proto.v1.ClusterGrpc;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.Shard;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link SluiceCluster} asks its brokers and waits for (leaders, readiness, catch-up), through the public gRPC
 * API only, straight to each broker that runs and is not paused (not through its front door). Read-only: it never
 * changes a broker or a fault. The contracts are on SluiceCluster's methods of the same names.
 */
final class ClusterQueries {
    /** The fixture logs under one name. */
    private static final Logger LOG = LoggerFactory.getLogger(SluiceCluster.class);
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
    private static final long QUERY_DEADLINE_MS = 3_000;

    private final List<BrokerSlot> slots;
    private final ClusterLinks links;

    ClusterQueries(List<BrokerSlot> slots, ClusterLinks links) {
        this.slots = slots;
        this.links = links;
    }

    List<Integer> reachable() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).running() && !links.paused(i)) {
                out.add(i);
            }
        }
        return out;
    }

    DescribeClusterResponse describe(int i) {
        return ClusterGrpc.newBlockingStub(slots.get(i).directChannel())
                .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .describeCluster(DescribeClusterRequest.getDefaultInstance());
    }

    /** The answers of every reachable broker that answers. */
    private Map<Integer, DescribeClusterResponse> describeReachable() {
        Map<Integer, DescribeClusterResponse> out = new LinkedHashMap<>();
        for (int i : reachable()) {
            try {
                out.put(i, describe(i));
            } catch (StatusRuntimeException | IllegalStateException e) {
                // not answering (starting, stopping): left out
            }
        }
        return out;
    }

    String groupOf(String stream, String shardId) {
        RuntimeException last = null;
        for (int i : reachable()) {
            try {
                ListShardsRequest.Builder req = ListShardsRequest.newBuilder().setStreamName(stream);
                String next = "";
                do {
                    var resp = StreamsGrpc.newBlockingStub(slots.get(i).directChannel())
                            .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                            .listShards(next.isEmpty() ? req.build()
                                    : ListShardsRequest.newBuilder().setNextToken(next).build());
                    for (Shard s : resp.getShardsList()) {
                        if (s.getShardId().equals(shardId)) {
                            return s.getReplicationGroup();
                        }
                    }
                    next = resp.getNextToken();
                } while (!next.isEmpty());
                throw new IllegalArgumentException("stream " + stream + " has no shard " + shardId);
            } catch (StatusRuntimeException | IllegalStateException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no reachable broker listed the shards of " + stream, last);
    }

    List<Integer> membersOf(String group) {
        for (DescribeClusterResponse r : describeReachable().values()) {
            GroupInfo g = group(r, group);
            if (g != null) {
                return g.getMemberNodeIdsList().stream().map(links::indexOf).toList();
            }
        }
        throw new IllegalStateException("no reachable broker described group " + group);
    }

    /** The group's settled leader, once it also answers GetShardIterator for the shard. */
    OptionalInt leaderOf(String stream, String shardId) {
        OptionalInt leader = leaderOfGroup(groupOf(stream, shardId));
        if (leader.isEmpty()) {
            return leader;
        }
        try {
            StreamsGrpc.newBlockingStub(slots.get(leader.getAsInt()).directChannel())
                    .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream).setShardId(shardId)
                            .setShardIteratorType(ShardIteratorType.LATEST).build());
            return leader;
        } catch (StatusRuntimeException | IllegalStateException e) {
            return OptionalInt.empty();
        }
    }

    OptionalInt leaderOfGroup(String group) {
        return agreedLeader(describeReachable(), group);
    }

    /**
     * The leader a majority of the group's members name in {@code answers}, if it names itself too (a deposed leader
     * that has not noticed yet names itself, but the majority does not).
     */
    private OptionalInt agreedLeader(Map<Integer, DescribeClusterResponse> answers, String group) {
        Map<String, Integer> votes = new HashMap<>();
        Map<String, String> selfView = new HashMap<>();
        int members = 0;
        for (Map.Entry<Integer, DescribeClusterResponse> e : answers.entrySet()) {
            GroupInfo g = group(e.getValue(), group);
            if (g == null || !g.getMemberNodeIdsList().contains(links.nodeId(e.getKey()))) {
                continue;
            }
            members = g.getMemberNodeIdsCount();
            selfView.put(links.nodeId(e.getKey()), g.getLeaderNodeId());
            if (!g.getLeaderNodeId().isEmpty()) {
                votes.merge(g.getLeaderNodeId(), 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> v : votes.entrySet()) {
            if (v.getValue() > members / 2 && v.getKey().equals(selfView.get(v.getKey()))) {
                return OptionalInt.of(links.indexOf(v.getKey()));
            }
        }
        return OptionalInt.empty();
    }

    private static GroupInfo group(DescribeClusterResponse r, String name) {
        for (GroupInfo g : r.getGroupsList()) {
            if (g.getGroupName().equals(name)) {
                return g;
            }
        }
        return null;
    }

    int awaitLeaderOf(String stream, String shardId) {
        return await("a leader of shard " + shardId + " of " + stream)
                .until(() -> leaderOf(stream, shardId), OptionalInt::isPresent).getAsInt();
    }

    void awaitReady(Duration atMost) {
        await("the cluster to be ready").atMost(atMost).until(this::ready);
    }

    private boolean ready() {
        Map<Integer, DescribeClusterResponse> answers = describeReachable();
        if (answers.size() < reachable().size() || answers.isEmpty()) {
            return false;
        }
        for (GroupInfo g : answers.values().iterator().next().getGroupsList()) {
            if (agreedLeader(answers, g.getGroupName()).isEmpty()) {
                return false;
            }
        }
        for (int i : answers.keySet()) {
            if (!initialized(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether broker {@code i} has applied the cluster's initialization: GetRecords decodes the iterator before
     * anything else, and answers UNAVAILABLE ("the cluster is still starting") until the broker knows the cluster's
     * iterator secret; a junk iterator is then INVALID_ARGUMENT.
     */
    private boolean initialized(int i) {
        try {
            StreamsGrpc.newBlockingStub(slots.get(i).directChannel())
                    .withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getRecords(GetRecordsRequest.newBuilder().setShardIterator("sluice-testing-probe").build());
            return true;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT;
        }
    }

    void awaitCaughtUp(int i, Duration atMost) {
        await(slots.get(i) + " to catch up").atMost(atMost).until(() -> caughtUp(i));
    }

    private boolean caughtUp(int i) {
        if (!slots.get(i).running() || links.paused(i)) {
            return false;
        }
        String nodeId = links.nodeId(i);
        Map<Integer, DescribeClusterResponse> answers = describeReachable();
        DescribeClusterResponse mine = answers.get(i);
        if (mine == null) {
            return false;
        }
        Map<String, Long> committed = new HashMap<>();
        for (GroupInfo g : mine.getGroupsList()) {
            if (!g.getMemberNodeIdsList().contains(nodeId)) {
                continue;
            }
            OptionalInt leader = agreedLeader(answers, g.getGroupName());
            if (leader.isEmpty()) {
                LOG.debug("{} not caught up: no settled leader of {}", nodeId, g.getGroupName());
                return false;
            }
            committed.put(g.getGroupName(), group(answers.get(leader.getAsInt()), g.getGroupName()).getCommitIndex());
        }
        DescribeClusterResponse after = describe(i); // asked after the leaders: what they had committed is older
        for (Map.Entry<String, Long> c : committed.entrySet()) {
            if (group(after, c.getKey()).getAppliedIndex() < c.getValue()) {
                LOG.debug("{} not caught up: applied {} of {}, committed {}", nodeId,
                        group(after, c.getKey()).getAppliedIndex(), c.getKey(), c.getValue());
                return false;
            }
        }
        return true;
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(DEFAULT_WAIT).pollInterval(Duration.ofMillis(50))
                .pollDelay(Duration.ZERO).ignoreExceptions();
    }
}
