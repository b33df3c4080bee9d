#!/usr/bin/env bash
# Every number of the README's performance table, one benchmark after another (about an hour on 2 cores).
#
#   benchmarks/report.sh [OUT_DIR]        (default benchmarks/target/report; one log per benchmark there)
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the whole run: they pin OpenBLAS to its Haswell kernels,
# which halve its speed on AVX-512 machines. Run on a quiet machine; the ratios come from alternating or
# same-run measurements, but a busy machine still widens the spread. The Shakespeare recipe against PyTorch has
# its own script (benchmarks/scripts/shakespeare-char-vs-pytorch.sh, needs Debian's python3-torch).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
out=${1:-benchmarks/target/report}
mkdir -p "$out"
jar=benchmarks/target/benchmarks.jar
[[ -f $jar ]] || mvn -q -B -DskipTests install
java=(java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED)

step() {   # step NAME COMMAND...: runs it, keeps its output in $out/NAME.log, prints the tail
  local name=$1; shift
  echo "== $name: $*"
  "$@" > "$out/$name.log" 2>&1 || { tail -30 "$out/$name.log"; return 1; }
  grep -v "^WARNING" "$out/$name.log" | tail -n "${TAIL:-20}"
}

TAIL=15 step sgemm env SGEMM_BENCH=SgemmBenchmark SGEMM_JSON="$out/sgemm.json" benchmarks/sgemm-vs-openblas.sh
TAIL=10 step bandwidth-1thread "${java[@]}" -cp "$jar" dev.jgrad.benchmarks.BandwidthReport --threads 1
TAIL=10 step bandwidth-2threads "${java[@]}" -cp "$jar" dev.jgrad.benchmarks.BandwidthReport --threads 2
TAIL=12 step transformer-1thread "${java[@]}" -cp "$jar" dev.jgrad.benchmarks.TransformerReport --threads 1
TAIL=12 step transformer-2threads "${java[@]}" -cp "$jar" dev.jgrad.benchmarks.TransformerReport --threads 2
TAIL=12 step attention "${java[@]}" -jar "$jar" 'AttentionBenchmark\.flash$' -rf json -rff "$out/attention.json"
"${java[@]}" -cp "$jar" dev.jgrad.benchmarks.AttentionGflops "$out/attention.json"
TAIL=30 step nf4 "${java[@]}" -jar "$jar" Nf4Benchmark -rf json -rff "$out/nf4.json"
TAIL=40 step int8 "${java[@]}" -jar "$jar" Int8Benchmark -rf json -rff "$out/int8.json"
TAIL=12 step storage "${java[@]}" -jar "$jar" StorageBenchmark
model=${TMPDIR:-/tmp}/jgrad-qlora-scale
[[ -f $model/model.safetensors ]] || step qlora-write "${java[@]}" -cp "$jar" dev.jgrad.benchmarks.QloraScale write "$model"
TAIL=12 step qlora-train "${java[@]}" -Xmx1700m -Xmn128m -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 \
  -cp "$jar" dev.jgrad.benchmarks.QloraScale train "$model" 3
echo "logs: $out"
