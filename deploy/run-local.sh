#!/usr/bin/env bash
# The main job on one machine: one broker (data under ./data/broker) and one Firehose delivering to
# ./data/delivered, plus a demo (io.sluice.examples.DeliveryDemo, from the examples module) that creates the stream
# demo-events and the delivery stream demo-to-parquet, puts sample JSON events with the producer SDK and shows the
# Parquet objects they were delivered in (path, row count, a few rows). Both processes keep running until Ctrl-C;
# running it again reuses the data.
# SLUICE_DATA_DIR (default ./data), SLUICE_PORT (7700; Raft on +100) and SLUICE_FIREHOSE_PORT (7900; metrics on +1)
# move it elsewhere; DEMO_EVENTS (200) is how many events the demo puts.
# Bounded mode (DEMO_EXIT=1, or CI=true): stop everything after the demo and exit with the demo's status (non-zero
# unless every event of the run was delivered exactly once).
set -euo pipefail
usage() {
  cat <<'EOT'
usage: run-local.sh [--help]
Starts one broker and one Firehose on loopback and runs the delivery demo against them (the README's main job); both
keep running until Ctrl-C. Takes no arguments; the environment configures it:
  SLUICE_DATA_DIR       data and logs (default ./data; the demo delivers to DIR/delivered)
  SLUICE_PORT           the broker's client port (default 7700; Raft on +100)
  SLUICE_FIREHOSE_PORT  Firehose's API port (default 7900; metrics on +1)
  DEMO_EVENTS           events the demo puts (default 200)
  DEMO_EXIT=1, CI=true  stop after the demo and exit with its status (0 only when every event of the run was
                        delivered exactly once)
EOT
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "run-local.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../build-support/launch.sh
. "$here/../build-support/launch.sh"
cd "$sluice_root"
port=${SLUICE_PORT:-7700}
firehose_port=${SLUICE_FIREHOSE_PORT:-7900}
events=${DEMO_EVENTS:-200}
data=${SLUICE_DATA_DIR:-./data}
for module in broker firehose examples; do
  sluice_classpath "$module" > /dev/null || exit 2
done
mkdir -p "$data/delivered"
data=$(cd "$data" && pwd)
broker=
firehose=
stop() {
  trap - EXIT INT TERM
  # Firehose first: it delivers what it buffered and checkpoints before the broker goes away.
  if [ -n "$firehose" ] && kill "$firehose" 2>/dev/null; then
    wait "$firehose" 2>/dev/null || true
    echo "firehose stopped"
  fi
  if [ -n "$broker" ] && kill "$broker" 2>/dev/null; then
    wait "$broker" 2>/dev/null || true
    echo "broker stopped"
  fi
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

bash "$here/sluice-broker.sh" --data.dir="$data/broker" --client.address=127.0.0.1:$port \
  --raft.address=127.0.0.1:$((port + 100)) > "$data/broker.log" 2>&1 &
broker=$!
echo "broker started (pid $broker, log $data/broker.log, endpoint 127.0.0.1:$port)"
bash "$here/sluice-firehose.sh" --instance.id=local-firehose --cluster.endpoints=127.0.0.1:$port \
  --client.address=127.0.0.1:$firehose_port --metrics.address=127.0.0.1:$((firehose_port + 1)) \
  --definitions.refresh.interval.ms=1000 > "$data/firehose.log" 2>&1 &
firehose=$!
echo "firehose started (pid $firehose, log $data/firehose.log, endpoint 127.0.0.1:$firehose_port," \
  "metrics http://127.0.0.1:$((firehose_port + 1))/metrics)"

status=0
# The demo runs in a subshell so that sluice_exec's exec replaces the subshell, not this script.
(sluice_exec examples io.sluice.examples.DeliveryDemo -Xmx512m --broker=127.0.0.1:$port \
  --firehose=127.0.0.1:$firehose_port --destination="file://$data/delivered" --events="$events") || status=$?
if [ "${DEMO_EXIT:-}" = 1 ] || [ "${CI:-}" = true ]; then
  exit "$status"
fi
cli="bash $here/sluice.sh"
if [ "$port" != 7700 ] || [ "$firehose_port" != 7900 ]; then
  cli="SLUICE_ENDPOINT=127.0.0.1:$port SLUICE_FIREHOSE_ENDPOINT=127.0.0.1:$firehose_port $cli"
fi
cat <<EOT

Both keep running; press Ctrl-C to stop them. Meanwhile, from another terminal:
  $cli stream list
  $cli firehose describe demo-to-parquet
  echo '{"event_id": "mine", "user": "me", "action": "view", "amount": 1.5, "event_time": "now"}' \\
    | $cli put demo-events --key me
  $cli consumer applications
  find $data/delivered -name '*.parquet'
EOT
wait "$broker"
