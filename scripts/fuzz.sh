#!/usr/bin/env bash
# Bounded fuzzing: builds every libFuzzer target with clang (ASan+UBSan,
# build-test-fuzz/) and runs each for FUZZ_SECONDS (default 30) from a copy
# of its seed corpus (fuzz/corpus/<name>/, with fuzz/<name>.dict when there
# is one), two at a time. A crash, a leak, a sanitizer report or a timeout
# fails the run; what was found stays in build-test-fuzz/findings/. The
# repository's seeds are never modified. scripts/test.sh runs this after the
# two backends; run it alone with a longer time to dig deeper:
#   FUZZ_SECONDS=300 ./scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-30}
DIR=${DETOUR_FUZZ_DIR:-build-test-fuzz}
CC=clang DETOUR_BUILD_DIR=$DIR ./scripts/build.sh -DCMAKE_C_COMPILER=clang \
  -DDETOUR_FUZZ=ON -DDETOUR_BUILD_TESTS=OFF -DDETOUR_BUILD_BENCH=OFF \
  -DDETOUR_BUILD_CLI=OFF >/dev/null
if [ $# -gt 0 ]; then targets=("$@"); else
  targets=()
  for src in fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi
rm -rf "$DIR/findings" "$DIR/fuzz-work"
mkdir -p "$DIR/findings" "$DIR/fuzz-work"
run_one() { # TARGET: prints one line, exit status is the fuzzer's
  local t=$1 name=${1#fuzz_} work="$DIR/fuzz-work/${1#fuzz_}"
  mkdir -p "$work/corpus" "$DIR/findings/$name"
  cp -r "fuzz/corpus/$name/." "$work/corpus/" 2>/dev/null || true
  local dict=()
  [ -f "fuzz/$name.dict" ] && dict=("-dict=fuzz/$name.dict")
  if "$DIR/fuzz/$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$DIR/findings/$name/" \
      "${dict[@]}" "$work/corpus" >"$work/log" 2>&1; then
    echo "fuzz: $t ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$') runs in ${SECS}s"
  else
    echo "fuzz: $t FAILED (log: $work/log, inputs: $DIR/findings/$name/)"
    tail -30 "$work/log"
    return 1
  fi
}
export -f run_one
export DIR SECS
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
