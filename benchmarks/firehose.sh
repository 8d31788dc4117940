#!/usr/bin/env bash
# W5: Firehose JSON -> Parquet throughput against a bare parquet-avro loop on one thread, then data freshness at a
# fixed rate. benchmarks/firehose.sh [records=200000] [warmup=2] [rounds=5] [rateMBps=5] [intervalS=10] [freshnessS=60] [dir=...]
# Needs a build first: ./mvnw -B -q package -DskipTests -pl benchmarks -am
set -euo pipefail
# shellcheck source=../build-support/launch.sh
. "$(dirname "${BASH_SOURCE[0]}")/../build-support/launch.sh"
# The benchmarks' classpath also holds the Firehose jar and its logback.xml; this names the benchmarks' own.
sluice_exec benchmarks io.sluice.bench.firehose.FirehoseDeliveryBench "${SLUICE_BENCH_HEAP:--Xmx2g} -XX:ActiveProcessorCount=1 -Dlogback.configurationFile=sluice-bench-logback.xml" "$@"
