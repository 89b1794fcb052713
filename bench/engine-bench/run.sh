#!/usr/bin/env bash
# Builds the engine benchmarks and runs them, DJL beside PyTorch, printing Markdown tables on
# standard output (progress on standard error):
#   bench/engine-bench/run.sh                 all benchmarks with their defaults
#   bench/engine-bench/run.sh generation      GenerationBench only   (extra arguments go to it)
#   bench/engine-bench/run.sh memory          MemoryBench only       (extra arguments go to it,
#                                             e.g. --workload training)
#   bench/engine-bench/run.sh training        TrainingBench only     (extra arguments go to it,
#                                             e.g. --sizes 1m --runs 5)
#   bench/engine-bench/run.sh packing         PackingBench only      (extra arguments go to it,
#                                             e.g. --threads 1 --runs 5)
#   bench/engine-bench/run.sh dpo             DpoBench only          (extra arguments go to it)
# The PyTorch reference needs Debian's torch with OpenBLAS:
#   apt-get install -y python3-torch python3-numpy libopenblas0-openmp
# Set ANNEAL_MVN_FLAGS=-o to build offline. The machine should be otherwise idle; the tables
# give the load average so that a busy run can be recognised. Every benchmark holds the lock
# /tmp/anneal-bench.lock (flock) while it runs, so that benchmarks started from different
# checkouts of the same machine wait for each other instead of overlapping.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  echo "run.sh: the PyTorch reference needs: apt-get install -y python3-torch python3-numpy libopenblas0-openmp" >&2
  exit 2
fi
./mvnw -B -q ${ANNEAL_MVN_FLAGS:-} -pl bench/engine-bench -am package -DskipTests >&2

jar=bench/engine-bench/target/anneal-engine-bench.jar
# a heap that cannot resize, so that RSS changes are native memory (see MemoryBench.fixedHeap)
fixed_heap="-Xms64m -Xmx64m -XX:+AlwaysPreTouch"
bench() { flock /tmp/anneal-bench.lock "$@"; }
which="${1:-all}"
[ $# -gt 0 ] && shift
case "$which" in
  generation) bench java -cp "$jar" dev.anneal.bench.GenerationBench "$@" ;;
  memory) bench java $fixed_heap -cp "$jar" dev.anneal.bench.MemoryBench "$@" ;;
  training) bench java -cp "$jar" dev.anneal.bench.TrainingBench "$@" ;;
  packing) bench java -cp "$jar" dev.anneal.bench.PackingBench "$@" ;;
  dpo) bench java -cp "$jar" dev.anneal.bench.DpoBench "$@" ;;
  all)
    bench java -cp "$jar" dev.anneal.bench.GenerationBench
    echo
    bench java $fixed_heap -cp "$jar" dev.anneal.bench.MemoryBench
    echo
    bench java -cp "$jar" dev.anneal.bench.TrainingBench
    echo
    bench java -cp "$jar" dev.anneal.bench.PackingBench
    echo
    bench java -cp "$jar" dev.anneal.bench.DpoBench
    ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
