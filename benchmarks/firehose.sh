#!/usr/bin/env bash
# W5: Firehose JSON -> Parquet throughput against a bare parquet-avro loop on one thread, then data freshness at a
# fixed rate. benchmarks/firehose.sh [records=200000] [warmup=2] [rounds=5] [rateMBps=5] [intervalS=10] [freshnessS=60] [dir=...]
# Needs a build first: ./mvnw -B -q package -DskipTests -pl benchmarks -am
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
jar=$(ls "$root"/benchmarks/target/sluice-benchmarks-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/benchmarks/target/lib" ]; then
  echo "firehose.sh: no build found; run ./mvnw -B -q package -DskipTests -pl benchmarks -am first" >&2
  exit 2
fi
# shellcheck disable=SC2046
exec "$java_bin" $(JAVA="$java_bin" bash "$root/build-support/jvm-flags.sh") ${SLUICE_BENCH_HEAP:--Xmx2g} \
  -XX:ActiveProcessorCount=1 -cp "$jar:$root/benchmarks/target/lib/*" io.sluice.bench.firehose.FirehoseDeliveryBench "$@"
