#!/usr/bin/env bash
# Causal attention forward+backward, B = 12, T in {64, 256, 1024, 2048}, C in {128, 768} (head dim 64), as GFLOPS
# (7·B·T²·C useful FLOPs per forward+backward, see AttentionBenchmark). For each (T, C) the three methods run back
# to back, so they see similar machine load: flash (register-tiled products), flashSgemmTiles (VectorSgemm on the
# tiles) and naive (materialised scores; skipped at T = 2048, where every (B, H, T, T) tensor is 2.4 GB).
# Other processes share the cores: read the medians. Run from the repository root after
#   mvn -q -B -pl benchmarks -am package -DskipTests
set -euo pipefail
JAR=benchmarks/target/benchmarks.jar
OUT=${1:-benchmarks/target/attention}
mkdir -p "$OUT"
for T in 64 256 1024 2048; do
  for C in 128 768; do
    methods='flash|flashSgemmTiles|naive'
    [ "$T" -gt 1024 ] && methods='flash|flashSgemmTiles'
    # JMH allows one run at a time per machine (/tmp/jmh.lock): wait for a turn.
    until java -jar "$JAR" "AttentionBenchmark\.($methods)\$" -p T=$T -p C=$C -rf json -rff "$OUT/T$T-C$C.json" \
        > "$OUT/T$T-C$C.log" 2>&1; do
      grep -q "Unable to acquire the JMH lock" "$OUT/T$T-C$C.log" || { cat "$OUT/T$T-C$C.log"; exit 1; }
      sleep 5
    done
    java -cp "$JAR" dev.jgrad.benchmarks.AttentionGflops "$OUT/T$T-C$C.json" | tail -n +2
    uptime
  done
done
