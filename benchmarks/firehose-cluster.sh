#!/usr/bin/env bash
# W5 through a cluster: starts one broker and one Firehose process (fresh data under $WORK, default
# /tmp/sluice-firehose-cluster), then runs io.sluice.bench.firehose.FirehoseClusterBench against them: the drain
# throughput of a backlog (input MB/s, and MB/s per Firehose CPU-second) and record freshness at a fixed rate.
#   benchmarks/firehose-cluster.sh [drainMB=100] [rateMBps=5] [intervalS=10] [seconds=60] [shards=2]
# Needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../build-support/launch.sh
. "$here/../build-support/launch.sh"
work=${WORK:-/tmp/sluice-firehose-cluster}
port=${BASE_PORT:-17700}
rm -rf "$work" && mkdir -p "$work"
broker= firehose=
stop() {
  [ -n "$firehose" ] && kill "$firehose" 2>/dev/null && wait "$firehose" 2>/dev/null || true
  [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
}
trap stop EXIT
bash "$sluice_root/deploy/sluice-broker.sh" --data.dir="$work/broker" --client.address=127.0.0.1:$port \
  --raft.address=127.0.0.1:$((port + 100)) > "$work/broker.log" 2>&1 &
broker=$!
SLUICE_HEAP=${FIREHOSE_HEAP:--Xmx2g} bash "$sluice_root/deploy/sluice-firehose.sh" --cluster.endpoints=127.0.0.1:$port \
  --client.address=127.0.0.1:$((port + 200)) --metrics.address=127.0.0.1:$((port + 201)) \
  --definitions.refresh.interval.ms=500 > "$work/firehose.log" 2>&1 &
firehose=$!
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$((port + 201))/health" > /dev/null 2>&1 \
      && bash "$sluice_root/deploy/sluice.sh" --endpoint=127.0.0.1:$port stream list > /dev/null 2>&1; then
    break
  fi
  sleep 1
done
(sluice_exec benchmarks io.sluice.bench.firehose.FirehoseClusterBench \
  "${SLUICE_LOAD_HEAP:--Xmx1g} -Dlogback.configurationFile=sluice-bench-logback.xml" \
  broker=127.0.0.1:$port firehose=127.0.0.1:$((port + 200)) metrics=127.0.0.1:$((port + 201)) \
  firehosePid=$firehose dir="$work/delivered" "$@")
