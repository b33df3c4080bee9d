#!/usr/bin/env bash
# Hostile-input sweep of the ./jgrad CLI: feeds each command broken, malicious or borderline files and options and
# classifies what it does with them. Bounded (every case runs under `timeout 60`) and self-contained: it builds
# nothing, it crafts every file it uses in a fresh temporary directory outside the repository, and it calls the
# launcher by absolute path from there (so relative paths are the user's, as they would be).
#
#   benchmarks/scripts/hostile-inputs.sh            the sweep (needs the CLI jar: mvn -B -DskipTests package -pl examples -am)
#   KEEP=1 benchmarks/scripts/hostile-inputs.sh     keep the working directory (its path is printed) to look at outputs
#
# Outcomes, one line per case, then a summary table:
#   OK               rc 0 on an input that is legitimately fine
#   CLEAR            rc != 0 with a short message on stderr (at most 3 non-empty lines) and no stack trace
#   MESSY            rc != 0, no stack trace, but more than 3 lines on stderr or none at all
#   REFUSED-VALID    rc != 0 on an input that should have worked
#   STACKTRACE       "\tat ", "Exception in thread" or "Caused by" in stdout or stderr
#   HANG             killed by the 60-second timeout (rc 124)
#   DATA-LOST        a file that existed before the case (every input and pre-existing output is hashed with
#                    sha256 before and after) was deleted or changed
#   GARBAGE-ACCEPTED rc 0 on an input that should have been refused
#   LEFTOVER         the case's own extra check failed (a failed run left a directory, a printed path that does not
#                    exist, ...)
# Exit status: 1 if any case is STACKTRACE, HANG or DATA-LOST, else 0.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
JGRAD=$REPO/jgrad
if [[ -z ${JAVA_HOME:-} || ! -x $JAVA_HOME/bin/java ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"
command -v python3 >/dev/null || { echo "hostile-inputs.sh: python3 is needed to craft the files" >&2; exit 2; }
T0=$(date +%s)
WORK=$(mktemp -d /tmp/jgrad-hostile.XXXXXX)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2
echo "working directory: $WORK"
mkdir -p .cases

declare -A COUNT
CASES=0
FAILED_CASES=()
hash_path() { # one line per file under $1 (or MISSING)
  if [[ -d $1 && ! -L $1 ]]; then (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); echo "dir"
  elif [[ -e $1 || -L $1 ]]; then sha256sum "$1" 2>/dev/null || echo unreadable; [[ -L $1 ]] && readlink "$1"
  else echo MISSING; fi
}
# case NAME EXPECT [WATCH...] -- COMMAND...      EXPECT: ok (must work), refuse (must fail), any (either is fine)
# Set CHECK to a shell snippet that must succeed after the command (run in $WORK; $OUTF/$ERRF hold the output).
case_() {
  local name=$1 expect=$2; shift 2
  local watch=()
  while [[ $1 != -- ]]; do watch+=("$1"); shift; done; shift
  CASES=$((CASES + 1))
  local id; id=$(printf '%02d' "$CASES")
  OUTF=.cases/$id.out ERRF=.cases/$id.err
  local before=() w
  for w in "${watch[@]}"; do before+=("$(hash_path "$w")"); done
  local t=$SECONDS
  timeout 60 "$@" >"$OUTF" 2>"$ERRF" </dev/null
  local rc=$? secs=$((SECONDS - t)) cls lost=""
  for i in "${!watch[@]}"; do
    [[ $(hash_path "${watch[$i]}") == "${before[$i]}" ]] || lost+=" ${watch[$i]}"
  done
  local lines; lines=$(grep -c . "$ERRF")
  if [[ $rc == 124 ]]; then cls=HANG
  elif [[ -n $lost ]]; then cls=DATA-LOST
  elif grep -qE $'\tat |Exception in thread|Caused by' "$OUTF" "$ERRF"; then cls=STACKTRACE
  elif [[ -n ${CHECK:-} ]] && ! (eval "$CHECK") >/dev/null 2>&1; then cls=LEFTOVER
  elif [[ $rc == 0 ]]; then [[ $expect == refuse ]] && cls=GARBAGE-ACCEPTED || cls=OK
  elif [[ $expect == ok ]]; then cls=REFUSED-VALID
  elif ((lines >= 1 && lines <= 3)); then cls=CLEAR
  else cls=MESSY; fi
  CHECK=""
  COUNT[$cls]=$(( ${COUNT[$cls]:-0} + 1 ))
  local msg; msg=$(grep . "$ERRF" | tail -1 | cut -c1-150)
  [[ $cls == MESSY ]] && msg="$(grep . "$ERRF" | head -1 | cut -c1-110) (+$((lines - 1)) lines)"
  [[ $rc == 0 ]] && msg=""
  printf '%s %-16s %-44s rc=%-3s %3ss %s%s\n' "$id" "$cls" "$name" "$rc" "$secs" "${lost:+lost:$lost }" "$msg"
  case $cls in OK | CLEAR) ;; *) FAILED_CASES+=("$id $cls $name") ;; esac
}
J=$JGRAD
TINY=(--dim 32 --layers 1 --heads 2 --block 32 --batch 4 --eval-batches 2 --sample-tokens 0)

# ---------------------------------------------------------------- fixtures (crafted here, small)
python3 - <<'EOF'
import random
r = random.Random(1)
words = "the of and to in that he shall unto for i his a lord they be is him not them it with all thou thy was god".split()
with open("corpus.txt", "w") as f:
    for p in range(3000):
        f.write(" ".join(r.choice(words) for _ in range(r.randint(8, 20))).capitalize() + ".\n")
        if p % 10 == 9: f.write("\n")
open("random.bin", "wb").write(bytes(r.getrandbits(8) for _ in range(4096)))
EOF
: >empty.txt
mkdir emptydir

# ---------------------------------------------------------------- launcher, legitimate runs
case_ "train tiny (base run)" ok -- $J train --data embedded:kjv "${TINY[@]}" --steps 30 --eval-interval 10 --out base
if [[ ! -f base/checkpoints/best/model.safetensors ]]; then echo "the base run failed; see $WORK/.cases/01.err" >&2; KEEP=1; exit 2; fi
case_ "--version by absolute path" ok -- $J --version
ln -s "$J" jg; ln -s jg jg2
case_ "launcher through a symlink" ok -- ./jg --version
case_ "launcher through a symlink to a symlink" ok -- ./jg2 --version
case_ "launcher symlink: train --help" ok -- ./jg train --help
case_ "unknown command" refuse -- $J frobnicate
case_ "train: unknown option" refuse -- $J train --data corpus.txt --stpes 5
case_ "finetune tiny (adapter)" ok base -- $J finetune --base base --data embedded:fortunes --steps 5 --eval-interval 5 \
  --batch 2 --block 32 --r 4 --eval-batches 2 --out ft
case_ "merge base+adapter" ok base ft/adapter -- $J merge --base base --adapter ft/adapter --out merged
case_ "generate from merge output" ok merged -- $J generate --checkpoint merged --steps 8 --seed 1
case_ "generate --checkpoint RUN_DIR" ok base -- $J generate --checkpoint base --steps 8 --seed 1
case_ "generate --checkpoint RUN/checkpoints/last" ok base -- $J generate --checkpoint base/checkpoints/last --steps 8
case_ "generate --quant q8_0" ok merged -- $J generate --checkpoint merged --steps 8 --quant q8_0
case_ "generate --quant bogus" refuse merged -- $J generate --checkpoint merged --steps 8 --quant bogus
case_ "generate --checkpoint missing" refuse -- $J generate --checkpoint nothing-here --steps 8
case_ "generate --temperature NaN" refuse merged -- $J generate --checkpoint merged --steps 8 --temperature NaN
case_ "generate --top-p 5" refuse merged -- $J generate --checkpoint merged --steps 8 --top-p 5
case_ "generate --steps -1" refuse merged -- $J generate --checkpoint merged --steps -1
case_ "generate --prompt-ids -5" refuse merged -- $J generate --checkpoint merged --prompt-ids -5 --steps 4
case_ "generate --prompt-ids 2147483647" refuse merged -- $J generate --checkpoint merged --prompt-ids 2147483647 --steps 4
case_ "train plain file, default options, --steps 50" ok corpus.txt -- $J train --data corpus.txt --steps 50 --out plain
case_ "train --warmup default, --steps 5" ok -- $J train --data corpus.txt "${TINY[@]}" --tokenizer char --steps 5 --eval-interval 5 --out w5
case_ "train --steps 1" ok -- $J train --data corpus.txt "${TINY[@]}" --tokenizer char --steps 1 --eval-interval 1 --out s1

# ---------------------------------------------------------------- resume
cp -r base ext
case_ "--resume RUN --steps 40 extends" ok -- $J train --resume ext --steps 40
CHECK='grep -q "\"step\" : 40" ext/checkpoints/last/training.json' \
case_ "  (extended run's last checkpoint at step 40)" ok -- true
setsid $J train --data corpus.txt "${TINY[@]}" --tokenizer char --steps 100000 --eval-interval 5 \
  --checkpoint-every-steps 5 --out killed >/dev/null 2>&1 &
KPID=$!
for _ in $(seq 60); do [[ -f killed/checkpoints/last/training.json ]] && break; sleep 1; done
sleep 2
kill -9 -- -"$KPID" 2>/dev/null; wait "$KPID" 2>/dev/null
KSTEP=$(python3 -c 'import json;print(json.load(open("killed/checkpoints/last/training.json"))["step"])' 2>/dev/null || echo 0)
CHECK='python3 -c "import json,sys;sys.exit(json.load(open(\"killed/checkpoints/last/training.json\"))[\"step\"]!=$((KSTEP + 10)))"' \
case_ "kill -9 train (step $KSTEP) then --resume" ok -- $J train --resume killed --steps $((KSTEP + 10))
case_ "--resume missing dir" refuse -- $J train --resume no-such-run --steps 5
case_ "--resume a non-run dir" refuse emptydir -- $J train --resume emptydir --steps 5
for bad in -5 1099511627776 '"abc"'; do
  rm -rf tj; cp -r base tj
  python3 - "$bad" <<'EOF'
import re, sys
for c in ("best", "last"):
    p = f"tj/checkpoints/{c}/training.json"
    s = open(p).read()
    open(p, "w").write(re.sub(r'"step" : \d+', '"step" : ' + sys.argv[1], s, count=1))
EOF
  case_ "training.json step $bad: --resume" refuse tj/checkpoints -- $J train --resume tj --steps 60
done
case_ "training.json step \"abc\": generate" any tj/checkpoints -- $J generate --checkpoint tj --steps 4

# ---------------------------------------------------------------- train: refusals
CHECK='[[ ! -e newrun ]]' case_ "train --data missing.txt leaves no dir" refuse -- $J train --data missing.txt --out newrun
CHECK='[[ ! -e newrun ]]' case_ "train --data empty file" refuse empty.txt -- $J train --data empty.txt "${TINY[@]}" --out newrun
CHECK='[[ ! -e newrun ]]' case_ "train --data empty dir" refuse emptydir -- $J train --data emptydir "${TINY[@]}" --out newrun
rm -rf newrun
case_ "train --data random bytes" any random.bin -- $J train --data random.bin "${TINY[@]}" --tokenizer char --steps 2 --eval-interval 2 --out rnd
case_ "train --out existing run" refuse base -- $J train --data corpus.txt "${TINY[@]}" --steps 2 --out base
cp -r base ow
case_ "train --out RUN --overwrite, --data missing" refuse ow -- $J train --data missing.txt --overwrite --out ow
case_ "train --out / " refuse -- $J train --data corpus.txt "${TINY[@]}" --steps 2 --out /
case_ "train --out . (cwd, not empty)" refuse corpus.txt -- $J train --data corpus.txt "${TINY[@]}" --steps 2 --out .
CHECK='[[ ! -e runs ]]' JGRAD_JAVA_OPTS=-Djgrad.shared=$WORK/no-shared \
case_ "train --recipe shakespeare-char, no data" refuse -- $J train --recipe shakespeare-char --steps 5
CHECK='[[ ! -e runs ]]' \
case_ "train --recipe shakespeare-char --data missing" refuse -- $J train --recipe shakespeare-char --data missing-shakespeare.txt --steps 5
case_ "train --recipe bogus" refuse -- $J train --recipe bogus
bad_opt() { # train with one of its tiny settings replaced by a hostile value (each option given once)
  local -A o=([--dim]=32 [--layers]=1 [--heads]=2 [--block]=32 [--batch]=4 [--eval-batches]=2 [--sample-tokens]=0
    [--tokenizer]=char [--steps]=4 [--eval-interval]=2)
  local k args=()
  o[$1]=$2
  for k in "${!o[@]}"; do args+=("$k" "${o[$k]}"); done
  case_ "train $1 $2" "${3:-refuse}" -- $J train --data corpus.txt "${args[@]}" --out badopt; rm -rf badopt
}
bad_opt --lr Infinity
bad_opt --lr NaN
bad_opt --lr -1
bad_opt --clip NaN
bad_opt --clip -1
bad_opt --eval-interval -1
bad_opt --eval-interval 0 any   # validated as ">= 0": 0 is taken as a setting (the help does not say what it means)
bad_opt --patience -1
bad_opt --batch 1000000
bad_opt --batch 0
bad_opt --layers 100000
bad_opt --layers 0
bad_opt --heads 0
bad_opt --dim 33
bad_opt --kv-heads 3
bad_opt --block 0
bad_opt --steps -1
bad_opt --eval-batches 1e9
bad_opt --eval-batches 1000000000
bad_opt --grad-accum 1e9
bad_opt --grad-accum 0
bad_opt --warmup -1
bad_opt --dropout 2
bad_opt --split docs:2,0,0
bad_opt --tokenizer bpe:0
bad_opt --tokenizer missing-tokenizer.json
bad_opt --model foo
bad_opt --seed abc

# ---------------------------------------------------------------- search
CHECK='! grep -ohE "/[^ ]*best\.json" $OUTF $ERRF | while read -r p; do [[ -e $p ]] || exit 1; done' \
case_ "search: every trial fails" refuse -- $J search --data corpus.txt "${TINY[@]}" --tokenizer char --steps 4 \
  --eval-interval 2 --param dim=33,35 --trials 2 --out srch
case_ "search: no --param" refuse -- $J search --data corpus.txt --steps 4 --out srch2
case_ "search: --param lr=loguniform:3:1" refuse -- $J search --data corpus.txt --steps 4 --param lr=loguniform:3:1 --out srch3

# ---------------------------------------------------------------- merge / quantize / export: outputs over inputs
mkdir unrelated; echo "precious" >unrelated/notes.txt
case_ "merge --out dir with an unrelated file" refuse unrelated base ft/adapter -- $J merge --base base --adapter ft/adapter --out unrelated
case_ "merge --out = base run dir" refuse base ft/adapter -- $J merge --base base --adapter ft/adapter --out base
case_ "merge --out = base checkpoint, --overwrite" refuse base ft/adapter -- $J merge --base base/checkpoints/best --adapter ft/adapter --out base/checkpoints/best --overwrite
case_ "merge --out = adapter dir" refuse base ft/adapter -- $J merge --base base --adapter ft/adapter --out ft/adapter
case_ "merge --out = adapter dir, --overwrite" refuse base ft/adapter -- $J merge --base base --adapter ft/adapter --out ft/adapter --overwrite
had_root=$(ls / | sha256sum)
CHECK='[[ $(ls / | sha256sum) == "$had_root" ]]' \
case_ "merge --out /" refuse base ft/adapter -- $J merge --base base --adapter ft/adapter --out /
case_ "merge --adapter missing" refuse base -- $J merge --base base --adapter nowhere --out m2
cp -r ft/adapter nan
python3 - <<'EOF'
import json, struct
p = "nan/adapter_model.safetensors"
b = bytearray(open(p, "rb").read())
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
for k, v in h.items():
    if k == "__metadata__": continue
    s, e = v["data_offsets"]
    for o in range(8 + n + s, 8 + n + e, 4): b[o:o + 4] = struct.pack("<f", float("nan"))
open(p, "wb").write(b)
EOF
CHECK='[[ ! -e m-nan ]]' case_ "merge a NaN adapter" refuse nan base -- $J merge --base base --adapter nan --out m-nan
peft() { rm -rf "$1"; cp -r ft/adapter "$1"; python3 -c "import json,sys;p='$1/adapter_config.json';d=json.load(open(p));d['$2']=json.loads(sys.argv[1]);json.dump(d,open(p,'w'))" "$3"; }
peft pr r 1099511627776; case_ "adapter_config r: 1099511627776" refuse pr -- $J merge --base base --adapter pr --out m-r
peft pr0 r 0;            case_ "adapter_config r: 0" refuse pr0 -- $J merge --base base --adapter pr0 --out m-r0
peft pra lora_alpha '"x"'; case_ "adapter_config lora_alpha: \"x\"" refuse pra -- $J merge --base base --adapter pra --out m-ra
peft prt target_modules '"re:("'; case_ "adapter_config target_modules: \"re:(\"" refuse prt -- $J merge --base base --adapter prt --out m-rt
cp -r ft/adapter pj; echo '{"r": 4,' >pj/adapter_config.json
case_ "adapter_config.json malformed" refuse pj -- $J merge --base base --adapter pj --out m-pj

cp merged/model.safetensors target.safetensors; ln -s target.safetensors link.safetensors
case_ "quantize --in link --out its target" refuse target.safetensors -- $J quantize --in link.safetensors --out target.safetensors
case_ "quantize --in link --out target --overwrite" refuse target.safetensors -- $J quantize --in link.safetensors --out target.safetensors --overwrite
case_ "quantize merged model" ok merged -- $J quantize --in merged/model.safetensors --out q.safetensors
case_ "quantize --out existing, no --overwrite" refuse q.safetensors merged -- $J quantize --in merged/model.safetensors --out q.safetensors
case_ "quantize --blocksize 0" refuse merged -- $J quantize --in merged/model.safetensors --out q0.safetensors --blocksize 0

case_ "export gguf" ok merged -- $J export --checkpoint merged --format gguf --out m.gguf
case_ "generate from exported gguf" ok m.gguf -- $J generate --checkpoint m.gguf --steps 8
case_ "export to existing file, no --overwrite" refuse m.gguf merged -- $J export --checkpoint merged --format gguf --out m.gguf
case_ "export gguf --out = input, --overwrite" refuse m.gguf -- $J export --checkpoint m.gguf --format gguf --out m.gguf --overwrite
case_ "export safetensors --out = input dir" refuse merged -- $J export --checkpoint merged --format safetensors --out merged --overwrite
case_ "export --type bogus" refuse merged -- $J export --checkpoint merged --format gguf --type bogus --out x.gguf

# ---------------------------------------------------------------- corrupt checkpoint files
hfcopy() { rm -rf "$1"; cp -r merged "$1"; }
hfcopy tr; truncate -s 3000 tr/model.safetensors
case_ "safetensors truncated" refuse tr -- $J generate --checkpoint tr --steps 4
hfcopy em; : >em/model.safetensors
case_ "safetensors empty" refuse em -- $J generate --checkpoint em --steps 4
hfcopy rb; cp random.bin rb/model.safetensors
case_ "safetensors random bytes" refuse rb -- $J generate --checkpoint rb --steps 4
hfcopy hl; python3 -c "import struct;open('hl/model.safetensors','wb').write(struct.pack('<Q',1<<62)+b'{}')"
case_ "safetensors header length 2^62" refuse hl -- $J generate --checkpoint hl --steps 4
python3 - <<'EOF'
import json, struct
h = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(300000)}
b = json.dumps(h).encode()
open("zeros.safetensors", "wb").write(struct.pack("<Q", len(b)) + b)
EOF
case_ "safetensors 300k zero-length tensors: quantize" any zeros.safetensors -- $J quantize --in zeros.safetensors --out z.safetensors
hfcopy zt; cp zeros.safetensors zt/model.safetensors
case_ "safetensors 300k zero-length tensors: generate" refuse zt -- $J generate --checkpoint zt --steps 4
hfconf() { hfcopy "$1"; python3 -c "import json,sys;p='$1/config.json';d=json.load(open(p));d['$2']=json.loads(sys.argv[1]);json.dump(d,open(p,'w'))" "$3"; }
hfconf c1 num_hidden_layers 1000000000; case_ "config.json num_hidden_layers 1e9" refuse c1 -- $J generate --checkpoint c1 --steps 4
hfconf c2 tie_word_embeddings '"yes"';  case_ "config.json tie_word_embeddings \"yes\"" refuse c2 -- $J generate --checkpoint c2 --steps 4
hfconf c3 hidden_size -32;              case_ "config.json hidden_size -32" refuse c3 -- $J generate --checkpoint c3 --steps 4
hfconf c4 vocab_size 0;                 case_ "config.json vocab_size 0" refuse c4 -- $J generate --checkpoint c4 --steps 4
hfconf c5 num_attention_heads 3;        case_ "config.json num_attention_heads 3 (32/3)" refuse c5 -- $J generate --checkpoint c5 --steps 4
hfcopy c6; echo '[' >c6/config.json;   case_ "config.json malformed" refuse c6 -- $J generate --checkpoint c6 --steps 4
hfcopy tk1; python3 -c "import json;p='tk1/tokenizer.json';d=json.load(open(p));k=next(iter(d['model']['vocab']));d['model']['vocab'][k]=-5;json.dump(d,open(p,'w'))"
case_ "tokenizer.json id -5" refuse tk1 -- $J generate --checkpoint tk1 --prompt hello --steps 4
hfcopy tk2; python3 -c "import json;p='tk2/tokenizer.json';d=json.load(open(p));k=next(iter(d['model']['vocab']));d['model']['vocab'][k]=2147483647;json.dump(d,open(p,'w'))"
case_ "tokenizer.json id 2147483647" refuse tk2 -- $J generate --checkpoint tk2 --prompt hello --steps 4
hfcopy tk3; echo '{' >tk3/tokenizer.json
case_ "tokenizer.json malformed" refuse tk3 -- $J generate --checkpoint tk3 --prompt hello --steps 4

# llama2.c: a small valid model (random weights) and its hostile variants
python3 - <<'EOF'
import struct, random
dim, hid, L, H, KV, V, S = 32, 96, 1, 2, 2, 64, 32
hs = dim // H
n = V*dim + L*dim + L*dim*dim + 2*L*dim*(KV*hs) + L*dim*dim + L*dim + 3*L*hid*dim + dim + S*hs
r = random.Random(2)
with open("l2c.bin", "wb") as f:
    f.write(struct.pack("<7i", dim, hid, L, H, KV, V, S))
    f.write(struct.pack(f"<{n}f", *[r.uniform(-0.1, 0.1) for _ in range(n)]))
def tok(path, count):
    with open(path, "wb") as f:
        f.write(struct.pack("<i", 4))
        for i in range(count):
            b = bytes([65 + i % 26]) * (1 + i // 26)
            f.write(struct.pack("<fi", 0.0, len(b)) + b)
tok("tok64.bin", 64); tok("tok10.bin", 10)
with open("l2c-7b.bin", "wb") as f: f.write(struct.pack("<7i", 4096, 11008, 32, 32, 32, 32000, 2048))
dim, hid, L, V, S = 4096, 11008, 32, 32000, 2048
n = V*dim + L*dim*2 + 4*L*dim*dim + 3*L*hid*dim + dim + S*(dim//32)
open("size-7b", "w").write(str(28 + 4*n))
with open("l2c-neg.bin", "wb") as f: f.write(struct.pack("<7i", -32, 96, 1, 2, 2, 64, 32) + b"\0" * 1024)
EOF
truncate -s "$(cat size-7b)" l2c-7b.bin
case_ "llama2.c small model, --prompt-ids" ok l2c.bin -- $J generate --checkpoint l2c.bin --prompt-ids "1 2 3" --ids --steps 4
case_ "llama2.c + tokenizer.bin of 64 ids" ok l2c.bin tok64.bin -- $J generate --checkpoint l2c.bin --tokenizer tok64.bin --prompt AB --steps 4
case_ "llama2.c + tokenizer.bin with fewer ids" refuse l2c.bin tok10.bin -- $J generate --checkpoint l2c.bin --tokenizer tok10.bin --prompt AB --steps 4
case_ "llama2.c sparse file claiming 7B" any -- $J generate --checkpoint l2c-7b.bin --prompt-ids 1 --ids --steps 2
case_ "llama2.c negative dim" refuse l2c-neg.bin -- $J generate --checkpoint l2c-neg.bin --prompt-ids 1 --steps 2
head -c 20 l2c.bin >l2c-short.bin
case_ "llama2.c truncated header" refuse l2c-short.bin -- $J generate --checkpoint l2c-short.bin --format llama2c --prompt-ids 1 --steps 2
head -c 3000 l2c.bin >l2c-trunc.bin
case_ "llama2.c truncated weights" refuse l2c-trunc.bin -- $J generate --checkpoint l2c-trunc.bin --prompt-ids 1 --steps 2
: >empty.bin
case_ "llama2.c empty .bin" refuse empty.bin -- $J generate --checkpoint empty.bin --prompt-ids 1 --steps 2
case_ "llama2.c random bytes" refuse random.bin -- $J generate --checkpoint random.bin --format llama2c --prompt-ids 1 --steps 2

# GGUF made by export, then broken
head -c 4000 m.gguf >trunc.gguf
case_ "gguf truncated" refuse trunc.gguf -- $J generate --checkpoint trunc.gguf --steps 4
: >empty.gguf
case_ "gguf empty" refuse empty.gguf -- $J generate --checkpoint empty.gguf --steps 4
(printf 'GGUF'; cat random.bin) >rnd.gguf
case_ "gguf magic + random bytes" refuse rnd.gguf -- $J generate --checkpoint rnd.gguf --steps 4
python3 -c "import struct;open('huge.gguf','wb').write(b'GGUF'+struct.pack('<IQQ',3,1<<60,1<<60))"
case_ "gguf tensor count 2^60" refuse huge.gguf -- $J generate --checkpoint huge.gguf --steps 4
case_ "export gguf from truncated gguf" refuse trunc.gguf -- $J export --checkpoint trunc.gguf --format gguf --out t2.gguf
cp -r base jt; truncate -s 100 jt/checkpoints/best/model.safetensors jt/checkpoints/last/model.safetensors
case_ "jgrad checkpoint truncated: generate" refuse jt -- $J generate --checkpoint jt --steps 4
case_ "jgrad checkpoint truncated: --resume" refuse jt -- $J train --resume jt --steps 40
case_ "finetune --base missing" refuse -- $J finetune --base nowhere --data embedded:fortunes --steps 2 --out ft2
case_ "finetune --out existing run" refuse base ft -- $J finetune --base base --data embedded:fortunes --steps 2 --out ft

# ---------------------------------------------------------------- serve
case_ "serve missing checkpoint" refuse -- $J serve --checkpoint nothing-here --port 0
case_ "serve --port -1" refuse merged -- $J serve --checkpoint merged --port -1
case_ "serve --port 99999" refuse merged -- $J serve --checkpoint merged --port 99999
case_ "serve truncated safetensors" refuse tr -- $J serve --checkpoint tr --port 0

# ---------------------------------------------------------------- summary
n() { echo "${COUNT[$1]:-0}"; }
echo
echo "| cases | OK | clear errors | messy errors | refused valid | stack traces | hangs | data lost | garbage accepted | leftovers |"
echo "|------:|---:|-------------:|-------------:|--------------:|-------------:|------:|----------:|-----------------:|----------:|"
printf '| %5s | %2s | %12s | %12s | %13s | %12s | %5s | %9s | %16s | %9s |\n' "$CASES" "$(n OK)" "$(n CLEAR)" "$(n MESSY)" \
  "$(n REFUSED-VALID)" "$(n STACKTRACE)" "$(n HANG)" "$(n DATA-LOST)" "$(n GARBAGE-ACCEPTED)" "$(n LEFTOVER)"
echo "runtime: $(( $(date +%s) - T0 ))s"
if ((${#FAILED_CASES[@]})); then
  echo; echo "cases that are neither OK nor CLEAR (outputs in $WORK/.cases/ID.out, .err; KEEP=1 keeps them):"
  printf '  %s\n' "${FAILED_CASES[@]}"
fi
(( $(n STACKTRACE) + $(n HANG) + $(n DATA-LOST) == 0 ))
