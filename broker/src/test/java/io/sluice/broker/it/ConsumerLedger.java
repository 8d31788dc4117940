package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.consumer.Checkpointer;
import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.RecordProcessor;
import io.sluice.client.consumer.RecordProcessorFactory;
import io.sluice.client.consumer.StartPosition;
import io.sluice.common.SequenceNumber;
import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.PutRecordsResultEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What consumer workers did with a stream, kept by the record processors the ledger makes (one per lease taken), and
 * checked against what the producer was acknowledged. Processors checkpoint after every batch and when asked to shut
 * down, so a record is processed twice only when a lease changed hands after the record was processed and before
 * the checkpoint covering it was recorded.
 */
final class ConsumerLedger {
    /** One processor instance, i.e. one lease held by one worker. */
    static final class LeaseLog {
        final int order;
        final String worker;
        final String shardId;
        volatile StartPosition start;
        final List<String> processed = Collections.synchronizedList(new ArrayList<>());
        volatile String lastCheckpoint;
        final AtomicInteger refusedCheckpoints = new AtomicInteger();
        volatile String ending;

        LeaseLog(int order, String worker, String shardId) {
            this.order = order;
            this.worker = worker;
            this.shardId = shardId;
        }

        @Override
        public String toString() {
            return "lease#" + order + "(" + worker + ", " + shardId + ", from " + start + ", " + processed.size()
                    + " records, checkpoint " + lastCheckpoint + ", ended " + ending + ")";
        }
    }

    /** What {@link #check()} found. */
    record Report(int records, long deliveries, long duplicates, int takeovers, Map<String, Long> duplicatesByShard) {
    }

    private final AtomicInteger leasesMade = new AtomicInteger();
    final Queue<LeaseLog> leases = new ConcurrentLinkedQueue<>();
    /** Per shard, the acknowledged sequence numbers (any order; sorted by {@link #check()}). */
    private final Map<String, List<String>> acknowledged = new ConcurrentHashMap<>();
    private final Set<String> distinct = ConcurrentHashMap.newKeySet();
    private final AtomicInteger acknowledgedCount = new AtomicInteger();

    /** Notes every entry of a PutRecords that must have fully succeeded. */
    void acknowledged(PutRecordsRequest request, PutRecordsResponse response) {
        assertThat(response.getFailedRecordCount()).as("failed entries in %s", response).isZero();
        assertThat(response.getRecordsCount()).isEqualTo(request.getRecordsCount());
        for (PutRecordsResultEntry e : response.getRecordsList()) {
            acknowledged.computeIfAbsent(e.getShardId(), s -> Collections.synchronizedList(new ArrayList<>()))
                    .add(e.getSequenceNumber());
        }
        acknowledgedCount.addAndGet(response.getRecordsCount());
    }

    int acknowledgedCount() {
        return acknowledgedCount.get();
    }

    /** Records processed at least once so far. */
    int distinctProcessed() {
        return distinct.size();
    }

    /** Processors that record, checkpoint after every batch, and checkpoint when asked to shut down. */
    RecordProcessorFactory factory(String worker) {
        return shardId -> {
            LeaseLog log = new LeaseLog(leasesMade.incrementAndGet(), worker, shardId);
            leases.add(log);
            return processor(log);
        };
    }

    RecordProcessor processor(LeaseLog log) {
        return new RecordProcessor() {
            @Override
            public void initialize(String shardId, StartPosition start) {
                log.start = start;
            }

            @Override
            public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer, long behind) {
                for (ConsumerRecord r : records) {
                    log.processed.add(r.sequenceNumber());
                    distinct.add(r.shardId() + "/" + r.sequenceNumber());
                }
                checkpoint(checkpointer);
            }

            @Override
            public void leaseLost() {
                log.ending = "leaseLost";
            }

            @Override
            public void shardEnded(Checkpointer checkpointer) {
                log.ending = "shardEnded";
                checkpointer.checkpointShardEnd();
            }

            @Override
            public void shutdownRequested(Checkpointer checkpointer) {
                log.ending = "shutdownRequested";
                checkpoint(checkpointer);
            }

            private void checkpoint(Checkpointer checkpointer) {
                try {
                    checkpointer.checkpoint();
                    log.lastCheckpoint = checkpointer.lastCheckpoint();
                } catch (SluiceException e) {
                    if (e.code() == ErrorCode.LEASE_LOST) {
                        log.refusedCheckpoints.incrementAndGet();
                    } else {
                        throw e;
                    }
                }
            }
        };
    }

    /**
     * Checks at-least-once delivery with checkpoints:
     * <ul>
     *   <li>every acknowledged record was processed;</li>
     *   <li>each lease processed a gapless run of its shard, in order, starting right after the checkpoint it started
     *       from (TRIM_HORIZON: the first record);</li>
     *   <li>a record processed under two leases was, under the earlier one, past that lease's last successful
     *       checkpoint: duplicates come only from a takeover.</li>
     * </ul>
     */
    Report check() {
        Map<String, List<String>> byShard = new TreeMap<>();
        Map<String, Map<String, Integer>> index = new HashMap<>();
        acknowledged.forEach((shard, seqs) -> {
            List<String> sorted = new ArrayList<>(seqs);
            sorted.sort(Comparator.comparing(s -> SequenceNumber.parse(s, "seq")));
            byShard.put(shard, sorted);
            Map<String, Integer> at = new HashMap<>();
            for (int i = 0; i < sorted.size(); i++) {
                at.put(sorted.get(i), i);
            }
            index.put(shard, at);
        });
        Map<String, List<LeaseLog>> leasesByShard = new TreeMap<>();
        leases.stream().sorted(Comparator.comparingInt(l -> l.order))
                .forEach(l -> leasesByShard.computeIfAbsent(l.shardId, s -> new ArrayList<>()).add(l));

        long deliveries = 0;
        int takeovers = 0;
        Map<String, Long> duplicatesByShard = new TreeMap<>();
        for (var e : byShard.entrySet()) {
            String shard = e.getKey();
            List<String> expected = e.getValue();
            Map<String, Integer> at = index.get(shard);
            List<LeaseLog> logs = leasesByShard.getOrDefault(shard, List.of());
            List<LeaseLog> started = logs.stream().filter(l -> l.start != null).toList();
            takeovers += Math.max(0, started.size() - 1);
            Map<String, LeaseLog> lastProcessedBy = new HashMap<>();
            long dups = 0;
            for (LeaseLog l : started) {
                List<String> processed;
                synchronized (l.processed) {
                    processed = List.copyOf(l.processed);
                }
                int from = switch (l.start.type()) {
                    case TRIM_HORIZON -> 0;
                    case AFTER_SEQUENCE_NUMBER -> {
                        Integer i = at.get(l.start.sequenceNumber());
                        assertThat(i).as("%s starts after a record of its shard", l).isNotNull();
                        yield i + 1;
                    }
                    default -> throw new AssertionError("unexpected start of " + l);
                };
                for (int k = 0; k < processed.size(); k++) {
                    assertThat(from + k).as("%s processed more records than were put", l)
                            .isLessThan(expected.size());
                    assertThat(processed.get(k)).as("record %d of %s (gapless, in order, from its start)", k, l)
                            .isEqualTo(expected.get(from + k));
                    LeaseLog earlier = lastProcessedBy.put(processed.get(k), l);
                    if (earlier != null) {
                        dups++;
                        assertThat(earlier.lastCheckpoint == null || SequenceNumber.parse(processed.get(k), "s")
                                .compareTo(SequenceNumber.parse(earlier.lastCheckpoint, "c")) > 0)
                                .as("%s processed again by %s although %s had checkpointed it", processed.get(k), l,
                                        earlier).isTrue();
                    }
                }
                deliveries += processed.size();
            }
            assertThat(lastProcessedBy.keySet()).as("records of %s processed", shard)
                    .hasSize(expected.size()).containsAll(expected);
            if (dups > 0) {
                duplicatesByShard.put(shard, dups);
            }
        }
        long duplicates = duplicatesByShard.values().stream().mapToLong(Long::longValue).sum();
        int records = 0;
        for (List<String> seqs : byShard.values()) {
            assertThat(new HashSet<>(seqs)).as("sequence numbers are unique within a shard").hasSize(seqs.size());
            records += seqs.size();
        }
        return new Report(records, deliveries, duplicates, takeovers, duplicatesByShard);
    }
}
