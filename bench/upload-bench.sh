#!/usr/bin/env bash
# Upload throughput benchmark for Anneal's Files API.
#
# Measures how fast one JSONL upload goes through the whole server path -- curl multipart upload
# -> streaming multipart parse -> JSONL validation -> AES-256-GCM encryption -> blob storage in
# the data dir -- against a plain `cp` of the same file on the same disk (the reference for what
# the disk can do). Both are timed including a `sync` afterwards, so neither wins by leaving dirty
# pages behind. Three untimed 256 MiB uploads warm the JIT up first (ADR 0040: a fresh server's
# first uploads run at half speed while C2 compiles; two of 32 MiB were not enough). Runs
# alternate the order (cp first, then upload first, ...) to even out cache and noise effects; the
# table shows medians. Each run also times the path's floor: the same file behind 25 lines the
# validator refuses, which the server reads through HTTP and the multipart parser to its end
# without validating or storing it (400).
# The server runs standalone (embedded PostgreSQL and Kafka) with the given heap limit (-Xmx),
# which shows that uploads stream rather than buffer: a 1 GiB upload succeeds with a 256 MiB
# heap. The server's peak RSS (VmHWM, reset after start-up) and peak heap used (from its GC log)
# during the uploads are reported too. One upload is downloaded again and its SHA-256 compared.
# The load average (1 min) is printed before and after the runs, as the machine may be shared.
# Then ValidatorThroughputBench (bench/server-bench) prints the limits of the path in process: the
# validator alone and the validate-and-encrypt pipeline beside the JDK's AES-256-GCM, on 128 MiB of
# the same dataset (skip it with --no-in-process).
#
# Run (from anywhere):
#   bench/upload-bench.sh [--size 256M] [--heap 256m] [--runs 3] [--no-in-process]
#   e.g. bench/upload-bench.sh --size 1G --heap 256m --runs 1
# Temp files (dataset, copy, server data dir) go to a fresh folder under $BENCH_DIR (default
# /tmp) and are removed on exit, as is the server, also on Ctrl-C. Set BENCH_LOGS=<dir> to keep
# the server log and GC log there.
# Needs only bash, coreutils, curl and java (JDK 17+); builds the server and bench/server-bench
# (whose GenerateChatJsonl writes the dataset) if either jar is missing.

set -euo pipefail

SIZE=256M
HEAP=256m
RUNS=3
IN_PROCESS=1

usage() {
    echo "usage: $0 [--size 256M] [--heap 256m] [--runs 3] [--no-in-process]   (temp files under \$BENCH_DIR, default /tmp)" >&2
    exit 2
}

while (($#)); do
    case "$1" in
        --size) [[ $# -ge 2 ]] || usage; SIZE=$2; shift 2 ;;
        --heap) [[ $# -ge 2 ]] || usage; HEAP=$2; shift 2 ;;
        --runs) [[ $# -ge 2 ]] || usage; RUNS=$2; shift 2 ;;
        --no-in-process) IN_PROCESS=0; shift ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }
[[ $HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || { echo "--heap must look like 256m or 1g" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/bench-lib.sh"
JAR=$ROOT/server/target/quarkus-app/quarkus-run.jar
BENCH_JAR=$ROOT/bench/server-bench/target/anneal-server-bench.jar
BASE=${BENCH_DIR:-/tmp}
mkdir -p "$BASE"
WORK=$(mktemp -d "$BASE/anneal-upload-bench.XXXXXX")
DATA=$WORK/data
FILE=$WORK/train.jsonl
WARMUP_FILE=$WORK/warmup.jsonl
COPY=$WORK/copy.jsonl
REFUSED_FILE=$WORK/refused.jsonl
LOG=$WORK/server.log
GCLOG=$WORK/gc.log
SERVER_PID=""
FAILED=1
INTERRUPTED=0

# Stops the server (SIGTERM, as an operator would), checks that no PostgreSQL of our data dir is
# left, removes the temp folder.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if ((INTERRUPTED)); then
        log "interrupted; cleaning up"
    elif ((FAILED)) && [[ -f $LOG ]]; then
        log "failed; last lines of the server log:"
        tail -n 40 "$LOG" >&2
    fi
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        log "stopping server (pid $SERVER_PID)"
        kill -TERM "$SERVER_PID" 2>/dev/null
        local i
        for ((i = 0; i < 600; i++)); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "WARNING: server did not stop within 60 s of SIGTERM; killing it"
            kill -KILL "$SERVER_PID" 2>/dev/null
        fi
        wait "$SERVER_PID" 2>/dev/null
        log "server exited with status $?"
    fi
    local leftovers
    leftovers=$(processes_using "$DATA")
    if [[ -n $leftovers ]]; then
        log "WARNING: processes still using $DATA after the server stopped (not stopped by the server):"
        local pid
        for pid in $leftovers; do
            log "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        done
        log "stopping them (SIGINT = PostgreSQL fast shutdown)"
        kill -INT $leftovers 2>/dev/null
        sleep 3
        leftovers=$(processes_using "$DATA")
        [[ -z $leftovers ]] || kill -KILL $leftovers 2>/dev/null
    fi
    if [[ -n ${BENCH_LOGS:-} ]]; then
        mkdir -p "$BENCH_LOGS" && cp -f "$LOG" "$GCLOG" "$BENCH_LOGS"/ 2>/dev/null &&
            log "server and GC logs copied to $BENCH_LOGS"
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM

# hundredths of MB/s (MB = 10^6 bytes) for $1 bytes in $2 microseconds
rate_centi() { echo $(($1 * 100 / $2)); }
fmt_centi() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

json_field() { # $1 = field name, $2 = JSON text; first string value of the field
    local re="\"$1\"[[:space:]]*:[[:space:]]*\"([^\"]*)\""
    [[ $2 =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

# Largest heap occupancy seen by the GC after line $1 of its log: "before after" in MiB, the
# largest "before" (of "123M->45M(256M)") and the largest "after" (what survived, the live set).
peak_heap_mb() {
    local skip=$1 line before=0 after=0 n=0 b a re='([0-9]+)([KMG])->([0-9]+)([KMG])\([0-9]+[KMG]\)'
    [[ -r $GCLOG ]] || { echo "? ?"; return; }
    while IFS= read -r line; do
        n=$((n + 1))
        ((n > skip)) || continue
        [[ $line =~ $re ]] || continue
        b=$(to_mib "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
        a=$(to_mib "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}")
        ((b > before)) && before=$b
        ((a > after)) && after=$a
    done <"$GCLOG"
    echo "$before $after"
}

to_mib() {
    case $2 in K) echo $(($1 / 1024)) ;; G) echo $(($1 * 1024)) ;; *) echo "$1" ;; esac
}

vm_hwm_kb() {
    local key value rest
    while read -r key value rest; do
        [[ $key == VmHWM: ]] && { echo "$value"; return; }
    done <"/proc/$SERVER_PID/status"
    echo 0
}

# --- build -------------------------------------------------------------------------------------
if [[ ! -f $JAR || ! -f $BENCH_JAR ]]; then
    log "server or bench jar missing; building them"
    for attempt in 1 2 3; do
        if (cd "$ROOT" && ./mvnw -B -q -o -DskipTests -pl bench/server-bench -am package); then
            break
        fi
        ((attempt < 3)) || { log "build failed"; exit 1; }
        log "build failed (maybe a concurrent build); retrying in 60 s"
        sleep 60
    done
fi

# --- dataset -----------------------------------------------------------------------------------
log "generating $SIZE of chat JSONL in $WORK"
java -cp "$BENCH_JAR" dev.anneal.bench.server.GenerateChatJsonl "$SIZE" "$FILE"
BYTES=$(stat -c %s "$FILE")
SHA=$(sha256sum "$FILE")
SHA=${SHA%% *}
log "dataset: $BYTES bytes, sha256 $SHA"
java -cp "$BENCH_JAR" dev.anneal.bench.server.GenerateChatJsonl 256M "$WARMUP_FILE" 2>/dev/null

# --- server ------------------------------------------------------------------------------------
HTTP_PORT=$(free_port)
KAFKA_PORT=$(free_port "$HTTP_PORT")
MANAGEMENT_PORT=$(free_port "$HTTP_PORT" "$KAFKA_PORT")
# fixed too: a controller port picked at start could be the HTTP port, not yet bound then
CONTROLLER_PORT=$(free_port "$HTTP_PORT" "$KAFKA_PORT" "$MANAGEMENT_PORT")
ADMIN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
URL=http://127.0.0.1:$HTTP_PORT
MAX_BYTES=$((BYTES > 1073741824 ? BYTES * 2 : 2147483648))

log "starting server: -Xmx$HEAP, http $HTTP_PORT, kafka $KAFKA_PORT, data $DATA"
set -m # own process group: Ctrl-C reaches only this script, which then stops the server cleanly
ANNEAL_DATA_DIR=$DATA \
    QUARKUS_HTTP_PORT=$HTTP_PORT \
    ANNEAL_MANAGEMENT_PORT=$MANAGEMENT_PORT \
    ANNEAL_KAFKA_PORT=$KAFKA_PORT \
    ANNEAL_KAFKA_CONTROLLER_PORT=$CONTROLLER_PORT \
    ANNEAL_ADMIN_KEY=$ADMIN \
    ANNEAL_FILES_MAX_BYTES=$MAX_BYTES \
    java "-Xmx$HEAP" "-Xlog:gc:file=$GCLOG" -jar "$JAR" >"$LOG" 2>&1 &
SERVER_PID=$!
set +m

started=$(now_us)
until ready "$MANAGEMENT_PORT"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited during start-up"; exit 1; }
    (($(now_us) - started < 180000000)) || { log "server not ready after 180 s"; exit 1; }
    sleep 0.5
done
log "server ready in $(fmt_secs $(($(now_us) - started))) s"

tenant=$(curl -sS -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' "$URL/v1/admin/tenants")
TENANT_ID=$(json_field id "$tenant") || { log "tenant creation failed: $tenant"; exit 1; }
keyjson=$(curl -sS -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{}' "$URL/v1/admin/tenants/$TENANT_ID/api_keys")
KEY=$(json_field key "$keyjson") || { log "key creation failed: $keyjson"; exit 1; }

STARTUP_HWM_KB=$(vm_hwm_kb)
# Reset the peak RSS so that the figure covers the uploads, not start-up (5 = reset VmHWM).
RESET_HWM=0
if echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null; then RESET_HWM=1; fi
GC_SKIP=0
[[ -r $GCLOG ]] && GC_SKIP=$(wc -l <"$GCLOG")
GC_NAME=""
[[ -r $GCLOG ]] && { gcline=$(head -n 1 "$GCLOG"); [[ $gcline =~ Using\ (.*)$ ]] && GC_NAME=${BASH_REMATCH[1]}; }

# Warm-up (not timed): three uploads of a 256 MiB file, so that the timed runs see compiled code.
for warm in 1 2 3; do
    code=$(curl -sS -o "$WORK/upload.json" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
        -F purpose=fine-tune -F "file=@$WARMUP_FILE" "$URL/v1/files")
    [[ $code == 200 ]] || { log "warm-up upload answered HTTP $code: $(head -c 2000 "$WORK/upload.json")"; exit 1; }
    id=$(json_field id "$(head -c 2000 "$WORK/upload.json")")
    curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer $KEY" "$URL/v1/files/$id"
done
rm -f "$WARMUP_FILE"

# --- runs --------------------------------------------------------------------------------------
time_cp() {
    sync
    local t0 t1
    t0=$(now_us)
    cp "$FILE" "$COPY"
    sync
    t1=$(now_us)
    rm -f "$COPY"
    sync
    CP_US=$((t1 - t0))
}

CHECKED=0
time_upload() {
    sync
    local t0 t1 t2 code body id
    t0=$(now_us)
    code=$(curl -sS -o "$WORK/upload.json" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
        -F purpose=fine-tune -F "file=@$FILE" "$URL/v1/files")
    t1=$(now_us)
    sync
    t2=$(now_us)
    body=$(head -c 2000 "$WORK/upload.json")
    [[ $code == 200 ]] || { log "upload answered HTTP $code: $body"; exit 1; }
    id=$(json_field id "$body") || { log "no file id in the answer: $body"; exit 1; }
    UP_US=$((t2 - t0))
    UP_NOSYNC_US=$((t1 - t0))
    if ((!CHECKED)); then
        local got
        got=$(curl -sS -H "Authorization: Bearer $KEY" "$URL/v1/files/$id/content" | sha256sum)
        got=${got%% *}
        [[ $got == "$SHA" ]] || { log "checksum MISMATCH: uploaded $SHA, downloaded $got"; exit 1; }
        echo "checksum ok ($id, sha256 $SHA)"
        CHECKED=1
    fi
    # keep the data dir from growing between runs (not timed)
    curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer $KEY" "$URL/v1/files/$id"
}

# The floor of the path: the same file behind 25 lines the validator refuses. Past 20 errors the
# server validates and stores nothing more but still reads the whole body through HTTP and the
# multipart parser (to answer once it has all of it), then answers 400.
{
    for ((line = 0; line < 25; line++)); do echo '{}'; done
    cat "$FILE"
} >"$REFUSED_FILE"
REFUSED_BYTES=$(stat -c %s "$REFUSED_FILE")
time_refused() {
    sync
    local t0 t1 code
    t0=$(now_us)
    code=$(curl -sS -o "$WORK/refused.json" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
        -F purpose=fine-tune -F "file=@$REFUSED_FILE" "$URL/v1/files")
    sync
    t1=$(now_us)
    [[ $code == 400 ]] || { log "the refused upload answered HTTP $code: $(head -c 2000 "$WORK/refused.json")"; exit 1; }
    REFUSED_US=$((t1 - t0))
}

cp_rates=()
up_rates=()
refused_rates=()
LOAD_BEFORE=$(load_average)
for ((run = 1; run <= RUNS; run++)); do
    if ((run % 2)); then
        time_cp
        time_upload
        time_refused
    else
        time_refused
        time_upload
        time_cp
    fi
    cp_rates+=("$(rate_centi "$BYTES" "$CP_US")")
    up_rates+=("$(rate_centi "$BYTES" "$UP_US")")
    refused_rates+=("$(rate_centi "$REFUSED_BYTES" "$REFUSED_US")")
    log "run $run/$RUNS: cp+sync $(fmt_secs "$CP_US") s ($(fmt_centi "${cp_rates[-1]}") MB/s)," \
        "upload+sync $(fmt_secs "$UP_US") s ($(fmt_centi "${up_rates[-1]}") MB/s;" \
        "upload alone $(fmt_secs "$UP_NOSYNC_US") s), refused upload $(fmt_secs "$REFUSED_US") s" \
        "($(fmt_centi "${refused_rates[-1]}") MB/s)"
done
rm -f "$REFUSED_FILE"

LOAD_AFTER=$(load_average)
HWM_KB=$(vm_hwm_kb)
read -r PEAK_HEAP PEAK_LIVE < <(peak_heap_mb "$GC_SKIP")
CP_MED=$(median "${cp_rates[@]}")
UP_MED=$(median "${up_rates[@]}")
RATIO=$((UP_MED * 1000 / CP_MED))
REFUSED_MED=$(median "${refused_rates[@]}")
REFUSED_RATIO=$((REFUSED_MED * 1000 / CP_MED))

rss_label="$((HWM_KB / 1024)) MiB"
((RESET_HWM)) || rss_label+=" (incl. start-up)"
heap_label="-Xmx$HEAP"
[[ -n $GC_NAME ]] && heap_label+=" ($GC_NAME)"

echo
echo "| size | runs | cp MB/s (median) | upload MB/s (median) | upload/cp | refused upload MB/s, HTTP and multipart only (median) | refused/cp | server heap limit | server peak RSS | server peak heap used |"
echo "|---|---|---|---|---|---|---|---|---|---|"
echo "| $SIZE ($BYTES B) | $RUNS | $(fmt_centi "$CP_MED") | $(fmt_centi "$UP_MED") | $((RATIO / 1000)).$(printf '%03d' $((RATIO % 1000))) | $(fmt_centi "$REFUSED_MED") | $((REFUSED_RATIO / 1000)).$(printf '%03d' $((REFUSED_RATIO % 1000))) | $heap_label | $rss_label | $PEAK_HEAP MiB (after GC ≤ $PEAK_LIVE MiB) |"
echo
echo "MB = 10^6 bytes; every timing includes a sync. The refused upload is the same file behind 25" \
    "invalid lines: the server reads all of it but validates and stores nothing past the 20th error," \
    "so it times what HTTP and the multipart parser cost alone, the floor of the path."
echo "Peak RSS and heap cover the uploads only" \
    "(start-up peak RSS: $((STARTUP_HWM_KB / 1024)) MiB); heap from the GC log: largest occupancy before a GC, and largest that survived one."
echo "Load average (1 min) on $(nproc) cores: $LOAD_BEFORE before the runs, $LOAD_AFTER after."

if ((IN_PROCESS)); then
    log "in process: validator, validate + encrypt, JDK AES-GCM"
    java -Xmx1g -cp "$BENCH_JAR:$(cat "$ROOT/bench/server-bench/target/classpath")" \
        dev.anneal.bench.server.ValidatorThroughputBench --size 128M --runs 5
fi
FAILED=0
