#!/usr/bin/env bash
# Throughput of the job machinery and how it scales: one api process and, in turn, 1, 2 and 4 tuner
# processes (ANNEAL_ROLES), all on one embedded PostgreSQL and Kafka broker; many tiny jobs (a few
# steps each on anneal-nano) per count; prints a Markdown table, one row per count: jobs per minute,
# and per job the time in training steps beside the rest (the overhead).
#   bench/jobs-bench.sh                         300 jobs per count, 1, 2 and 4 tuners, 4 steps each
#   bench/jobs-bench.sh --jobs 1000 --workers 2 --steps 4
# Runs bench/server-bench's JobThroughputBench (run-server-bench.sh builds it first).
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle.
exec "$(dirname "$0")/run-server-bench.sh" JobThroughputBench "$@"
