#!/usr/bin/env bash
# Runs a benchmark main of the bench/server-bench module (package dev.anneal.bench.server) against
# the packaged server: builds the server and the bench module (whose build writes its runtime class
# path to bench/server-bench/target/classpath), then runs MAIN from the server folder, where the
# server processes it starts find server/target/quarkus-app.
#   bench/run-server-bench.sh MAIN [ARGS...]     e.g. JobThroughputBench --jobs 200
# Set ANNEAL_MVN_FLAGS=-o to build offline.
set -euo pipefail
cd "$(dirname "$0")/.."
main="$1"
shift
./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -pl bench/server-bench -am package -DskipTests -Dquick >&2
root="$PWD"
cp="$root/bench/server-bench/target/anneal-server-bench.jar:$(cat bench/server-bench/target/classpath)"
cd server
exec java -cp "$cp" "dev.anneal.bench.server.$main" "$@"
