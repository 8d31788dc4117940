#!/usr/bin/env bash
# Runs one broker in the foreground: sluice-broker.sh [--config FILE] [--key=value ...] (SLUICE_HEAP: heap flag,
# default -Xmx1g). In a source tree it needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
# shellcheck source=../build-support/launch.sh
. "$(dirname "${BASH_SOURCE[0]}")/../build-support/launch.sh"
sluice_exec broker io.sluice.broker.BrokerMain "${SLUICE_HEAP:--Xmx1g}" "$@"
