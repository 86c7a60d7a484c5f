#!/usr/bin/env bash
# Fuzzing campaign over the readers: ./fuzz.sh [duration per target, default 5m] [target ...]
# Needs JAVA_HOME pointing to a JDK 25 and the dependencies in ~/.m2 (run "mvn test" once).
# Targets: the @FuzzTest methods of core/src/test/java/dev/jrwkv/fuzz/ReaderFuzzTest.java.
# Crashing inputs land in core/src/test/resources/dev/jrwkv/fuzz/ReaderFuzzTestInputs/<target>/.
set -u
cd "$(dirname "$0")"
duration=${1:-5m}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(pyTorch safetensors gguf rwkvCpp worldVocabulary tokenizerJson stateFile stateTuning
           modelLoadPyTorch modelLoadSafetensors modelLoadGguf modelLoadRwkvCpp)
fi
mkdir -p target/fuzz
for t in "${targets[@]}"; do
  mkdir -p "core/src/test/resources/dev/jrwkv/fuzz/ReaderFuzzTestInputs/$t"
  echo "== $t ($duration)"
  mvn -B -q -o -Pfuzz test -pl core -Dtest="ReaderFuzzTest#$t" -Djazzer.max_duration="$duration" > "target/fuzz/$t.log" 2>&1
  echo "   exit $?; $(grep -E '^#[0-9]+.*(DONE|pulse|NEW)' "target/fuzz/$t.log" | tail -1)"
  grep -E 'stat::number_of_executed_units|FuzzTestFinding|Exception:' "target/fuzz/$t.log" | head -5
done
