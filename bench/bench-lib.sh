# Functions shared by the bench/*.sh scripts that run the packaged server (sourced, not run).

log() { echo "[bench] $*" >&2; }

# PIDs whose command line mentions the given path (e.g. postgres -D <data dir>/...).
processes_using() {
    local dir=$1 p cmd
    for p in /proc/[0-9]*; do
        [[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
        cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        [[ $cmd == *"$dir"* ]] && echo "${p#/proc/}"
    done
    return 0
}

# A TCP port nobody listens on (from /proc/net/tcp*), not in the arguments.
free_port() {
    local used=" $* " line local_addr state port
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] || continue
        while read -r _ local_addr _ state _; do
            [[ $state == 0A ]] || continue
            used+=" $((16#${local_addr##*:})) "
        done <"$f"
    done
    while :; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        [[ $used == *" $port "* ]] || { echo "$port"; return; }
    done
}

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

fmt_secs() { printf '%d.%03d' $(($1 / 1000000)) $(($1 / 1000 % 1000)); }

median() {
    local sorted n
    mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
    n=${#sorted[@]}
    if ((n % 2)); then
        echo "${sorted[n / 2]}"
    else
        echo $(((sorted[n / 2 - 1] + sorted[n / 2]) / 2))
    fi
}

# Whether GET http://127.0.0.1:PORT/q/health/ready answers 200, asked through bash's own
# /dev/tcp. Not curl: here each curl run costs about 25 ms of CPU, mostly its own start-up, so
# polling with it every 20 ms took half a core from the server being timed (a start measured
# 0.5-0.9 s slower in alternating pairs).
ready() {
    local port=$1 code=""
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET /q/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    read -r -t 5 _ code _ <&3 || true
    exec 3<&- 3>&-
    [[ $code == 200 ]]
}

# The 1-minute load average.
load_average() { cut -d' ' -f1 /proc/loadavg; }

# Builds the packaged server when its jar is missing (retrying: another build may hold the repo).
build_server_if_missing() {
    local root=$1 attempt
    [[ -f $root/server/target/quarkus-app/quarkus-run.jar ]] && return 0
    log "server jar missing; building it"
    for attempt in 1 2 3; do
        if (cd "$root" && ./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -DskipTests -Dquick -pl server -am package); then
            return 0
        fi
        ((attempt < 3)) || { log "build failed"; return 1; }
        log "build failed (maybe a concurrent build); retrying in 60 s"
        sleep 60
    done
}
