#!/usr/bin/env bash
# Sourced by the launchers (deploy/*.sh in a source tree, bin/*.sh in a distribution).
#   sluice_classpath MODULE          prints MODULE's classpath, or fails naming the build command
#   sluice_exec MODULE MAIN HEAP ... execs java for MAIN with MODULE's classpath, the flags from jvm.properties and
#                                    the JVM options HEAP (one argument, split on spaces, e.g. "-Xmx1g"), passing the
#                                    remaining arguments
# A source tree keeps MODULE/target/sluice-MODULE-*.jar plus MODULE/target/lib/; a distribution keeps both in
# lib/MODULE/.
sluice_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sluice_java=${JAVA_HOME:+$JAVA_HOME/bin/}java

sluice_classpath() {
  local module=$1 jar
  if [ -d "$sluice_root/lib/$module" ]; then
    echo "$sluice_root/lib/$module/*"
    return 0
  fi
  jar=$(ls "$sluice_root/$module"/target/sluice-"$module"-*.jar 2>/dev/null | grep -v -- '-sources' | head -n 1 || true)
  if [ -z "$jar" ] || [ ! -d "$sluice_root/$module/target/lib" ]; then
    echo "no build of $module found in $sluice_root; run ./mvnw -B -q install -DskipTests first" >&2
    return 2
  fi
  echo "$jar:$sluice_root/$module/target/lib/*"
}

sluice_exec() {
  local module=$1 main=$2 heap=$3 cp flags
  shift 3
  cp=$(sluice_classpath "$module") || exit 2
  flags=$(JAVA="$sluice_java" bash "$sluice_root/build-support/jvm-flags.sh")
  # shellcheck disable=SC2086
  exec "$sluice_java" $flags $heap -cp "$cp" "$main" "$@"
}
