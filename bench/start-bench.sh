#!/usr/bin/env bash
# How soon the standalone platform is ready after `./anneal start`: from launching the command to
# the first 200 of /q/health/ready (polled every 20 ms through bash's /dev/tcp), embedded
# PostgreSQL and Kafka included.
# One first start on an empty data folder (initdb, the broker's format, every migration; it also
# writes the class data sharing archive when it stops: on JDK 25 and later an AOT cache), then
# --starts restarts of the same folder with the archive and as many without (ANNEAL_CDS_ARCHIVE
# empty), alternating. The JDK is the one `./anneal` runs: `java` on the PATH. Prints a Markdown
# table of medians, with each start's CPU time at ready and what the log says PostgreSQL and the
# broker took, and the load average before and after.
#   bench/start-bench.sh [--starts 5]
# Temp files go to a fresh folder under $BENCH_DIR (default /tmp), removed on exit.
set -euo pipefail

STARTS=5
while (($#)); do
    case "$1" in
        --starts) STARTS=$2; shift 2 ;;
        *) echo "usage: $0 [--starts 5]" >&2; exit 2 ;;
    esac
done
[[ $STARTS =~ ^[1-9][0-9]*$ ]] || { echo "--starts must be a positive integer" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/bench-lib.sh"
BASE=${BENCH_DIR:-/tmp}
mkdir -p "$BASE"
WORK=$(mktemp -d "$BASE/anneal-start-bench.XXXXXX")
DATA=$WORK/data
ARCHIVE=$WORK/anneal-archive
PID=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID"
        wait "$PID" 2>/dev/null
    fi
    local leftovers
    leftovers=$(processes_using "$DATA")
    [[ -z $leftovers ]] || kill -INT $leftovers 2>/dev/null
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_server_if_missing "$ROOT"
HTTP_PORT=$(free_port)
MANAGEMENT_PORT=$(free_port "$HTTP_PORT")
KAFKA_PORT=$(free_port "$HTTP_PORT" "$MANAGEMENT_PORT")
# fixed too: a controller port picked at each start could be the HTTP port, not yet bound then
CONTROLLER_PORT=$(free_port "$HTTP_PORT" "$MANAGEMENT_PORT" "$KAFKA_PORT")

# One start and stop with the given archive setting; sets READY_US, CPU_CS, PG_MS, KAFKA_MS, STOP_US.
start_once() {
    local archive=$1 log=$WORK/server.log t0 t1 line
    t0=$(now_us)
    set -m
    ANNEAL_DATA_DIR=$DATA QUARKUS_HTTP_PORT=$HTTP_PORT ANNEAL_MANAGEMENT_PORT=$MANAGEMENT_PORT \
        ANNEAL_KAFKA_PORT=$KAFKA_PORT ANNEAL_KAFKA_CONTROLLER_PORT=$CONTROLLER_PORT \
        ANNEAL_CDS_ARCHIVE=$archive \
        "$ROOT/anneal" start >"$log" 2>&1 &
    PID=$!
    set +m
    until ready "$MANAGEMENT_PORT"; do
        kill -0 "$PID" 2>/dev/null || { log "the server exited during start-up:"; tail -n 40 "$log" >&2; exit 1; }
        (($(now_us) - t0 < 180000000)) || { log "not ready after 180 s"; exit 1; }
        sleep 0.02
    done
    t1=$(now_us)
    READY_US=$((t1 - t0))
    CPU_CS=$(awk '{print $14 + $15}' "/proc/$PID/stat")
    line=$(grep -o 'PostgreSQL started.* in [0-9]* ms' "$log" | head -1) || true
    PG_MS=${line##* in }; PG_MS=${PG_MS% ms}
    line=$(grep -o 'Kafka broker started.* in [0-9]* ms' "$log" | head -1) || true
    KAFKA_MS=${line##* in }; KAFKA_MS=${KAFKA_MS% ms}
    t0=$(now_us)
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null || true
    STOP_US=$(($(now_us) - t0))
    PID=""
}

row() { # label, then arrays by name: ready cpu pg kafka
    local label=$1
    local -n ready=$2 cpu=$3 pg=$4 kafka=$5
    local sorted
    mapfile -t sorted < <(printf '%s\n' "${ready[@]}" | sort -n)
    printf '| %s | %d | %s | %s | %s | %s | %s | %s |\n' "$label" "${#ready[@]}" \
        "$(fmt_secs "$(median "${ready[@]}")")" "$(fmt_secs "${sorted[0]}")" "$(fmt_secs "${sorted[-1]}")" \
        "$(printf '%d.%02d' $(($(median "${cpu[@]}") / 100)) $(($(median "${cpu[@]}") % 100)))" \
        "$(median "${pg[@]}")" "$(median "${kafka[@]}")"
}

LOAD_BEFORE=$(load_average)
log "first start on an empty data folder (writes the class data sharing archive when it stops)"
start_once "$ARCHIVE"
first_ready=("$READY_US"); first_cpu=("$CPU_CS"); first_pg=("$PG_MS"); first_kafka=("$KAFKA_MS")
log "ready in $(fmt_secs "$READY_US") s; stopped (archive written) in $(fmt_secs "$STOP_US") s"
[[ -f $ARCHIVE ]] || log "WARNING: no class data sharing archive was written"

cds_ready=(); cds_cpu=(); cds_pg=(); cds_kafka=()
off_ready=(); off_cpu=(); off_pg=(); off_kafka=()
for ((i = 1; i <= STARTS; i++)); do
    for mode in cds off; do
        if [[ $mode == cds ]]; then start_once "$ARCHIVE"; else start_once ""; fi
        declare -n r=${mode}_ready c=${mode}_cpu p=${mode}_pg k=${mode}_kafka
        r+=("$READY_US"); c+=("$CPU_CS"); p+=("$PG_MS"); k+=("$KAFKA_MS")
        unset -n r c p k
        log "restart $i ($mode): ready in $(fmt_secs "$READY_US") s, CPU $CPU_CS cs, PostgreSQL $PG_MS ms, Kafka $KAFKA_MS ms; stopped in $(fmt_secs "$STOP_US") s"
    done
done
LOAD_AFTER=$(load_average)

echo
echo "| start | runs | ready s (median) | fastest | slowest | JVM CPU s at ready (median) | PostgreSQL ms (median) | Kafka broker ms (median) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
row "first, empty data folder" first_ready first_cpu first_pg first_kafka
row "restart, class data sharing" cds_ready cds_cpu cds_pg cds_kafka
row "restart, without" off_ready off_cpu off_pg off_kafka
echo
echo "$(nproc) cores; $(java -version 2>&1 | head -1); load average (1 min) $LOAD_BEFORE before, $LOAD_AFTER after; ready = \`./anneal start\` to the first 200 of /q/health/ready."
