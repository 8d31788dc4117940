package io.sluice.bench.load;

import io.sluice.bench.load.WorkloadOptions.Routing;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One run of the load tool: set-up (cluster, stream, shard map, leaders), the producers, the reporting timeline
 * (warm-up, measured duration, drain) and the result.
 */
final class LoadRun {
    /** Exit status when no record was acknowledged in the measured window. */
    static final int EXIT_NOTHING_ACKED = 3;

    private final WorkloadOptions o;
    private final Channels channels;
    private final PrintStream out;

    LoadRun(WorkloadOptions options, Channels channels, PrintStream out) {
        this.o = options;
        this.channels = channels;
        this.out = out;
    }

    /** Runs the workload; returns the process exit status. Throws {@link SetupException} when set-up fails. */
    int execute() throws InterruptedException {
        ClusterMetadata metadata = new ClusterMetadata(channels, o.targets());
        long setupDeadline = System.nanoTime() + o.connectTimeout().toNanos();
        String first = metadata.awaitCluster(o.connectTimeout());
        ShardMap shards;
        try {
            shards = metadata.ensureStream(first, o.stream(), o.createShards(),
                    Duration.ofNanos(Math.max(0, setupDeadline - System.nanoTime())), out);
        } catch (IllegalArgumentException e) {
            throw new SetupException("stream " + o.stream() + " has an unusable shard map: " + e.getMessage(), e);
        }
        if (o.createShards() > 0 && shards.size() != o.createShards()) {
            out.printf(Locale.ROOT, "note: stream %s exists with %d open shards; --create-shards=%d changes nothing%n",
                    o.stream(), shards.size(), o.createShards());
        }
        ShardRouter router = new ShardRouter(shards, o.targets(), o.routing());
        Set<String> groups = new TreeSet<>();
        shards.shards().forEach(s -> groups.add(s.group()));
        if (o.routing() == Routing.LEADER) {
            // a cluster that has just started may still be electing: wait a little for every group's leader
            long leadersDeadline = Math.min(setupDeadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            Map<String, String> leaders = metadata.leaders(groups);
            while (!leaders.keySet().containsAll(groups) && System.nanoTime() < leadersDeadline) {
                Thread.sleep(250);
                leaders = metadata.leaders(groups);
            }
            router.updateLeaders(leaders);
            for (String address : new TreeSet<>(leaders.values())) {
                metadata.awaitBroker(address, Duration.ofNanos(Math.max(0, setupDeadline - System.nanoTime())));
            }
        }
        printSetup(shards, router, groups);

        KeySpace keys = new KeySpace(o.keyCount(), o.recordSizeBytes(), o.seed(), shards);
        LoadStats stats = new LoadStats();
        boolean fixedRate = !o.rate().isMax();
        try (LeaderRefresher refresher = new LeaderRefresher(metadata, router, groups, o.leaderRefreshInterval(),
                out)) {
            if (o.routing() == Routing.LEADER) {
                refresher.start();
            }
            PutRecordsSender sender = new PutRecordsSender(o.stream(), router, channels, stats, o.requestTimeout(),
                    fixedRate, keys.dataBytes(),
                    o.routing() == Routing.LEADER ? refresher::requestRefresh : () -> { });
            long lingerNanos = o.linger().toNanos();
            long start = System.nanoTime();
            List<Producer> producers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < o.producers(); p++) {
                RateSchedule schedule = fixedRate
                        ? RateSchedule.share(start, o.recordsPerSecond(), p, o.producers()) : null;
                Producer producer = new Producer(keys, new ShardBatcher(shards.size(), o.batchMaxRecords(),
                        o.batchMaxBytes(), lingerNanos), schedule, o.seed() * 31 + p, sender,
                        o.maxInFlightPerProducer(), lingerNanos);
                producers.add(producer);
                Thread t = new Thread(producer, "producer-" + p);
                t.setDaemon(true);
                threads.add(t);
            }
            Reporter reporter = new Reporter(stats, out, new CpuSampler(),
                    () -> producers.stream().mapToInt(Producer::inFlight).sum(),
                    () -> producers.stream().mapToLong(Producer::lagNanos).max().orElse(0), fixedRate, start);
            threads.forEach(Thread::start);

            long warmupEnd = start + o.warmup().toNanos();
            long end = warmupEnd + o.duration().toNanos();
            long interval = o.reportInterval().toNanos();
            if (o.warmup().isZero()) {
                reporter.startMeasuring(start);
            }
            for (long tick = start + interval; ; tick += interval) {
                boolean crossesWarmupEnd = tick > warmupEnd && tick - interval < warmupEnd;
                if (crossesWarmupEnd) {
                    sleepUntil(warmupEnd);
                    reporter.tick(warmupEnd, Reporter.Phase.WARMUP);
                    reporter.startMeasuring(warmupEnd);
                }
                if (tick >= end) {
                    sleepUntil(end);
                    reporter.tick(end, end <= warmupEnd ? Reporter.Phase.WARMUP : Reporter.Phase.MEASURE);
                    break;
                }
                sleepUntil(tick);
                reporter.tick(tick, tick <= warmupEnd ? Reporter.Phase.WARMUP : Reporter.Phase.MEASURE);
                if (tick == warmupEnd) {
                    reporter.startMeasuring(warmupEnd);
                }
            }
            producers.forEach(Producer::stop);
            long drainDeadline = System.nanoTime() + o.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline - System.nanoTime())));
            }
            int unanswered = producers.stream().mapToInt(Producer::inFlight).sum();
            reporter.tick(System.nanoTime(), Reporter.Phase.DRAIN);
            Reporter.Result result = reporter.finish();
            printResult(result, stats, router, unanswered);
            if (result.counts().ackedRecords() == 0) {
                System.err.println("load: no record was acknowledged in the measured window; see the failures above");
                return EXIT_NOTHING_ACKED;
            }
            return 0;
        }
    }

    private static void sleepUntil(long nanos) {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private void printSetup(ShardMap shards, ShardRouter router, Set<String> groups) {
        out.printf(Locale.ROOT, "stream %s: %d open shards in %d replication groups; targets %s; routing %s%n",
                o.stream(), shards.size(), groups.size(), String.join(",", o.targets()),
                o.routing().name().toLowerCase(Locale.ROOT));
        if (o.routing() == Routing.LEADER) {
            Map<String, List<String>> shardsByGroup = new TreeMap<>();
            shards.shards().forEach(s -> shardsByGroup.computeIfAbsent(s.group(), g -> new ArrayList<>())
                    .add(s.shardId().replaceFirst("shardId-0*(?=.)", "")));
            for (String g : groups) {
                String leader = router.leaderOf(g);
                out.printf(Locale.ROOT, "  %-10s leader %-21s shards %s%n", g,
                        leader == null ? "unknown (targets forward)" : leader, shardsByGroup.get(g));
            }
        }
        out.printf(Locale.ROOT, "workload: %d-byte records, %d keys, batches of <= %d records / %d bytes, linger %d ms, "
                        + "%d producer(s) x %d in flight, rate %s%s, warm-up %d s, duration %d s%n",
                o.recordSizeBytes(), o.keyCount(), o.batchMaxRecords(), o.batchMaxBytes(), o.linger().toMillis(),
                o.producers(), o.maxInFlightPerProducer(), o.rate(),
                o.rate().isMax() ? "" : String.format(Locale.ROOT, " (%.0f records/s)", o.recordsPerSecond()),
                o.warmup().toSeconds(), o.duration().toSeconds());
        out.println(o.rate().isMax()
                ? "latency: from the start of each PutRecords call to its answer (max rate)"
                : "latency: from each record's intended send time to its answer (fixed rate, coordinated-omission free)");
        out.flush();
    }

    private void printResult(Reporter.Result r, LoadStats stats, ShardRouter router, int unanswered) {
        LoadStats.Counts c = r.counts();
        out.println();
        out.printf(Locale.ROOT, "== result: %.1f s measured after a %d s warm-up, rate %s, %d-byte records%n",
                r.seconds(), o.warmup().toSeconds(), o.rate(), o.recordSizeBytes());
        out.printf(Locale.ROOT, "records acked   %,d (sent %,d in %,d PutRecords calls, %.1f records per call)%n",
                c.ackedRecords(), c.sentRecords(), c.requests(),
                c.requests() == 0 ? 0.0 : (double) c.sentRecords() / c.requests());
        out.printf(Locale.ROOT, "records failed  %,d (%,d whole calls failed)%n", c.failedRecords(),
                c.failedRequests());
        for (Map.Entry<String, Long> e : stats.failuresByCode().entrySet()) {
            out.printf(Locale.ROOT, "  %-14s %,d since start, first: %s%n", e.getKey(), e.getValue(),
                    stats.firstMessage(e.getKey()));
        }
        if (unanswered > 0) {
            out.printf(Locale.ROOT, "calls unanswered at exit: %d%n", unanswered);
        }
        out.printf(Locale.ROOT, "throughput      %,.0f records/s, %.2f MB/s (10^6 bytes of record data)%n",
                r.recordsPerSecond(), r.megabytesPerSecond());
        out.printf(Locale.ROOT, "ack latency ms  p50 %.2f  p95 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (%s)%n",
                r.percentileMs(50), r.percentileMs(95), r.percentileMs(99), r.percentileMs(99.9), r.maxMs(),
                o.rate().isMax() ? "from call start" : "from intended send time");
        if (r.cpu() != null) {
            CpuSampler.Usage u = r.cpu();
            out.printf(Locale.ROOT, "cpu             load tool %.2f cores%s%n", u.toolCores(), u.hasMachine()
                    ? String.format(Locale.ROOT, "; whole machine %.2f of %d cores busy, iowait %.0f%%",
                    u.machineBusyCores(), u.cores(), u.iowaitPercent()) : "");
        }
        if (!o.rate().isMax() && r.recordsPerSecond() < 0.95 * o.recordsPerSecond()) {
            out.printf(Locale.ROOT, "note            the cluster did not keep up with %.0f records/s: the producers fell "
                    + "behind their schedule, and latency from the intended send times grew with it%n",
                    o.recordsPerSecond());
        }
        out.printf(Locale.ROOT, "leader changes  %d%n", router.leaderChanges());
        out.printf(Locale.ROOT, "RESULT records_per_s=%.0f mb_per_s=%.2f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f "
                        + "max_ms=%.2f acked=%d failed=%d tool_cores=%.2f machine_busy_cores=%.2f%n",
                r.recordsPerSecond(), r.megabytesPerSecond(), r.percentileMs(50), r.percentileMs(99),
                r.percentileMs(99.9), r.maxMs(), c.ackedRecords(), c.failedRecords(),
                r.cpu() == null ? -1.0 : r.cpu().toolCores(), r.cpu() == null ? -1.0 : r.cpu().machineBusyCores());
        out.flush();
    }
}
