#!/usr/bin/env bash
# Measures put -> processRecords latency against a running cluster: benchmarks/e2e.sh [--name=value ...] (--help lists them)
# Needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
jar=$(ls "$root"/benchmarks/target/sluice-benchmarks-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/benchmarks/target/lib" ]; then
  echo "e2e.sh: no build found; run ./mvnw -B -q install -DskipTests first" >&2
  exit 2
fi
# The tool itself does not use Chronicle Queue, but every Sluice JVM takes the one flag list (build-support/jvm.properties).
# shellcheck disable=SC2046
exec "$java_bin" $(JAVA="$java_bin" bash "$root/build-support/jvm-flags.sh") ${SLUICE_LOAD_HEAP:--Xmx1g} \
  -cp "$jar:$root/benchmarks/target/lib/*" io.sluice.bench.e2e.EndToEndMain "$@"
