package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.sluice.proto.v1.CreateStreamRequest;
import io.sluice.proto.v1.GroupInfo;
import io.sluice.proto.v1.ListShardsRequest;
import io.sluice.proto.v1.PutRecordsRequest;
import io.sluice.proto.v1.PutRecordsResponse;
import io.sluice.proto.v1.Shard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Brokers as processes, killed with SIGKILL: a group leader under load, restarted from its own disk; then every
 * broker at once. No acknowledged record may be lost, duplicated or reordered.
 */
class KillNineRecoveryTest {
    private static final int RECORDS = 12_000;
    private static final int BATCH = 200;

    @TempDir
    Path dir;

    @Test
    void leaderKilled9ThenWholeClusterKilled9_everyAcknowledgedRecordSurvivesFromDisk() throws Exception {
        try (ProcessCluster c = new ProcessCluster(dir, 3)) {
            c.awaitReady();
            c.stub(0).createStream(CreateStreamRequest.newBuilder().setStreamName("k9").setShardCount(4).build());
            AckLedger ledger = new AckLedger();
            int target = 0;
            int victim = -1;
            for (int sent = 0; sent < RECORDS; sent += BATCH) {
                if (sent == RECORDS / 3) {
                    victim = leaderOfFirstDataGroup(c);
                    c.kill9(victim);
                } else if (sent == 2 * RECORDS / 3) {
                    c.start(victim);
                }
                PutRecordsRequest req = AckLedger.batch("k9", 0, sent, BATCH);
                while (!c.alive(target)) {
                    target = (target + 1) % c.size();
                }
                try {
                    PutRecordsResponse resp = c.stub(target).putRecords(req);
                    ledger.record(req, resp);
                } catch (StatusRuntimeException e) {
                    ledger.failedPut(req);
                    target = (target + 1) % c.size();
                }
            }
            assertThat(ledger.acknowledgedCount()).isGreaterThan(RECORDS / 2);
            c.awaitReady();
            c.awaitCaughtUp(victim);

            for (int i = 0; i < c.size(); i++) {
                c.kill9(i);
            }
            for (int i = 0; i < c.size(); i++) {
                c.start(i);
            }
            c.awaitReady();
            Map<String, List<String>> readByShard = new HashMap<>();
            for (Shard s : c.stub(0).listShards(ListShardsRequest.newBuilder().setStreamName("k9").build())
                    .getShardsList()) {
                readByShard.put(s.getShardId(), readFromLeader(c, s.getShardId()));
            }
            ledger.verify(readByShard);
            System.out.printf("kill -9: n%d killed under load and restarted, then all three; %d records "
                    + "acknowledged, %d failed, all acknowledged ones read back once%n", victim + 1,
                    ledger.acknowledgedCount(), ledger.failedCount());
        }
    }

    private static int leaderOfFirstDataGroup(ProcessCluster c) {
        for (GroupInfo g : c.describe(0).getGroupsList()) {
            if (!g.getGroupName().equals("metadata") && !g.getLeaderNodeId().isEmpty()) {
                return Integer.parseInt(g.getLeaderNodeId().substring(1)) - 1;
            }
        }
        throw new IllegalStateException("no data group has a leader");
    }

    private static List<String> readFromLeader(ProcessCluster c, String shardId) {
        return await("some broker serves " + shardId).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (int i = 0; i < c.size(); i++) {
                        try {
                            return AckLedger.readAll(c.stub(i), "k9", shardId);
                        } catch (StatusRuntimeException e) {
                            // NOT_LEADER, or leadership still settling
                        }
                    }
                    return null;
                }, records -> records != null);
    }
}
