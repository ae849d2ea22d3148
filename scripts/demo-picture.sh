#!/usr/bin/env bash
# Remakes docs/img/demo.png, the README's picture: `detour demo --html`'s
# page as headless Chromium draws it (1200x1200, the first two steps), its
# colours reduced to a 256-colour palette so the file stays small (the
# screenshot has ~2,600 colours, most of them text anti-aliasing).
#   scripts/demo-picture.sh [DETOUR_BINARY]     (default: build/detour)
# Needs chromium and python3 (scripts/setup.sh --test installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/detour}
out=docs/img/demo.png
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" demo --html "$tmp/demo" >/dev/null
HOME="$tmp" timeout 120 chromium --headless --no-sandbox --disable-gpu \
  --no-first-run --disable-extensions --hide-scrollbars \
  --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$tmp/profile" \
  --window-size=1200,1200 --screenshot="$tmp/shot.png" \
  "file://$tmp/demo/index.html" 2>/dev/null
mkdir -p docs/img
python3 - "$tmp/shot.png" "$out" <<'PY'
import struct, sys, zlib

def chunks(data):
    pos = 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        yield data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
idat = b""
for kind, body in chunks(data):
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
assert depth == 8 and ctype in (2, 6) and lace == 0
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows = bytearray(stride), []
for y in range(h):  # PNG's row filters undone
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + ((a + b) >> 1)) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append([bytes(line[i:i + 3]) for i in range(0, stride, bpp)])
    prev = line
count = {}
for r in rows:
    for px in r:
        count[px] = count.get(px, 0) + 1
palette = sorted(count, key=count.get, reverse=True)[:256]  # the most used
index = {c: i for i, c in enumerate(palette)}
for c in count:  # every other colour: the nearest in the palette
    if c not in index:
        index[c] = min(range(len(palette)),
                       key=lambda j: sum((x - y) ** 2 for x, y in zip(c, palette[j])))
pixels = b"".join(b"\0" + bytes(index[px] for px in r) for r in rows)

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
       + chunk(b"PLTE", b"".join(palette)) + chunk(b"IDAT", zlib.compress(pixels, 9))
       + chunk(b"IEND", b""))
open(dst, "wb").write(png)
print(f"{dst}: {w}x{h}, {len(count)} colours -> {len(palette)}, {len(png)} bytes")
PY
