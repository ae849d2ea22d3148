#!/usr/bin/env bash
# Quickstart: install what building and running detour needs, build the
# detour command and libdetour, and run detour's main job on the built-in
# default — `detour demo`: a throw-away site on 127.0.0.1 plays demo.test
# (http → 301 → https with an HSTS header, two form endpoints), and detour
# navigates it twice with a throw-away store. The first visit goes out over
# http; the second becomes a synthetic "307 Internal Redirect" with nothing
# sent to port 80; a POST becomes GET after 302 and stays POST after 307.
# Nothing leaves the machine; your HSTS store is not touched.
#
# One line a step on the screen; what the steps print goes to
# build/quickstart.log, whose last lines are shown if a step fails:
#   [1/3] installing packages…   scripts/setup.sh: the toolchain and libraries,
#                                only those missing; no server, no service
#   [2/3] building build/detour… the targets detour_cli and detour_shared
#                                (the CLI and libdetour.a/.so), not the tests,
#                                benches or fuzzers (scripts/test.sh builds those)
#   [3/3] running detour demo    the demo's own output, last on the screen
# Exit status: a failed step's own, else the demo's (0: every expectation
# the demo checks held).
# DETOUR_QUICKSTART_DIR=DIR builds in DIR instead of build/;
# DETOUR_QUICKSTART_SKIP_INSTALL=1 skips step 1 (the packages are there, or
# you install them yourself: scripts/setup.sh --print lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${DETOUR_QUICKSTART_DIR:-build}
mkdir -p "$build"
log=$build/quickstart.log
: >"$log"

# step N TITLE COMMAND...: runs COMMAND with its output in the log, and says
# on one line whether it worked. On a failure: the log's last lines and its
# path, and the command's exit status as the script's.
step() {
  local n=$1 title=$2 start=$SECONDS status=0
  shift 2
  printf '[%s/3] %s… ' "$n" "$title"
  printf '\n== [%s/3] %s (%s)\n' "$n" "$title" "$*" >>"$log"
  "$@" >>"$log" 2>&1 || status=$?
  if [ $status -ne 0 ]; then
    echo "failed (exit $status)"
    {
      echo "quickstart: step $n failed; the last lines of $log:"
      tail -n 20 "$log" | sed 's/^/  /'
      echo "quickstart: the whole log is $log"
    } >&2
    exit $status
  fi
  echo "done ($((SECONDS - start)) s)"
}

if [ -n "${DETOUR_QUICKSTART_SKIP_INSTALL:-}" ]; then
  echo "[1/3] installing packages… skipped (DETOUR_QUICKSTART_SKIP_INSTALL)"
else
  step 1 "installing packages" ./scripts/setup.sh
fi
# Only the CLI and the library: the configure step is told tests and benches
# are off, so it needs none of the test command's packages either.
build_cli() {
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDETOUR_BUILD_TESTS=OFF \
    -DDETOUR_BUILD_BENCH=OFF -DDETOUR_FUZZ=OFF &&
    cmake --build "$build" -j"$(nproc)" --target detour_cli detour_shared
}
step 2 "building $build/detour" build_cli
echo "[3/3] running detour demo"
echo
exec "$build/detour" demo "$@"
