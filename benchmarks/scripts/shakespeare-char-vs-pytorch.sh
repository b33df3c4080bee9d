#!/usr/bin/env bash
# nanoGPT's Shakespeare-char recipe, jgrad and PyTorch back to back on this machine, and the per-step ratio.
#
#   benchmarks/scripts/shakespeare-char-vs-pytorch.sh [ITERS]     (default 2000, the full recipe)
#
# Both runs use 2 threads (jgrad: its pool; PyTorch: torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1) and the
# same data, model, schedule and evaluation. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the PyTorch run
# (they halve OpenBLAS speed on AVX-512 machines). Needs Debian's python3-torch (/usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
iters="${1:-2000}"
shared="${JGRAD_SHARED:-$root/../shared}"
out="$(mktemp -d)"

echo "== jgrad ($iters iterations)"
steps=(); [[ "$iters" != 2000 ]] && steps=(--steps "$iters")
"$root/jgrad" train --recipe shakespeare-char "${steps[@]}" --out "$out/jgrad" >"$out/jgrad.log" 2>&1 || true
grep -E "^(eval|recipe|finished)" "$out/jgrad.log" || { tail -20 "$out/jgrad.log"; exit 1; }
jgrad_ms=$(python3 - "$out/jgrad/metrics.csv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "train"]
ms = [float(r["ms"]) for r in rows[len(rows) // 10:]]   # skip the first 10% (JIT warm-up)
print(f"{statistics.median(ms):.2f}")
PY
)
jgrad_val=$(python3 -c "import csv,sys; r=[x for x in csv.DictReader(open('$out/jgrad/metrics.csv')) if x['kind']=='val']; print(r[-1]['loss'])")

echo "== PyTorch ($iters iterations)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/nanogpt_shakespeare_char.py" \
    --data "$shared/data/tinyshakespeare.txt" --iters "$iters" --threads 2 | tee "$out/torch.log" | grep -E "^(step|RESULT)"
torch_ms=$(sed -n 's/.*ms_per_step=\([0-9.]*\).*/\1/p' "$out/torch.log")
torch_val=$(sed -n 's/.*val_loss=\([0-9.]*\).*/\1/p' "$out/torch.log")

echo
printf "%-8s %-14s %-10s\n" "" "ms/step (median)" "val loss"
printf "%-8s %-14s %-10s\n" "jgrad" "$jgrad_ms" "$jgrad_val"
printf "%-8s %-14s %-10s\n" "PyTorch" "$torch_ms" "$torch_val"
python3 -c "print(f'per-step ratio (PyTorch / jgrad): {float($torch_ms)/float($jgrad_ms):.2f}x')"
echo "logs and run directory: $out"
