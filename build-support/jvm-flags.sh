#!/usr/bin/env bash
# Prints the JVM flags from build-support/jvm.properties for the java found in $JAVA (default: java on PATH).
# Usage: JVM_FLAGS=$(bash build-support/jvm-flags.sh)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
java_bin=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
prop() { grep -E "^$1=" "$here/jvm.properties" | head -n 1 | cut -d= -f2-; }
flags=$(prop sluice.jvm.flags)
major=$("$java_bin" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}' | cut -d. -f1)
if [ "${major:-17}" -ge 24 ]; then
  flags="$flags $(prop sluice.jvm.flags.jdk24)"
fi
echo "$flags"
