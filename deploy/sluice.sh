#!/usr/bin/env bash
# The admin CLI: sluice.sh [--endpoint host:port] [--output table|json] COMMAND ... (--help lists commands)
# Bash completion: source <(bash sluice.sh generate-completion). In a source tree it needs a build first:
# ./mvnw -B -q install -DskipTests
# The CLI does not use Chronicle Queue, but every Sluice JVM takes the one flag list (build-support/jvm.properties).
set -euo pipefail
# shellcheck source=../build-support/launch.sh
. "$(dirname "${BASH_SOURCE[0]}")/../build-support/launch.sh"
sluice_exec cli io.sluice.cli.SluiceCli "${SLUICE_CLI_HEAP:--Xmx256m}" "$@"
