#!/usr/bin/env bash
# Builds the serving benchmarks and runs them, printing Markdown tables on standard output
# (progress on standard error); see bench/serve-bench/README.md:
#   bench/serve-bench.sh                   single-stream, then concurrency, with their defaults
#   bench/serve-bench.sh single-stream     SingleStreamBench only (extra arguments go to it,
#                                          e.g. --models 26m,110m --runs 5 --threads 1)
#   bench/serve-bench.sh concurrency       ConcurrencyBench only (extra arguments go to it,
#                                          e.g. --model 110m --streams 1,16 --tokens 64)
#   bench/serve-bench.sh allowed-tokens    AllowedTokensBench: structured output's cost per token
#   bench/serve-bench.sh memory            ServingMemoryBench: resident memory per base model and
#                                          per cached adapter (e.g. --model 110m --adapters 32)
# The PyTorch reference needs Debian's torch with OpenBLAS:
#   apt-get install -y python3-torch python3-numpy libopenblas0-openmp
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle; the tables
# give the load average so that a busy run can be recognised.
set -euo pipefail
cd "$(dirname "$0")/.."

which="${1:-all}"
[ $# -gt 0 ] && shift
case "$which" in
  all | single-stream)
    if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
      echo "serve-bench.sh: the PyTorch reference needs: apt-get install -y python3-torch python3-numpy libopenblas0-openmp" >&2
      exit 2
    fi
    ;;
  concurrency | allowed-tokens | memory) ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -pl bench/serve-bench -am package -DskipTests >&2

jar=bench/serve-bench/target/anneal-serve-bench.jar
case "$which" in
  single-stream) java -cp "$jar" dev.anneal.bench.serve.SingleStreamBench "$@" ;;
  concurrency) java -cp "$jar" dev.anneal.bench.serve.ConcurrencyBench "$@" ;;
  allowed-tokens) java -cp "$jar" dev.anneal.serving.structured.AllowedTokensBench "$@" ;;
  memory) java -cp "$jar" dev.anneal.bench.serve.ServingMemoryBench "$@" ;;
  all)
    java -cp "$jar" dev.anneal.bench.serve.SingleStreamBench
    echo
    java -cp "$jar" dev.anneal.bench.serve.ConcurrencyBench
    ;;
esac
