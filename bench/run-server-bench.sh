#!/usr/bin/env bash
# Runs a benchmark main of server/src/test/java/dev/anneal/server/launch against the packaged
# server: builds the server, its test classes and their class path, then runs MAIN from the
# server folder (where the server processes it starts find server/target/quarkus-app).
#   bench/run-server-bench.sh MAIN [ARGS...]     e.g. JobThroughputBench --jobs 200
# Set ANNEAL_MVN_FLAGS=-o to build offline.
set -euo pipefail
cd "$(dirname "$0")/.."
main="$1"
shift
./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -pl server -am package -DskipTests -Dquick >&2
./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -pl server dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >&2
root="$PWD"
cp="$root/server/target/test-classes:$root/server/target/classes:$(cat server/target/bench.classpath)"
cd server
exec java -cp "$cp" "dev.anneal.server.launch.$main" "$@"
