#!/usr/bin/env bash
# GPU checks of jgrad-cuda, for a GPU machine that has no Java and no Maven.
#
#   cuda/gpu-check.sh            pack, on a build machine: a jlink image of JDK 25 plus every jar the GPU tests
#                                and benchmarks need (jgrad core, nn, optim, transformer and quant for the training-step
#                                tests of GPT-2, LLaMA and QLoRA, JavaCPP, Jackson, the JUnit console launcher), into
#                                .gpu/ (git-ignored; under 64 MB)
#   .gpu/gpu-check.sh --run      on the GPU machine (NVIDIA driver + CUDA 13 runtime, cuBLAS, NVRTC installed):
#                                runs the GPU tests (JUnit console launcher), then the GPU benchmarks, and prints
#                                a table
#
# Environment: GPU_DIR (default <repo>/.gpu), JAVA_HOME (a JDK 25 for packing), CUDA_HOME (default
# /usr/local/cuda, for the run: its libraries are put on LD_LIBRARY_PATH).
set -euo pipefail

JUNIT_PLATFORM=1.14.1
MODULES=java.base,jdk.incubator.vector,jdk.unsupported,java.logging
# The GPU tests, plus the training step's CPU harness (which shows that the packed image runs the models).
GPU_TESTS=(dev.jgrad.cuda.AvailabilityTest dev.jgrad.cuda.CudaBackendGpuTest dev.jgrad.cuda.CudaKernelsGpuTest
           dev.jgrad.cuda.CudaMemoryGpuTest dev.jgrad.cuda.GpuTrainingStepTest dev.jgrad.cuda.CpuTrainingStepHarnessTest)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

find_jdk() {
  for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    if [[ -n "$j" && -x "$j/bin/jlink" ]] && "$j/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
      echo "$j"; return 0
    fi
  done
  echo "gpu-check: no JDK 25+ found (set JAVA_HOME)" >&2; return 1
}

pack() {
  local root; root=$(cd "$HERE/.." && pwd)
  local out=${GPU_DIR:-$root/.gpu}
  local jdk; jdk=$(find_jdk)
  export JAVA_HOME=$jdk PATH=$jdk/bin:$PATH
  echo "gpu-check: building jgrad-cuda and the modules it needs (tests compiled, not run)"
  rm -rf "$out"; mkdir -p "$out/lib"
  (cd "$root" && mvn -q -B -pl cuda -am -DskipTests package dependency:copy-dependencies \
      -DincludeScope=test -DoutputDirectory="$out/lib" \
      -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian)
  (cd "$root" && mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_PLATFORM \
      -DoutputDirectory="$out/lib")
  cp "$root"/cuda/target/jgrad-cuda-*.jar "$out/lib/"
  rm -f "$out"/lib/jgrad-cuda-*-tests.jar
  jar --create --file "$out/lib/jgrad-cuda-gpu-tests.jar" -C "$root/cuda/target/test-classes" .
  echo "gpu-check: jlink image of JDK 25 ($MODULES)"
  jlink --add-modules "$MODULES" --compress=zip-9 --strip-debug --no-header-files --no-man-pages --output "$out/jre"
  cp "$HERE/gpu-check.sh" "$out/gpu-check.sh"
  local jre lib total
  jre=$(du -sm "$out/jre" | cut -f1); lib=$(du -sm "$out/lib" | cut -f1); total=$(du -sm "$out" | cut -f1)
  echo "gpu-check: packed $out: jre ${jre} MB + jars ${lib} MB = ${total} MB"
  if (( $(du -sb "$out" | cut -f1) >= 64 * 1024 * 1024 )); then
    echo "gpu-check: ERROR: $out is over 64 MB" >&2; return 1
  fi
  echo "gpu-check: on the GPU machine run: $out/gpu-check.sh --run"
}

run() {
  local dir=$HERE
  [[ -x "$dir/jre/bin/java" ]] || dir=${GPU_DIR:-$(cd "$HERE/.." && pwd)/.gpu}
  [[ -x "$dir/jre/bin/java" ]] || { echo "gpu-check: no packed image in $dir (run cuda/gpu-check.sh first)" >&2; return 1; }
  local cuda=${CUDA_HOME:-/usr/local/cuda}
  for d in "$cuda/lib64" "$cuda/targets/x86_64-linux/lib" "$cuda/targets/sbsa-linux/lib"; do
    [[ -d "$d" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  local java=("$dir/jre/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g
              -cp "$dir/lib/*")
  local selects=()
  for c in "${GPU_TESTS[@]}"; do selects+=(--select-class "$c"); done
  echo "gpu-check: GPU tests"
  local status=0
  "${java[@]}" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
      --fail-if-no-tests "${selects[@]}" || status=$?
  echo "gpu-check: GPU benchmarks"
  local bench=0
  "${java[@]}" dev.jgrad.cuda.GpuBenchmarks || bench=$?
  if (( bench == 2 )); then
    echo "gpu-check: benchmarks skipped (no usable GPU, reason above)"
  elif (( bench != 0 )); then
    status=$bench
  fi
  return $status
}

case "${1:-}" in
  --run) run ;;
  ""|--pack) pack ;;
  *) echo "usage: $0 [--pack | --run]" >&2; exit 2 ;;
esac
