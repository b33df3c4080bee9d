#!/usr/bin/env bash
# jgrad generate against llama2.c's run.c (float32) and runq.c (int8, groups of 32), whole processes as users run them.
#   benchmarks/scripts/generate-vs-llama2c.sh                      15M, 42M, 110M on 1 and 2 threads, 5 runs each
#   benchmarks/scripts/generate-vs-llama2c.sh --shapes 15M --threads 1 --runs 3
# The peers (../shared/peers/llama2c, MIT) are compiled into a temporary folder with gcc -Ofast -fopenmp -march=native;
# nothing of them enters the project. Each shape gets random weights (Llama2cRandomCheckpoints): model.bin for run.c
# and `jgrad generate`, model_q80.bin for runq.c, which jgrad matches with `--quant q8_0` (quantizing while loading).
# Every program decodes 256 positions greedily from BOS (255 new tokens). The four programs run one after the other
# in each round, rounds repeated --runs times, so load on the machine falls on all of them alike.
# Printed: cold = median whole-process wall time (JVM start, load, quantize, generate), steady = median tok/s as
# each program reports it (jgrad: "generated at X tokens/s"; llama2.c: "achieved tok/s"), and jgrad/peer ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
shapes=15M,42M,110M threads=1,2 runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shapes) shapes=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "generate-vs-llama2c: unknown option $1 (--shapes, --threads, --runs)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "generate-vs-llama2c: --runs must be a positive integer, got $runs" >&2; exit 2; }
peers=../shared/peers/llama2c tokenizer=../shared/data/llama2-tokenizer/tokenizer.bin
for f in "$peers/run.c" "$peers/runq.c" "$tokenizer"; do
  [[ -f $f ]] || { echo "generate-vs-llama2c: $f is missing" >&2; exit 2; }
done
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -Ofast -fopenmp -march=native -o "$tmp/run" "$peers/run.c" -lm
gcc -Ofast -fopenmp -march=native -o "$tmp/runq" "$peers/runq.c" -lm
./jgrad help >/dev/null 2>&1 || true            # builds the jar once, outside the timings
steps=256
results=$tmp/results.txt
: >"$results"

# one PROGRAM SHAPE THREADS: runs it once, appends "shape threads program wall_s tok_s"
one() {
  local prog=$1 shape=$2 t=$3 dir=$tmp/$2 err=$tmp/err.txt start end toks
  start=$(date +%s%N)
  case "$prog" in
    jgrad-f32)  JGRAD_JAVA_OPTS="-Djgrad.threads=$t" ./jgrad generate --checkpoint "$dir/model.bin" --format llama2c \
                  --prompt-ids 1 --temperature 0 --steps $((steps - 1)) --ids >/dev/null 2>"$err" ;;
    jgrad-q8_0) JGRAD_JAVA_OPTS="-Djgrad.threads=$t" ./jgrad generate --checkpoint "$dir/model.bin" --format llama2c \
                  --quant q8_0 --prompt-ids 1 --temperature 0 --steps $((steps - 1)) --ids >/dev/null 2>"$err" ;;
    run.c)      OMP_NUM_THREADS=$t "$tmp/run" "$dir/model.bin" -z "$tokenizer" -t 0 -n $steps >/dev/null 2>"$err" ;;
    runq.c)     OMP_NUM_THREADS=$t "$tmp/runq" "$dir/model_q80.bin" -z "$tokenizer" -t 0 -n $steps >/dev/null 2>"$err" ;;
  esac
  end=$(date +%s%N)
  toks=$(sed -n -e 's/.*generated at \([0-9.]*\) tokens\/s.*/\1/p' -e 's/^achieved tok\/s: \([0-9.]*\)/\1/p' "$err" | tail -1)
  [[ -n $toks ]] || { echo "generate-vs-llama2c: $prog printed no tok/s:" >&2; cat "$err" >&2; exit 1; }
  echo "$shape $t $prog $(( (end - start) / 1000000 )) $toks" >>"$results"
}

for shape in ${shapes//,/ }; do
  java benchmarks/src/main/java/dev/jgrad/benchmarks/Llama2cRandomCheckpoints.java "$shape" "$tmp/$shape" >/dev/null
  for t in ${threads//,/ }; do
    for ((r = 1; r <= runs; r++)); do
      echo "  $shape, $t thread(s), round $r/$runs" >&2
      # alternate the order from round to round
      if (( r % 2 )); then order="jgrad-f32 run.c jgrad-q8_0 runq.c"; else order="runq.c jgrad-q8_0 run.c jgrad-f32"; fi
      for prog in $order; do one "$prog" "$shape" "$t"; done
    done
  done
  rm -f "$tmp/$shape"/*.bin
done

# median of column COL for shape, threads, program
median() {
  awk -v s="$1" -v t="$2" -v p="$3" -v c="$4" '$1 == s && $2 == t && $3 == p {print $c}' "$results" | sort -g |
    awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo
echo "cold: whole-process wall seconds for $steps tokens (median of $runs runs); ratio = jgrad / peer (below 1: jgrad faster)"
printf '%-5s %-7s | %9s %9s %6s | %10s %9s %6s\n' shape threads jgrad-f32 run.c ratio jgrad-q8_0 runq.c ratio
for shape in ${shapes//,/ }; do for t in ${threads//,/ }; do
  a=$(median "$shape" "$t" jgrad-f32 4) b=$(median "$shape" "$t" run.c 4)
  c=$(median "$shape" "$t" jgrad-q8_0 4) d=$(median "$shape" "$t" runq.c 4)
  awk -v s="$shape" -v t="$t" -v a="$a" -v b="$b" -v c="$c" -v d="$d" \
    'BEGIN {printf "%-5s %-7s | %9.2f %9.2f %6.2f | %10.2f %9.2f %6.2f\n", s, t, a/1000, b/1000, a/b, c/1000, d/1000, c/d}'
done; done
echo
echo "steady: tokens/s as each program reports it (median of $runs runs); ratio = jgrad / peer (above 1: jgrad faster)"
printf '%-5s %-7s | %9s %9s %6s | %10s %9s %6s\n' shape threads jgrad-f32 run.c ratio jgrad-q8_0 runq.c ratio
for shape in ${shapes//,/ }; do for t in ${threads//,/ }; do
  a=$(median "$shape" "$t" jgrad-f32 5) b=$(median "$shape" "$t" run.c 5)
  c=$(median "$shape" "$t" jgrad-q8_0 5) d=$(median "$shape" "$t" runq.c 5)
  awk -v s="$shape" -v t="$t" -v a="$a" -v b="$b" -v c="$c" -v d="$d" \
    'BEGIN {printf "%-5s %-7s | %9.1f %9.1f %6.2f | %10.1f %9.1f %6.2f\n", s, t, a, b, a/b, c, d, c/d}'
done; done
