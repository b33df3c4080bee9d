#!/usr/bin/env bash
# jgrad SGEMM vs OpenBLAS: runs SgemmBenchmark and SgemmHeadsBenchmark (JSON output), prints the GFLOPS table.
#   benchmarks/sgemm-vs-openblas.sh                       every shape, 1 and 2 threads (~8 minutes)
#   benchmarks/sgemm-vs-openblas.sh -p shape=1024,2048    extra arguments go to JMH
#   SGEMM_BENCH=SgemmHeadsBenchmark benchmarks/sgemm-vs-openblas.sh    only the 48 attention heads
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this run only: on this CPU they halve OpenBLAS.
# JMH_JAVA_OPTS adds flags to the JMH launcher JVM (e.g. -Djmh.ignoreLock=true).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
jar=benchmarks/target/benchmarks.jar
if [[ ! -f $jar ]] || [[ -n "$(find core/src benchmarks/src -newer "$jar" -type f 2>/dev/null | head -1)" ]]; then
  mvn -q -B -pl benchmarks -am -DskipTests package
fi
json=${SGEMM_JSON:-benchmarks/target/sgemm-vs-openblas.json}
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${JMH_JAVA_OPTS:-} -jar "$jar" \
  "${SGEMM_BENCH:-Sgemm(Heads)?Benchmark}" -rf json -rff "$json" "$@"
echo
java -cp "$jar" dev.jgrad.benchmarks.SgemmRatio "$json"
