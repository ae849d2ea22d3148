#!/bin/sh
# gen_preload_seeds.sh BUILD_DIR — regenerates fuzz/corpus/preload_blob/
# from the JSON seeds of fuzz/corpus/preload_compile/ with the build's
# detour_preload_compile, after a change of the blob format. Each blob is
# written three times, behind the fuzz target's mode byte (fuzz/
# fuzz_preload_blob.c): 0 as is, 1 checksum recomputed, 2 opened trusted.
# truncated.bin is a blob cut inside its header; png.bin is kept.
set -eu
build=${1:?usage: gen_preload_seeds.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
in=$src/fuzz/corpus/preload_compile
out=$src/fuzz/corpus/preload_blob
tool=$build/detour_preload_compile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed() { # NAME JSON BLOCK
  "$tool" "$in/$2.json" -o "$tmp/$1.bin" --date 2026-06-01 --block "$3" >/dev/null
  for m in 0 1 2; do
    { printf "\\00$m"; cat "$tmp/$1.bin"; } >"$out/$1-m$m.bin"
  done
}
seed chromium-2016-head-b16 chromium-2016-head 16
seed list-2026-head-b16 list-2026-head 16
seed small-b16 small 16
seed small-b2 small 2
seed empty-b16 empty 16
seed empty-b2 empty 2
head -c 60 "$out/small-b2-m0.bin" >"$out/truncated.bin"
