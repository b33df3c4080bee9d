#!/usr/bin/env bash
# Fuzzes jgrad's file parsers with Jazzer (coverage-guided, libFuzzer underneath) for a bounded time per target.
#
#   benchmarks/scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 seconds, every target
#   benchmarks/scripts/fuzz.sh 10                                    what CI runs (about two minutes in all)
#   benchmarks/scripts/fuzz.sh 300 SafetensorsFuzzTest               one parser, five minutes
#   benchmarks/scripts/fuzz.sh --seeds                              rewrite the seed corpus and fixtures (FuzzSeeds)
#
# The targets are the *FuzzTest classes of examples/src/test/java/dev/jgrad/examples/fuzz, one fuzz test each.
# Plain `mvn verify` runs them in regression mode (their seed corpus and saved crashes only); here JAZZER_FUZZ=1
# makes each one fuzz in a JVM of its own (Jazzer fuzzes one test per JVM) with a 1 GiB heap, so a parser that
# allocates what a header claims fails as an OutOfMemoryError instead of paging. A finding fails the run: Jazzer
# stores the input under src/test/resources/dev/jgrad/examples/fuzz/<Target>Inputs/<method>/, where the regression
# mode replays it from then on (commit it with the fix). The growing corpus lives in examples/.cifuzz-corpus/
# (ignored by git). Each fuzz test's @Timeout becomes libFuzzer's per-input timeout (a hang is a finding); JUnit's
# own timeout, which would stop the whole fuzzing run, is disabled here.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z ${JAVA_HOME:-} || ! -x $JAVA_HOME/bin/javac ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"

if [[ ${1:-} == --seeds ]]; then
  cp=$(mktemp)
  trap 'rm -f "$cp"' EXIT
  # In one reactor run, so that the jgrad modules on the class path are this tree's target/classes.
  mvn -q -B -pl examples -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp"
  java --add-modules=jdk.incubator.vector -cp "examples/target/test-classes:examples/target/classes:$(cat "$cp")" \
    dev.jgrad.examples.fuzz.FuzzSeeds
  exit
fi

seconds=${1:-60}
[[ $# -gt 0 ]] && shift
if [[ ! $seconds =~ ^[0-9]+$ || $seconds -lt 1 ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for f in examples/src/test/java/dev/jgrad/examples/fuzz/*FuzzTest.java; do targets+=("$(basename "$f" .java)"); done
fi
for t in "${targets[@]}"; do
  if [[ ! -f examples/src/test/java/dev/jgrad/examples/fuzz/$t.java ]]; then
    echo "fuzz.sh: no fuzz target $t (the targets are the *FuzzTest classes in examples/src/test/java/dev/jgrad/examples/fuzz)" >&2
    exit 2
  fi
done

echo "fuzzing ${#targets[@]} target(s), ${seconds}s each: ${targets[*]}"
list=$(IFS=,; echo "${targets[*]}")
set +e   # the pipeline's first status is Maven's: a finding fails the run
JAZZER_FUZZ=1 mvn -B -pl examples -am test \
  -Dtest="$list" -Dsurefire.failIfNoSpecifiedTests=false -DreuseForks=false \
  -Djazzer.max_duration="${seconds}s" -Djunit.jupiter.execution.timeout.mode=disabled \
  -Djgrad.fuzz.instrument='dev.jgrad.**,com.fasterxml.jackson.**' \
  -Djgrad.examples.argLine="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading -Xmx1g -XX:+UseParallelGC -Djava.awt.headless=true" \
  | grep -E '^(INFO: using inputs from: .*cifuzz-corpus|#[0-9]+ +(DONE|pulse)|Done [0-9]+ runs|==|artifact_prefix|\[(INFO|ERROR)\] (Tests run|Running|BUILD|Failed)|.*FuzzTestFinding|Caused by|	at dev\.jgrad)'
status=${PIPESTATUS[0]}
exit "$status"
