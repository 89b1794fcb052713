#!/usr/bin/env bash
# Throughput of the job machinery: submits many tiny jobs (a few steps each on anneal-nano) to two
# worker processes sharing one embedded PostgreSQL and Kafka broker, and prints a Markdown table:
# jobs per minute, and per job the time in training steps beside the rest (the overhead).
#   bench/jobs-bench.sh                         1,000 jobs, 2 worker processes, 4 steps each
#   bench/jobs-bench.sh --jobs 200 --workers 2 --steps 4
# Runs bench/server-bench's JobThroughputBench (run-server-bench.sh builds it first).
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle.
exec "$(dirname "$0")/run-server-bench.sh" JobThroughputBench "$@"
