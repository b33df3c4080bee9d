#!/usr/bin/env bash
# The Shakespeare-char recipe with the randomness taken out: PyTorch trains from its initial weights on its batches
# and writes both; jgrad trains from the same weights on the same batches (through the same Trainer as
# `./jgrad train --recipe shakespeare-char`). Prints the largest per-step loss difference over the first 400 steps,
# the losses every 250 steps, and both final losses over the whole validation split.
#
#   benchmarks/scripts/shakespeare-char-parity.sh [ITERS]     (default 2000; about 6 minutes on 2 cores)
#
# Needs Debian's python3-torch (/usr/bin/python3) and a built benchmarks jar (mvn -DskipTests install).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
iters="${1:-2000}"
data="${JGRAD_SHARED:-$root/../shared}/data/tinyshakespeare.txt"
out="$(mktemp -d)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

echo "== PyTorch ($iters iterations)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/nanogpt_shakespeare_char.py" \
    --data "$data" --iters "$iters" --threads 2 --save-init "$out/init.safetensors" --offsets "$out/offsets.txt" \
    --losses "$out/torch.txt" --full-val | tee "$out/torch.log" | grep -E "^(RESULT|FULLVAL)"

echo "== jgrad, same initial weights and batches"
"$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$root/benchmarks/target/benchmarks.jar" dev.jgrad.benchmarks.ShakespeareParity \
    "$data" "$out/init.safetensors" "$out/offsets.txt" "$out/jgrad.txt" 2>/dev/null | tee "$out/jgrad.log" | grep -E "^(initial|FULLVAL)"

python3 - "$out/torch.txt" "$out/jgrad.txt" <<'PY'
import sys
t = [float(l.split()[1]) for l in open(sys.argv[1])]
j = [float(l.split()[1]) for l in open(sys.argv[2])]
n = min(400, len(t))
print(f"max |loss difference|, steps 0-{n - 1}: {max(abs(a - b) for a, b in zip(t[:n], j[:n])):.2e}")
print(f"{'step':>6} {'PyTorch':>10} {'jgrad':>10}")
for i in range(0, len(t), 250):
    print(f"{i:>6} {t[i]:>10.6f} {j[i]:>10.6f}")
print(f"{len(t) - 1:>6} {t[-1]:>10.6f} {j[-1]:>10.6f}")
PY
echo "files: $out"
