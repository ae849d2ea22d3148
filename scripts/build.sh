#!/usr/bin/env bash
# Configures and builds detour into build/ (or $DETOUR_BUILD_DIR).
# Extra arguments go to cmake's configure step; $DETOUR_BUILD_TARGET builds
# one target instead of all.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${DETOUR_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" ${DETOUR_BUILD_TARGET:+--target "$DETOUR_BUILD_TARGET"}
