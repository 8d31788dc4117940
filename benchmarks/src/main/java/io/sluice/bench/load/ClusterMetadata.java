package io.sluice.bench.load;

import io.grpc.StatusRuntimeException;
import io.sluice.common.GrpcErrors;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.BrokerInfo;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.DescribeClusterRequest;
import io.sluice.proto.v1.DescribeClusterResponse;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.ListShardsResponse;
import io.sluice.proto.v1.ListStreamsRequest;
import io.sluice.proto.v1.Shard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The control-plane calls of the tool: wait for the cluster, find (or create) the stream and its shards, and read
 * which broker leads each replication group.
 *
 * <p>PutRecords never answers NOT_LEADER (a broker forwards writes for groups it does not lead), so the leaders come
 * from DescribeCluster: each group's {@code leader_node_id}, mapped to that broker's {@code client_address}. A broker
 * reports leaders only for groups it hosts, so the answers of several brokers are merged. Thread-safe.
 */
final class ClusterMetadata {
    private static final long CALL_TIMEOUT_MS = 5_000;

    private final Channels channels;
    private final List<String> targets;

    ClusterMetadata(Channels channels, List<String> targets) {
        this.channels = channels;
        this.targets = List.copyOf(targets);
    }

    /**
     * Waits until some target answers ListStreams; returns its address.
     *
     * @throws SetupException when none does within {@code timeout}, or one answers with a non-retriable error
     */
    String awaitCluster(Duration timeout) throws InterruptedException {
        return awaitAny(targets, timeout, "; is the cluster running? (deploy/sluice-broker.sh or "
                + "deploy/local-cluster.sh start)");
    }

    /**
     * Waits until {@code address} answers ListStreams. A broker joins its Raft groups before it opens its client
     * port, so a group leader may be known before its client address takes calls.
     *
     * @throws SetupException when it does not answer within {@code timeout}
     */
    void awaitBroker(String address, Duration timeout) throws InterruptedException {
        awaitAny(List.of(address), timeout, "; DescribeCluster names it as a group leader");
    }

    private String awaitAny(List<String> addresses, Duration timeout, String hint) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SluiceException last = null;
        while (true) {
            for (String t : addresses) {
                try {
                    channels.blocking(t).withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                            .listStreams(ListStreamsRequest.newBuilder().setLimit(1).build());
                    return t;
                } catch (StatusRuntimeException e) {
                    last = GrpcErrors.fromThrowable(e);
                    if (!last.retriable()) {
                        throw new SetupException(t + " answered ListStreams with " + last.getMessage(), e);
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SetupException("no answer from " + String.join(",", addresses) + " within "
                        + timeout.toSeconds() + " s (last error: " + (last == null ? "none" : last.getMessage())
                        + ")" + hint, last);
            }
            Thread.sleep(250);
        }
    }

    /**
     * The open shards of {@code stream}; creates the stream with {@code createShards} shards first if it does not
     * exist and {@code createShards > 0}. Retriable errors (an election in a cluster that has just started) are
     * retried until {@code timeout}.
     *
     * @throws SetupException when the stream is missing and may not be created, or a call fails
     */
    ShardMap ensureStream(String address, String stream, int createShards, Duration timeout,
                          java.io.PrintStream log) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SluiceException se;
            try {
                return ShardMap.of(listShards(address, stream));
            } catch (StatusRuntimeException e) {
                se = GrpcErrors.fromThrowable(e);
            }
            if (se.code() == ErrorCode.RESOURCE_NOT_FOUND) {
                if (createShards == 0) {
                    throw new SetupException("stream " + stream + " does not exist; create it first or pass "
                            + "--create-shards=N to create it with N shards", se);
                }
                se = create(address, stream, createShards, log);
                if (se == null) {
                    continue; // created (or created by someone else meanwhile): list its shards
                }
            }
            if (!se.retriable() || System.nanoTime() > deadline) {
                throw new SetupException("could not " + (createShards > 0 ? "find or create" : "find") + " stream "
                        + stream + ": " + se.getMessage() + (se.retriable() ? " (still failing after --connect-timeout)"
                        : ""), se);
            }
            Thread.sleep(250);
        }
    }

    /** Creates the stream; returns null on success (or when it exists already), else the error. */
    private SluiceException create(String address, String stream, int shards, java.io.PrintStream log) {
        try {
            channels.blocking(address).withDeadlineAfter(60, TimeUnit.SECONDS).createStream(CreateStreamRequest
                    .newBuilder().setStreamName(stream).setShardCount(shards).build());
            log.println("created stream " + stream + " with " + shards + " shards");
            return null;
        } catch (StatusRuntimeException e) {
            SluiceException se = GrpcErrors.fromThrowable(e);
            return se.code() == ErrorCode.RESOURCE_IN_USE ? null : se; // IN_USE: created by another client
        }
    }

    private List<Shard> listShards(String address, String stream) {
        List<Shard> shards = new ArrayList<>();
        ListShardsRequest request = ListShardsRequest.newBuilder().setStreamName(stream).build();
        while (true) {
            ListShardsResponse r = channels.blocking(address).withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .listShards(request);
            shards.addAll(r.getShardsList());
            if (r.getNextToken().isEmpty()) {
                return shards;
            }
            request = ListShardsRequest.newBuilder().setNextToken(r.getNextToken()).build();
        }
    }

    /** The cluster as some target describes it, or null when none answers. */
    DescribeClusterResponse describe(String address) {
        try {
            return channels.cluster(address).withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /**
     * The client address of each group's leader, merged from the targets' and then the other brokers' answers until
     * every data group of {@code wanted} has one. Groups whose leader is unknown (an election, or no answer) are
     * missing from the result.
     */
    Map<String, String> leaders(Set<String> wanted) {
        Map<String, String> leaders = new HashMap<>();
        Set<String> toAsk = new LinkedHashSet<>(targets);
        Set<String> asked = new LinkedHashSet<>();
        while (!toAsk.isEmpty() && !leaders.keySet().containsAll(wanted)) {
            String address = toAsk.iterator().next();
            toAsk.remove(address);
            asked.add(address);
            DescribeClusterResponse r = describe(address);
            if (r == null) {
                continue;
            }
            Map<String, String> clientAddress = new HashMap<>();
            for (BrokerInfo b : r.getBrokersList()) {
                clientAddress.put(b.getNodeId(), b.getClientAddress());
                if (!asked.contains(b.getClientAddress()) && usable(b.getClientAddress())) {
                    toAsk.add(b.getClientAddress());
                }
            }
            for (GroupInfo g : r.getGroupsList()) {
                String a = clientAddress.get(g.getLeaderNodeId());
                if (!g.getLeaderNodeId().isEmpty() && a != null && usable(a)) {
                    leaders.putIfAbsent(g.getGroupName(), a);
                }
            }
        }
        return leaders;
    }

    /** An address a client can dial: host:port with a real port (a broker started with port 0 reports 0). */
    private static boolean usable(String address) {
        try {
            WorkloadOptions.parseHostPort(address, "client_address");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
