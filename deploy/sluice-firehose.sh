#!/usr/bin/env bash
# Runs one Firehose process in the foreground: sluice-firehose.sh [--config FILE] [--key=value ...]
# (--help lists every setting and exits; --print-config-reference prints the reference table; SLUICE_HEAP: heap flag,
# default -Xmx1g). In a source tree it needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
# shellcheck source=../build-support/launch.sh
. "$(dirname "${BASH_SOURCE[0]}")/../build-support/launch.sh"
sluice_exec firehose io.sluice.firehose.FirehoseMain "${SLUICE_HEAP:--Xmx1g}" "$@"
