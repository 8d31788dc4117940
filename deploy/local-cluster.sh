#!/usr/bin/env bash
# Starts or stops a local 3-broker cluster on loopback: deploy/local-cluster.sh start|stop|status
# Brokers n1..n3 serve clients on 127.0.0.1:7701..7703 (Raft on 7801..7803, broker-to-broker RPCs on 7851..7853); data and logs under run/ next to
# this script (SLUICE_RUN_DIR).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=${SLUICE_RUN_DIR:-$here/run}
base=${SLUICE_BASE_PORT:-7700}
peer() { echo "n$1@127.0.0.1:$((base + $1))@127.0.0.1:$((base + 100 + $1))@127.0.0.1:$((base + 150 + $1))"; }
peers="$(peer 1),$(peer 2),$(peer 3)"
usage() {
  cat <<EOT
usage: local-cluster.sh start|stop|status|--help
Starts, stops or lists a local 3-broker cluster on loopback. Brokers n1..n3 serve clients on
127.0.0.1:$((base + 1))..$((base + 3)), Raft on $((base + 101))..$((base + 103)), broker-to-broker RPCs on $((base + 151))..$((base + 153)).
Data, logs and pid files: $run
  SLUICE_RUN_DIR    where data, logs and pid files go (default run/ next to this script)
  SLUICE_BASE_PORT  the ports are counted from here (default 7700)
EOT
}
case "${1:-}" in
  start)
    mkdir -p "$run"
    for i in 1 2 3; do
      if [ -f "$run/n$i.pid" ] && kill -0 "$(cat "$run/n$i.pid")" 2>/dev/null; then
        echo "n$i already running"; continue
      fi
      nohup bash "$here/sluice-broker.sh" --node.id=n$i --data.dir="$run/n$i" --peers="$peers" \
        --client.address=127.0.0.1:$((base + i)) --raft.address=127.0.0.1:$((base + 100 + i)) \
        --internal.address=127.0.0.1:$((base + 150 + i)) \
        > "$run/n$i.log" 2>&1 &
      echo $! > "$run/n$i.pid"
      echo "started n$i (pid $!, clients on 127.0.0.1:$((base + i)))"
    done ;;
  stop)
    for i in 1 2 3; do
      if [ -f "$run/n$i.pid" ]; then
        kill "$(cat "$run/n$i.pid")" 2>/dev/null || true
        rm -f "$run/n$i.pid"; echo "stopped n$i"
      fi
    done ;;
  status)
    for i in 1 2 3; do
      if [ -f "$run/n$i.pid" ] && kill -0 "$(cat "$run/n$i.pid")" 2>/dev/null; then echo "n$i up"; else echo "n$i down"; fi
    done ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
