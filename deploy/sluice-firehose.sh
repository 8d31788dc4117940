#!/usr/bin/env bash
# Runs one Firehose process in the foreground: deploy/sluice-firehose.sh [--config FILE] [--key=value ...]
# (--print-config-reference lists the settings). Needs a build first: ./mvnw -B -q package -DskipTests -pl firehose -am
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
jar=$(ls "$root"/firehose/target/sluice-firehose-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/firehose/target/lib" ]; then
  echo "sluice-firehose: no build found; run ./mvnw -B -q package -DskipTests -pl firehose -am first" >&2
  exit 2
fi
# shellcheck disable=SC2046
exec "$java_bin" $(JAVA="$java_bin" bash "$root/build-support/jvm-flags.sh") ${SLUICE_HEAP:--Xmx1g} \
  -cp "$jar:$root/firehose/target/lib/*" io.sluice.firehose.FirehoseMain "$@"
