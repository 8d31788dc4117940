package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.proto.v1.GetRecordsRequest;
import io.sluice.proto.v1.GetRecordsResponse;
import io.sluice.proto.v1.GetShardIteratorRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsRequestEntry;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StreamsGrpc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What producers were told: which records were acknowledged (and in which shard), which puts failed. Records carry
 * {@code p<producer>-<index>:} payloads so that a read-back can be checked for loss, duplicates and per-producer
 * order within each shard.
 */
final class AckLedger {
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger failed = new AtomicInteger();

    static PutRecordsRequest batch(String stream, int producer, int fromIndex, int count) {
        PutRecordsRequest.Builder req = PutRecordsRequest.newBuilder().setStreamName(stream);
        for (int i = fromIndex; i < fromIndex + count; i++) {
            req.addRecords(PutRecordsRequestEntry.newBuilder().setPartitionKey("p" + producer + "-k" + (i % 64))
                    .setData(ByteString.copyFromUtf8("p" + producer + "-" + i + ":" + "x".repeat(64))));
        }
        return req.build();
    }

    /** Records the per-record outcome of a put; returns how many records were acknowledged. */
    int record(PutRecordsRequest req, PutRecordsResponse resp) {
        int ok = 0;
        for (int i = 0; i < req.getRecordsCount(); i++) {
            if (resp.getRecords(i).getSequenceNumber().isEmpty()) {
                failed.incrementAndGet();
            } else {
                acknowledged.put(req.getRecords(i).getData().toStringUtf8(), resp.getRecords(i).getShardId());
                ok++;
            }
        }
        return ok;
    }

    void failedPut(PutRecordsRequest req) {
        failed.addAndGet(req.getRecordsCount());
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    int failedCount() {
        return failed.get();
    }

    /**
     * Checks a read-back (shard id -> payloads in shard order): every acknowledged record present, in the shard it
     * was acknowledged in; no record twice; each producer's records in its sending order within a shard.
     */
    void verify(Map<String, List<String>> readByShard) {
        Set<String> seen = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (var e : readByShard.entrySet()) {
            Map<Integer, Integer> lastIndex = new HashMap<>();
            for (String payload : e.getValue()) {
                if (!seen.add(payload)) {
                    duplicates.add(payload);
                }
                String ackedShard = acknowledged.get(payload);
                if (ackedShard != null && !ackedShard.equals(e.getKey())) {
                    problems.add(payload + " acknowledged in " + ackedShard + ", read in " + e.getKey());
                }
                int producer = Integer.parseInt(payload.substring(1, payload.indexOf('-')));
                int index = Integer.parseInt(payload.substring(payload.indexOf('-') + 1, payload.indexOf(':')));
                if (index <= lastIndex.getOrDefault(producer, -1)) {
                    problems.add("producer " + producer + "'s record " + index + " follows its record "
                            + lastIndex.get(producer) + " in " + e.getKey());
                }
                lastIndex.put(producer, index);
            }
        }
        assertThat(duplicates).as("records stored twice").isEmpty();
        assertThat(problems).as("records out of order or in the wrong shard").isEmpty();
        List<String> lost = acknowledged.keySet().stream().filter(p -> !seen.contains(p)).sorted().toList();
        assertThat(lost).as("acknowledged records that cannot be read").isEmpty();
    }

    /** Every record of a shard from TRIM_HORIZON, as payload strings. */
    static List<String> readAll(StreamsGrpc.StreamsBlockingStub stub, String stream, String shardId) {
        String it = stub.getShardIterator(GetShardIteratorRequest.newBuilder().setStreamName(stream)
                .setShardId(shardId).setShardIteratorType(ShardIteratorType.TRIM_HORIZON).build()).getShardIterator();
        List<String> out = new ArrayList<>();
        while (true) {
            GetRecordsResponse r = stub.getRecords(GetRecordsRequest.newBuilder().setShardIterator(it).build());
            for (Record rec : r.getRecordsList()) {
                out.add(rec.getData().toStringUtf8());
            }
            if (r.getRecordsCount() == 0) {
                return out;
            }
            it = r.getNextShardIterator();
        }
    }
}
