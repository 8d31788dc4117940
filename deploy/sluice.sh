#!/usr/bin/env bash
# The admin CLI: deploy/sluice.sh [--endpoint host:port] [--output table|json] COMMAND ... (--help lists commands)
# Needs a build first: ./mvnw -B -q install -DskipTests. Bash completion: source <(bash deploy/sluice.sh generate-completion)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
jar=$(ls "$root"/cli/target/sluice-cli-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$root/cli/target/lib" ]; then
  echo "sluice: no build found; run ./mvnw -B -q install -DskipTests first" >&2
  exit 2
fi
# The CLI does not use Chronicle Queue, but every Sluice JVM takes the one flag list (build-support/jvm.properties).
# shellcheck disable=SC2046
exec "$java_bin" $(JAVA="$java_bin" bash "$root/build-support/jvm-flags.sh") ${SLUICE_CLI_HEAP:--Xmx256m} \
  -cp "$jar:$root/cli/target/lib/*" io.sluice.cli.SluiceCli "$@"
