#!/usr/bin/env bash
# How fast the portal's pages render for a tenant with many datasets and jobs: one packaged server
# process (API role only) on an embedded PostgreSQL and Kafka broker, a tenant with 1,000 files and
# 1,000 queued jobs, a portal session, every page fetched 200 times beside the API's JSON lists of
# the same rows. Prints a Markdown table: per page, the median and p99 milliseconds and its size.
#   bench/portal-bench.sh                                  1,000 files, 1,000 jobs, 200 rounds
#   bench/portal-bench.sh --files 200 --jobs 200 --rounds 100
# Runs bench/server-bench's PortalPagesBench (run-server-bench.sh builds it first).
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle.
exec "$(dirname "$0")/run-server-bench.sh" PortalPagesBench "$@"
