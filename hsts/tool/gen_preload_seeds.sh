#!/bin/sh
# gen_preload_seeds.sh BUILD_DIR — regenerates fuzz/corpus/preload_blob/
# from the JSON seeds of fuzz/corpus/preload_compile/ with the build's
# detour_preload_compile, after a change of the blob format. Each blob is
# written three times, behind the fuzz target's mode byte (fuzz/
# fuzz_preload_blob.c): 0 as is, 1 checksum recomputed, 2 opened trusted.
# truncated.bin is a blob cut inside its header; png.bin is kept. (An
# empty list no longer compiles: empty.json stays a compile seed only.)
set -eu
build=${1:?usage: gen_preload_seeds.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
in=$src/fuzz/corpus/preload_compile
out=$src/fuzz/corpus/preload_blob
tool=$build/detour_preload_compile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed() { # NAME JSON
  "$tool" "$in/$2.json" -o "$tmp/$1.bin" --date 2026-06-01 >/dev/null
  for m in 0 1 2; do
    { printf "\\00$m"; cat "$tmp/$1.bin"; } >"$out/$1-m$m.bin"
  done
}
rm -f "$out"/*-m[012].bin
seed chromium-2016-head chromium-2016-head
seed list-2026-head list-2026-head
seed small small
seed overrides overrides
head -c 60 "$out/small-m0.bin" >"$out/truncated.bin"
