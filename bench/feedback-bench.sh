#!/usr/bin/env bash
# Sustained feedback ingestion: produces pairwise judgements straight to feedback.preferences
# (lz4, acks=all, idempotent) to one packaged server process running the feedback role against an
# embedded PostgreSQL and Kafka broker, waits until all are committed and stored, then reads the
# same records with a bare Kafka consumer, and prints a Markdown table: end-to-end records/s,
# p50/p99 latency from produce to offset commit, bare consumer records/s, their ratio, load average.
#   bench/feedback-bench.sh                          600,000 records, as fast as they can be sent
#   bench/feedback-bench.sh --rate 20000             an offered load of 20,000 records/s
#   bench/feedback-bench.sh --records 100000 --batch-size 500 --warmup 50000
# --batch-size sets ANNEAL_FEEDBACK_BATCH_SIZE (records per poll and transaction; default 2000);
# --rate limits the producer to that many records/s (0: unlimited); --warmup N records (default
# 200,000) are stored first and left out.
# Runs bench/server-bench's FeedbackIngestionBench (run-server-bench.sh builds it first).
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle.
exec "$(dirname "$0")/run-server-bench.sh" FeedbackIngestionBench "$@"
