#!/usr/bin/env bash
# Sluice's side of the TARGETS.md workloads on this machine, in the manner of shared/anchors/kafka/kafka-anchor.sh:
# starts a fresh cluster (1 broker, or the local 3-broker cluster), runs the load tool at max rate and at a fixed rate
# on a new 8-shard stream, notes where the CPU went, then stops the brokers and deletes their data.
#
#   bash benchmarks/scenarios.sh 1      # one broker (durability=fsync, the default), clients on 127.0.0.1:$BASE_PORT
#   bash benchmarks/scenarios.sh 3      # deploy/local-cluster.sh: 3 brokers, clients on $BASE_PORT+1..+3
#
# Knobs (environment): PRIME (20s, a first max-rate run that is not a result), WARMUP (10s), DURATION (60s), RATE (20MB/s), SHARDS (8), RECORD_SIZE (1024),
# LOAD_ARGS (extra load-tool flags), BASE_PORT (7700), KEEP_DATA=1 (keep the brokers' data).
# Data lives in a new directory under /tmp/sluice-scenarios/ while it runs; the table, the load tool's output and the
# broker logs are kept in /tmp/sluice-scenarios/results/ (sluice-<N>b-<stamp>.md, .log, -<broker>.log).
# Needs a build first: ./mvnw -B -q install -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
brokers=${1:-}
[[ $brokers == 1 || $brokers == 3 ]] || { echo "usage: $0 1|3" >&2; exit 2; }
PRIME=${PRIME:-20s}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-60s}
RATE=${RATE:-20MB/s}
SHARDS=${SHARDS:-8}
RECORD_SIZE=${RECORD_SIZE:-1024}
BASE_PORT=${BASE_PORT:-7700}
mkdir -p /tmp/sluice-scenarios/results
WORK=$(mktemp -d /tmp/sluice-scenarios/run-XXXXXX)
OUT=/tmp/sluice-scenarios/results/sluice-${brokers}b-$(date +%Y%m%d-%H%M%S)
RAW=$OUT.log
: >"$RAW"
read -r -a LOAD_ARGS <<<"${LOAD_ARGS:-}"
CLK_TCK=$(getconf CLK_TCK)
mkdir -p "$WORK"
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pids=()
if [[ $brokers == 1 ]]; then ports=($BASE_PORT); else ports=($((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3))); fi
for p in "${ports[@]}"; do
  for q in $p $((p + 100)); do
    ss -Htln "sport = :$q" | grep -q . && die "port $q is in use (another cluster running? set BASE_PORT)"
  done
done

stop_brokers() {
  local p waited
  if [[ $brokers == 3 ]]; then SLUICE_RUN_DIR=$WORK/run SLUICE_BASE_PORT=$BASE_PORT bash "$root/deploy/local-cluster.sh" stop >&2 || true
  else for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; fi
  for p in "${pids[@]}"; do
    waited=0
    while kill -0 "$p" 2>/dev/null && (( waited < 60 )); do sleep 0.5; waited=$((waited + 1)); done
    kill -0 "$p" 2>/dev/null && { log "broker pid $p ignored SIGTERM for 30 s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; }
  done
  return 0
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_brokers
  if [[ ${KEEP_DATA:-0} != 1 ]]; then
    for f in "$WORK"/run/*.log "$WORK"/broker.log; do [[ -f $f ]] && cp "$f" "$OUT-$(basename "$f")" 2>/dev/null || true; done
    rm -rf "$WORK"; log "deleted $WORK; results and broker logs: $OUT*"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

if [[ $brokers == 1 ]]; then
  # durability=fsync is the default; it is spelled out so that the run says what it measured
  nohup bash "$root/deploy/sluice-broker.sh" --data.dir="$WORK/broker" --durability=fsync \
    --client.address=127.0.0.1:$BASE_PORT --raft.address=127.0.0.1:$((BASE_PORT + 100)) \
    >"$WORK/broker.log" 2>&1 </dev/null &
  pids=($!)
  targets=127.0.0.1:$BASE_PORT
else
  SLUICE_RUN_DIR=$WORK/run SLUICE_BASE_PORT=$BASE_PORT bash "$root/deploy/local-cluster.sh" start >&2
  pids=($(cat "$WORK"/run/n1.pid "$WORK"/run/n2.pid "$WORK"/run/n3.pid))
  targets=127.0.0.1:$((BASE_PORT + 1)),127.0.0.1:$((BASE_PORT + 2)),127.0.0.1:$((BASE_PORT + 3))
fi
log "brokers: pids ${pids[*]}, clients on $targets, data under $WORK"

broker_ticks() { local t=0 p; for p in "${pids[@]}"; do
  t=$(( t + $(sed 's/.*) //' /proc/"$p"/stat | awk '{print $12+$13}') )); done; echo $t; }
cpu_stat() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

RES=()
scenario() { # label rate warmup duration
  local label=$1 rate=$2 warmup=$3 duration=$4 k0 k1 b0 t0 b1 t1 out=$WORK/$(echo "$1" | tr -c 'a-z0-9' '-').out top_pid
  sync; sleep 3
  log "scenario: $label"
  k0=$(broker_ticks); read -r b0 t0 < <(cpu_stat)
  ( sleep 15; top -b -n1 -w 160 | head -16 >"$out.top" ) & top_pid=$!
  /usr/bin/time -f '%e %U %S' -o "$out.time" bash "$root/benchmarks/load.sh" --targets="$targets" \
    --stream=bench-$SHARDS --create-shards="$SHARDS" --record-size="$RECORD_SIZE" --rate="$rate" --warmup="$warmup" \
    --duration="$duration" "${LOAD_ARGS[@]}" 2>&1 | tee "$out" >&2 \
    || { cat "$out" >>"$RAW"; die "$label: the load tool failed; see $RAW"; }
  k1=$(broker_ticks); read -r b1 t1 < <(cpu_stat)
  wait "$top_pid" 2>/dev/null || true
  { echo "=== $label ($(date -Is))"; cat "$out"; sed 's/^/  top| /' "$out.top" 2>/dev/null; } >>"$RAW"
  local result; result=$(grep '^RESULT ' "$out")
  # whole scenario (tool start to exit): wall s, tool user+sys s; brokers' and the machine's CPU over the same span
  local wall tool_s; read -r wall tool_s < <(awk '{print $1, $2 + $3}' "$out.time")
  RES+=("$(awk -v label="$label" -v k=$((k1 - k0)) -v c="$CLK_TCK" -v wall="$wall" -v tool="$tool_s" \
      -v busy=$((b1 - b0)) -v total=$((t1 - t0)) -v n="$(nproc)" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
    machine = n * busy / total; brokers = k / c / wall; t = tool / wall
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f |", label, r["records_per_s"],
      r["mb_per_s"], r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"], r["failed"], brokers, t, machine,
      machine - brokers - t }' <<<"$result")")
}

# fresh broker JVMs are slow for their first seconds (JIT, first Chronicle cycles): a short max-rate run first, as
# the Kafka anchor's warm-up row
scenario "warm-up (not a result)" max 0s "$PRIME"
scenario "max rate" max "$WARMUP" "$DURATION"
scenario "fixed $RATE" "$RATE" "$WARMUP" "$DURATION"

{
echo "Sluice $(git -C "$root" rev-parse --short HEAD), $brokers broker(s), $SHARDS shards, ${RECORD_SIZE}-byte records, warm-up $WARMUP, measured $DURATION; $(nproc) cores, load1 $(cut -d' ' -f1 /proc/loadavg)"
echo "MB = 10^6 bytes of record data; latency ms (max rate: from call start; fixed rate: from intended send time)."
echo "CPU columns: average cores busy over the whole scenario (tool start to exit, warm-up included), from /proc and"
echo "/usr/bin/time; others = machine - brokers - tool (other processes sharing the machine)."
echo
echo "| scenario | records/s | MB/s | p50 | p99 | p99.9 | max | failed | brokers | tool | machine | others |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${RES[@]}"
} | tee "$OUT.md"
