#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with ASan+UBSan and
# -Werror into build-test/ (the benchmarks too, so they keep compiling; they
# are run by hand, docs/benchmarks.md), runs every test with ctest.
# `.ci/run` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
DETOUR_BUILD_DIR=build-test ./scripts/build.sh -DDETOUR_SANITIZE=ON -DDETOUR_WERROR=ON \
  -DDETOUR_BUILD_TESTS=ON -DDETOUR_BUILD_BENCH=ON
cd build-test
ctest --output-on-failure -j"$(nproc)" "$@"
