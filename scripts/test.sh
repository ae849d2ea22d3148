#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with ASan+UBSan and
# -Werror, once per TLS backend (build-test-openssl/, build-test-mbedtls/;
# the benchmarks too, so they keep compiling; they
# are run by hand, docs/benchmarks.md), runs every test with ctest, then
# fuzzes every libFuzzer target for FUZZ_SECONDS (30) each with clang
# (scripts/fuzz.sh; FUZZ_SECONDS=0 skips it).
# `.ci/run` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Both TLS backends, each through the whole suite: the default (OpenSSL 3 on
# Debian 12, which has TLS 1.3) and Mbed TLS (the project's own choice, TLS
# 1.2 with Debian's 2.28). docs/tls.md says why there are two.
status=0
for tls in openssl mbedtls; do
  dir=build-test-$tls
  echo "test: TLS backend $tls ($dir)"
  DETOUR_BUILD_DIR=$dir ./scripts/build.sh -DDETOUR_SANITIZE=ON -DDETOUR_WERROR=ON \
    -DDETOUR_BUILD_TESTS=ON -DDETOUR_BUILD_BENCH=ON -DDETOUR_TLS=$tls
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)" "$@") || status=1
done
# The small-device IDNA backend (-DDETOUR_IDNA=libidn2): the URL tests, with
# its differences from browsers listed in tests/url-known-failures-libidn2.txt.
echo "test: IDNA backend libidn2 (build-test-idn2, unit.test_url)"
DETOUR_BUILD_DIR=build-test-idn2 DETOUR_BUILD_TARGET=test_url ./scripts/build.sh \
  -DDETOUR_SANITIZE=ON -DDETOUR_WERROR=ON -DDETOUR_BUILD_TESTS=ON -DDETOUR_IDNA=libidn2
(cd build-test-idn2 && ctest --output-on-failure -R '^unit\.test_url$') || status=1
if [ "${FUZZ_SECONDS:-30}" != 0 ]; then
  echo "test: bounded fuzzing, ${FUZZ_SECONDS:-30}s per target (scripts/fuzz.sh)"
  ./scripts/fuzz.sh || status=1
fi
exit $status
