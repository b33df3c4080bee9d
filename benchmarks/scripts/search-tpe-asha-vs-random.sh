#!/usr/bin/env bash
# A real, small training search, run twice on the same space and seed: random search with every trial trained to
# the end, and TPE with ASHA pruning. Prints each search's best validation loss and the training steps it spent
# (the sum of every trial's steps, from study.jsonl), and TPE+ASHA's steps as a fraction of random search's.
#
#   benchmarks/scripts/search-tpe-asha-vs-random.sh [TRIALS] [STEPS]    (default 20 trials of 300 steps)
#
# The space: peak learning rate (log-uniform), warmup steps, width, dropout; a character-level GPT on
# tinyshakespeare evaluated every 25 steps (ASHA's rungs: steps 25 and 100, reduction factor 4).
# Needs the jgrad launcher (./jgrad builds the examples jar) and python3 to read the studies.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
trials="${1:-20}"
steps="${2:-300}"
data="${JGRAD_SHARED:-$root/../shared}/data/tinyshakespeare.txt"
out="${JGRAD_SEARCH_OUT:-$(mktemp -d)}"

common=(--data "$data" --tokenizer char --split head-tail:0.9 --no-clean --no-dedup --model gpt --layers 2 --heads 4 --block 64 --batch 16 --steps "$steps"
        --eval-interval 25 --eval-batches 8 --sample-tokens 0 --seed 1 --warmup 0
        --param lr=loguniform:1e-4:1e-2 --param warmup=int:0:100 --param dim=32,64,96 --param dropout=uniform:0:0.3
        --trials "$trials")

echo "== random search, $trials trials of $steps steps, no pruning"
"$root/jgrad" search "${common[@]}" --strategy random --out "$out/random" | grep -E "^(trial|  ->)" || true
echo "== TPE with ASHA, $trials trials of up to $steps steps"
"$root/jgrad" search "${common[@]}" --strategy tpe --pruner asha --out "$out/tpe-asha" | grep -E "^(trial|  ->)" || true

python3 - "$out/random/study.jsonl" "$out/tpe-asha/study.jsonl" <<'PY'
import json, sys
def summary(path):
    trials = [json.loads(l) for l in open(path) if l.strip()]
    done = [t for t in trials if t["state"] == "COMPLETE" and t["value"] is not None]
    return min(t["value"] for t in done), sum(t["steps"] for t in trials), len(trials), sum(t["state"] == "PRUNED" for t in trials)
rb, rs, rn, _ = summary(sys.argv[1])
tb, ts, tn, tp = summary(sys.argv[2])
print(f"random:   best validation loss {rb:.4f}, {rs} training steps over {rn} trials")
print(f"tpe+asha: best validation loss {tb:.4f}, {ts} training steps over {tn} trials ({tp} pruned)")
print(f"tpe+asha / random steps: {ts / rs:.2f}; best loss difference (tpe+asha - random): {tb - rb:+.4f}")
PY
echo "studies in $out"
