#!/usr/bin/env bash
# Quickstart: install what is missing, build, and run detour's main job on
# the built-in default — `detour demo`: a throw-away site on 127.0.0.1 plays
# demo.test (http → 301 → https with an HSTS header, two form endpoints),
# and detour navigates it twice with a throw-away store. The first visit
# goes out over http; the second becomes a synthetic "307 Internal
# Redirect" with nothing sent to port 80; a POST becomes GET after 302 and
# stays POST after 307. Nothing leaves the machine; your HSTS store is not
# touched. Exit status 0 means every expectation the demo checks held.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
DETOUR_BUILD_DIR=build ./scripts/build.sh -DDETOUR_BUILD_TESTS=OFF -DDETOUR_BUILD_BENCH=OFF
echo
echo "\$ build/detour demo"
exec build/detour demo "$@"
