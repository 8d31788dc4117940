#!/usr/bin/env bash
# Runs one broker in the foreground: deploy/sluice-broker.sh [--config FILE] [--key=value ...]
# Needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
jar=$(ls "$root"/broker/target/sluice-broker-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/broker/target/lib" ]; then
  echo "sluice-broker: no build found; run ./mvnw -B -q install -DskipTests first" >&2
  exit 2
fi
# shellcheck disable=SC2046
exec "$java_bin" $(JAVA="$java_bin" bash "$root/build-support/jvm-flags.sh") ${SLUICE_HEAP:--Xmx1g} \
  -cp "$jar:$root/broker/target/lib/*" io.sluice.broker.BrokerMain "$@"
