#!/usr/bin/env bash
# Runs the PutRecords load tool against a running cluster: benchmarks/load.sh [--name=value ...] (--help lists them)
# Needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
# shellcheck source=../build-support/launch.sh
. "$(dirname "${BASH_SOURCE[0]}")/../build-support/launch.sh"
# The benchmarks' classpath also holds the Firehose jar and its logback.xml; this names the benchmarks' own.
sluice_exec benchmarks io.sluice.bench.load.LoadMain "${SLUICE_LOAD_HEAP:--Xmx1g} -Dlogback.configurationFile=sluice-bench-logback.xml" "$@"
