package io.sluice.client.consumer.internal;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory lease table with the metadata group's rules (broker/.../metadata/Leases.java): acquire takes unowned,
 * expired, own or (steal + expected counter) leases and bumps the counter on every change of owner; renew, release
 * and checkpoint need owner, counter and an unexpired lease. Time is the test's clock. Every call is logged, and
 * {@link #unavailable} makes every call fail as an unreachable cluster would.
 */
final class FakeLeases {
    final TestClock clock;
    final Map<String, Row> table = new TreeMap<>();
    final List<String> calls = new ArrayList<>();
    volatile boolean unavailable;

    static final class Row {
        String owner = "";
        long counter;
        long expiresAtMs;
        String checkpoint;
        List<String> parents = List.of();

        LeaseInfo info(String shard) {
            return new LeaseInfo(shard, owner, counter, expiresAtMs, checkpoint, parents);
        }
    }

    FakeLeases(TestClock clock, int shards) {
        this.clock = clock;
        for (int i = 0; i < shards; i++) {
            table.put(shard(i), new Row());
        }
    }

    static String shard(int i) {
        return String.format("shardId-%012d", i);
    }

    synchronized Row row(String shard) {
        return table.get(shard);
    }

    synchronized long countOwnedBy(String worker) {
        long now = clock.millis();
        return table.values().stream().filter(r -> r.owner.equals(worker) && r.expiresAtMs > now).count();
    }

    LeaseClient client(String worker, long durationMs) {
        return new LeaseClient() {
            @Override
            public Listing list() {
                synchronized (FakeLeases.this) {
                    log(worker + " list");
                    List<LeaseInfo> out = new ArrayList<>();
                    table.forEach((s, r) -> out.add(r.info(s)));
                    return new Listing(out, clock.millis());
                }
            }

            @Override
            public LeaseInfo acquire(String shardId, boolean steal, long expectedCounter) {
                synchronized (FakeLeases.this) {
                    log(worker + " acquire " + shardId + (steal ? " steal@" + expectedCounter : ""));
                    Row r = table.get(shardId);
                    long now = clock.millis();
                    boolean mine = r.owner.equals(worker);
                    boolean free = r.owner.isEmpty() || r.expiresAtMs <= now;
                    boolean stolen = steal && r.counter == expectedCounter;
                    if (!mine && !free && !stolen) {
                        throw SluiceException.of(ErrorCode.LEASE_LOST, shardId + " is held by " + r.owner);
                    }
                    if (!mine) {
                        r.owner = worker;
                        r.counter++;
                    }
                    r.expiresAtMs = now + durationMs;
                    return r.info(shardId);
                }
            }

            @Override
            public RenewResult renew(List<Held> leases) {
                synchronized (FakeLeases.this) {
                    log(worker + " renew " + leases.size());
                    List<LeaseInfo> renewed = new ArrayList<>();
                    List<String> lost = new ArrayList<>();
                    for (Held h : leases) {
                        Row r = table.get(h.shardId());
                        if (held(r, h.leaseCounter())) {
                            r.expiresAtMs = clock.millis() + durationMs;
                            renewed.add(r.info(h.shardId()));
                        } else {
                            lost.add(h.shardId());
                        }
                    }
                    return new RenewResult(renewed, lost);
                }
            }

            @Override
            public void release(String shardId, long leaseCounter) {
                synchronized (FakeLeases.this) {
                    log(worker + " release " + shardId + "@" + leaseCounter);
                    Row r = table.get(shardId);
                    if (!held(r, leaseCounter)) {
                        throw SluiceException.of(ErrorCode.LEASE_LOST, shardId + " not held");
                    }
                    r.owner = "";
                    r.expiresAtMs = 0;
                    r.counter++;
                }
            }

            @Override
            public LeaseInfo checkpoint(String shardId, long leaseCounter, String sequenceNumber) {
                synchronized (FakeLeases.this) {
                    log(worker + " checkpoint " + shardId + "@" + leaseCounter + " " + sequenceNumber);
                    Row r = table.get(shardId);
                    if (!held(r, leaseCounter)) {
                        throw SluiceException.of(ErrorCode.LEASE_LOST, shardId + ": stale counter " + leaseCounter);
                    }
                    r.checkpoint = sequenceNumber;
                    return r.info(shardId);
                }
            }

            private boolean held(Row r, long counter) {
                return r.owner.equals(worker) && r.counter == counter && r.expiresAtMs > clock.millis();
            }

            private void log(String call) {
                if (unavailable) {
                    throw SluiceException.of(ErrorCode.UNAVAILABLE, "the test made the cluster unreachable");
                }
                calls.add(call);
            }
        };
    }
}
