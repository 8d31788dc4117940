#!/usr/bin/env bash
# The main job on one machine: one broker (data under ./data) plus a short demo that creates a stream, puts sample
# JSON events and reads them back. Keeps the broker running until Ctrl-C; DEMO_EXIT=1 (or CI=true) stops after the demo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
port=${SLUICE_PORT:-7700}
mkdir -p data
bash deploy/sluice-broker.sh --data.dir=./data/broker --client.address=127.0.0.1:$port \
  --raft.address=127.0.0.1:$((port + 100)) > data/broker.log 2>&1 &
broker=$!
stop() { kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null; echo "broker stopped"; }
trap stop EXIT INT TERM
echo "broker started (pid $broker, log data/broker.log, endpoint 127.0.0.1:$port)"
# shellcheck disable=SC2046
"$java_bin" $(JAVA="$java_bin" bash build-support/jvm-flags.sh) -cp "$(ls broker/target/sluice-broker-*.jar | head -n 1):broker/target/lib/*" \
  io.sluice.client.Demo "127.0.0.1:$port" demo 20
if [ "${DEMO_EXIT:-}" = 1 ] || [ "${CI:-}" = true ]; then
  exit 0
fi
echo "broker keeps running; press Ctrl-C to stop"
wait "$broker"
