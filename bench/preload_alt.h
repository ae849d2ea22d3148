/* preload_alt.h — bench_preload's fourth peer: an EXACT alternative layout of
 * the preload list, built in the bench from the same names, to measure how
 * far a different exact layout gets toward issue 4's 10 M lookups/s within
 * 700 KB (docs/preload-format.md, "Tried and dropped"). Not used by detour;
 * included by bench_preload.c only. It answers Chromium's rule (the deepest
 * entry decides) as a yes/no; bench_preload checks it against the blob on
 * every name of its mix.
 *
 * Layout (693,419 bytes for the 2026 list, 94,600 names):
 *  - keys: lowercase host names reversed character by character
 *    ("www.example.com" -> "moc.elpmaxe.www"), sorted bytewise, in blocks of
 *    32; front coding (p = characters shared with the previous key) restarts
 *    every ALT_R = 4 entries;
 *  - implied prefix: every key of block b shares the first
 *    c_b = common leading bytes of separators b and b+1 (<= 8); a restart
 *    entry stores only its characters from c_b on (context: character
 *    c_b - 1), so nothing in a block refers to characters < c_b and the
 *    host's key is coded from c_b on;
 *  - each key's own suffix in one MSB-first bit stream, order-1 canonical
 *    Huffman code (context = the previous key character, 40 x 39 code
 *    lengths), ~4.1 bits a character;
 *  - per entry 2 bytes: meta = h4 << 4 | min(p - c_b, 15) (h4: top nibble
 *    of the key hash; p - c_b: shared characters beyond the block's implied
 *    prefix, 0 at restarts; >= 15 in a sorted escape table: 109 entries,
 *    1,419 when p itself was stored) and S = h1 << 7 | suffix bits (h1: hash
 *    bit 59, a fifth hash bit read with one movemask; 127: escape table,
 *    120 entries in 77 blocks);
 *  - per block 12 bytes: separator (shortest prefix of the first key that
 *    is greater than the previous key, <= 8 bytes, zero-padded, u64) and
 *    bit offset (u32; bit 31 = block has an S escape, bit 30 = block has an
 *    entry without include_subdomains, bit 29 = separator cut to 8 bytes);
 *    an entry's offset is the block's plus the S of the entries before it
 *    (two SSE2 SADs), so no per-restart offsets are stored;
 *  - a binary fuse filter (Graf & Lemire 2022), 3-wise, 6-bit fingerprints
 *    (ALT_FUSEB; 5 saves 14 KB), segments of 2048 cells, ~7.1 bits a
 *    name, ~1.6% false positives (the Bloom filter it replaced: 6 bits a
 *    name, ~7%); positions and fingerprint from the key hash;
 *  - a 256-bit map (hash & 255) of the one-label keys: the top-level label
 *    skips the filter unless its bit is set (51 such keys);
 *  - the entries without include_subdomains: sorted u32 list.
 * Derived at open (not in the blob, ~12.5 KB): every 16th and 256th
 * separator (3-level 16-way search, ~1.8 KB), the code table (40 x 64 u32,
 * 10 KB), the byte tables (512 B).
 *
 * Lookup (no allocation): strip trailing dots, copy the host to the stack
 * (two overlapping moves for 8..32 bytes), lowercase + validate + find dots
 * (SSE2, scalar fallback), check labels; hash every ancestor (words read
 * from the host's right end = key order); fuse filter (the top-level
 * label only if its bit is set in the one-label map); the deepest passing
 * ancestor's block is located (3 x count of 16 separators <= key prefix)
 * and prefetched; the host key is coded (two characters a step) from that
 * block's c_b up to that ancestor (recoded only when a later block has another c_b); per passing
 * ancestor, deepest first: 5-bit hash match over the block's 32 meta and
 * S bytes, p < m
 * and code-length check (cum[p] + S == cum[m]), suffix bits compared with
 * the host's code, then the entries that set its prefix (at most 3 back to
 * the restart) found by SSE2 "last entry before here with p < lim" hops and
 * compared the same way. Earlier blocks are searched only after a cut
 * separator equal to the key's prefix. The first entry found decides
 * (Chromium: the deepest entry decides).
 * -DALT_NO_SIMD builds the portable path (no SSE2) instead. */
#ifndef DETOUR_BENCH_PRELOAD_ALT_H
#define DETOUR_BENCH_PRELOAD_ALT_H
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/bytes.h"
#include "hsts/preload_format.h"
#if defined(__SSE2__) && !defined(ALT_NO_SIMD)
#include <emmintrin.h>
#define ALT_SSE2 1
#endif

#define ALT_B 32u
#ifndef ALT_RR
#define ALT_RR 4
#endif
#define ALT_R ((size_t)ALT_RR) /* front coding restarts every ALT_R entries (<= 16) */
#define ALT_NR (ALT_B / ALT_R)
#define ALT_NS 40u     /* symbols 1..39, 0 = invalid / START context */
#define ALT_DOTSYM 1u
#define ALT_MAXLEN 24
#ifndef ALT_FUSEB
#define ALT_FUSEB 6 /* binary fuse filter: bits a fingerprint */
#endif
#define ALT_PRE 8   /* bytes of a block's separator (u64) */

typedef struct { uint32_t entry; uint32_t val; } alt_esc;

typedef struct alt {
  size_t n, nblocks, bytes, stream_bytes;
  uint8_t *stream, *meta, *S;
  uint64_t *pre;
  uint32_t *boff;
  alt_esc *escp, *escs; size_t nescp, nescs;
  uint32_t *noinc; size_t nnoinc;
  uint64_t tld[4]; /* bit hash & 255: a one-label key (a top-level domain) */
  uint8_t *fuse; uint64_t fscl; uint32_t fseg, fsegm; size_t fcells; /* binary fuse filter */
  uint8_t sym[256];   /* ASCII -> code symbol 1..39 (0x80: invalid) */
  uint8_t lower[256]; /* ASCII -> key byte (lowercase), 0: invalid */
  uint32_t code[ALT_NS * 64]; /* [ctx*64+sym] = code << 5 | len (derived) */
  uint64_t *top1; size_t ntop1; /* every 256th block prefix; top is padded to 16 * ntop1 */
  uint64_t *top; size_t ntop, ttopstep; /* every 16th block prefix (derived at open, 8 B per 16 blocks) */
} alt;

static inline uint64_t alt_ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t alt_be64(uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return v;
#else
  return __builtin_bswap64(v);
#endif
}
static inline uint64_t alt_bits(const uint8_t *b, size_t off) { return alt_be64(alt_ld64(b + (off >> 3))) << (off & 7); }
static inline int alt_bits_eq(const uint8_t *x, size_t xo, const uint8_t *y, size_t yo, size_t n) {
  while (n > 56) {
    if ((alt_bits(x, xo) ^ alt_bits(y, yo)) >> 8) return 0;
    xo += 56; yo += 56; n -= 56;
  }
  return !((alt_bits(x, xo) ^ alt_bits(y, yo)) >> (63 - n) >> 1);
}
static inline uint64_t alt_final(uint64_t s, size_t n) {
  s = (s ^ (uint64_t)n) * 0xFF51AFD7ED558CCDULL; return s ^ (s >> 32);
}
/* key bytes k[0..m), words big-endian, the last zero-padded */
static inline uint64_t alt_keyword(const uint8_t *k, size_t n, size_t q) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = v << 8 | (8 * q + i < n ? k[8 * q + i] : 0);
  return v;
}
static uint64_t alt_key_hash(const uint8_t *k, size_t m) {
  uint64_t s = 0;
  for (size_t q = 0; 8 * q <= m; q++) s = dt__preload_hstep(s, alt_keyword(k, m, q)); /* the last word may be empty */
  return alt_final(s, m);
}
/* characters every key of a block shares: common leading bytes of its
 * separator and the next block's (big-endian words) */
static inline size_t alt_cpre(uint64_t x, uint64_t y) {
  uint64_t d = x ^ y;
  return d ? (size_t)__builtin_clzll(d) >> 3 : 8;
}
static inline uint32_t alt_ffp(uint64_t x) { return (uint32_t)(x >> 11) & ((1u << ALT_FUSEB) - 1); }
static inline uint32_t alt_fcell(const uint8_t *f, size_t i) {
  size_t bit = (size_t)ALT_FUSEB * i; uint32_t v; memcpy(&v, f + (bit >> 3), 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v >> (bit & 7);
}
static inline void alt_fpos(const alt *a, uint64_t x, size_t *p) {
  size_t h0 = (size_t)(((x >> 32) * a->fscl) >> 32);
  p[0] = h0; p[1] = (h0 + a->fseg) ^ (size_t)((x >> 18) & a->fsegm); p[2] = (h0 + 2 * (size_t)a->fseg) ^ (size_t)(x & a->fsegm);
}
static inline int alt_fhas(const alt *a, uint64_t h) {
  size_t p[3]; alt_fpos(a, h, p);
  return ((alt_fcell(a->fuse, p[0]) ^ alt_fcell(a->fuse, p[1]) ^ alt_fcell(a->fuse, p[2]) ^ alt_ffp(h)) & ((1u << ALT_FUSEB) - 1)) == 0;
}
/* binary fuse filter (Graf & Lemire 2022), 3-wise: peel, then assign in reverse */
static int alt_fuse_build(alt *a, const uint64_t *hs, size_t n) {
  /* segment length 2^floor(log(n) / log(3.33) + 2.25), size factor max(1.125, 0.875 + 0.25 log(1e6) / log(n)) */
  unsigned lb = 0; while (lb < 63 && (size_t)1 << (lb + 1) <= n) lb++;
  double l2 = lb + ((double)n / (double)((size_t)1 << lb) - 1); /* log2 n, piecewise linear */
  uint32_t seg = 1u << (unsigned)(l2 / 1.7355 + 2.25); if (seg > 262144) seg = 262144;
  double sf = 0.875 + 0.25 * 19.93 / (l2 > 1 ? l2 : 1); if (sf < 1.125) sf = 1.125;
#ifdef ALT_FUSESF
  sf = ALT_FUSESF;
#endif
  size_t cap = (size_t)((double)n * sf + 0.5), nseg = (cap + seg - 1) / seg; nseg = nseg > 2 ? nseg - 2 : 1;
  size_t cells = (nseg + 2) * seg;
  cells += 8 * (size_t)seg; /* room for the retries */
  uint8_t *cnt = malloc(cells); uint64_t *xh = malloc(cells * 8); size_t *q = malloc(cells * sizeof *q);
  uint64_t *sh = malloc(n * 8); size_t *si = malloc(n * sizeof *si);
  a->fuse = calloc((cells * ALT_FUSEB + 7) / 8 + 8, 1);
  if (!cnt || !xh || !q || !sh || !si || !a->fuse) return -1;
  int ok = 0;
  for (unsigned r = 0; r < 8 && !ok; r++, nseg += !ok) { /* a failed peel: one more segment */
    cells = (nseg + 2) * seg;
    a->fseg = seg; a->fsegm = seg - 1; a->fscl = (uint64_t)nseg * seg; a->fcells = cells;
    memset(cnt, 0, cells); memset(xh, 0, cells * 8);
    for (size_t i = 0; i < n; i++) { uint64_t x = hs[i]; size_t p[3]; alt_fpos(a, x, p); for (int k = 0; k < 3; k++) { cnt[p[k]]++; xh[p[k]] ^= x; } }
    size_t nq = 0, ns = 0;
    for (size_t c = 0; c < cells; c++) if (cnt[c] == 1) q[nq++] = c;
    while (nq) {
      size_t c = q[--nq];
      if (cnt[c] != 1) continue;
      uint64_t x = xh[c]; size_t p[3]; alt_fpos(a, x, p);
      sh[ns] = x; si[ns++] = c;
      for (int k = 0; k < 3; k++) { cnt[p[k]]--; xh[p[k]] ^= x; if (cnt[p[k]] == 1) q[nq++] = p[k]; }
    }
    ok = ns == n;
    if (!ok) continue;
    memset(a->fuse, 0, (cells * ALT_FUSEB + 7) / 8 + 8);
    for (size_t t = ns; t-- > 0;) {
      uint64_t x = sh[t]; size_t p[3]; alt_fpos(a, x, p);
      uint32_t v = (alt_ffp(x) ^ alt_fcell(a->fuse, p[0]) ^ alt_fcell(a->fuse, p[1]) ^ alt_fcell(a->fuse, p[2])) & ((1u << ALT_FUSEB) - 1);
      size_t bit = (size_t)ALT_FUSEB * si[t]; /* the cell is 0 so far: the XOR above did not include it */
      for (int k = 0; k < ALT_FUSEB; k++) if (v >> k & 1) a->fuse[(bit + (size_t)k) >> 3] |= (uint8_t)(1u << ((bit + (size_t)k) & 7));
    }
  }
  free(cnt); free(xh); free(q); free(sh); free(si);
  return ok ? 0 : -1;
}

/* ---------------- builder ---------------- */
static const char k_alt_order[] = ".-0123456789_abcdefghijklmnopqrstuvwxyz"; /* sym 1..39 */
typedef struct { uint8_t *k; size_t n; int inc; } alt_key;
static int alt_cmp(const void *x, const void *y) {
  const alt_key *a = x, *b = y; size_t m = a->n < b->n ? a->n : b->n;
  int c = memcmp(a->k, b->k, m); return c ? c : (a->n > b->n) - (a->n < b->n);
}
static void alt_lengths(const uint64_t *freq, uint8_t *len, size_t ns) {
  uint64_t w[64];
  for (size_t i = 0; i < ns; i++) w[i] = freq[i] + 1;
  for (;;) {
    uint64_t wt[128]; int parent[128], live[128]; size_t m = ns;
    for (size_t i = 0; i < ns; i++) { wt[i] = w[i]; live[i] = 1; parent[i] = -1; }
    for (size_t it = 0; it + 1 < ns; it++) {
      size_t a = SIZE_MAX, b = SIZE_MAX;
      for (size_t i = 0; i < m; i++) {
        if (!live[i]) continue;
        if (a == SIZE_MAX || wt[i] < wt[a]) { b = a; a = i; } else if (b == SIZE_MAX || wt[i] < wt[b]) b = i;
      }
      wt[m] = wt[a] + wt[b]; live[m] = 1; parent[m] = -1; live[a] = live[b] = 0; parent[a] = parent[b] = (int)m; m++;
    }
    int ok = 1;
    for (size_t i = 0; i < ns; i++) { int d = 0; for (int j = (int)i; parent[j] >= 0; j = parent[j]) d++; len[i] = (uint8_t)d; ok &= d <= ALT_MAXLEN; }
    if (ok) return;
    for (size_t i = 0; i < ns; i++) w[i] = (w[i] >> 1) + 1;
  }
}
static void alt_put(uint8_t *out, size_t *pos, uint32_t code, unsigned len) {
  for (unsigned i = len; i-- > 0;) { if (code >> i & 1) out[*pos >> 3] |= (uint8_t)(0x80u >> (*pos & 7)); (*pos)++; }
}
static size_t alt_find_esc(const alt_esc *e, size_t n, size_t i) {
  size_t lo = 0, hi = n;
  while (lo < hi) { size_t mid = (lo + hi) / 2; if (e[mid].entry < i) lo = mid + 1; else hi = mid; }
  return e[lo].val;
}

static int alt_build(alt *a, const char *const *names, const unsigned char *inc, size_t n) {
  memset(a, 0, sizeof *a);
  memset(a->sym, 0x80, 256); /* invalid */
  a->sym[0] = ALT_DOTSYM; /* the zero bytes in front of a host are coded as dots (never compared) */
  for (size_t i = 0; i + 1 < sizeof k_alt_order; i++) {
    a->sym[(unsigned char)k_alt_order[i]] = (uint8_t)(i + 1);
    a->sym[(unsigned char)toupper((unsigned char)k_alt_order[i])] = (uint8_t)(i + 1);
    a->lower[(unsigned char)k_alt_order[i]] = (uint8_t)k_alt_order[i];
    a->lower[(unsigned char)toupper((unsigned char)k_alt_order[i])] = (uint8_t)k_alt_order[i];
  }
  alt_key *ks = calloc(n, sizeof *ks);
  if (!ks) return -1;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(names[i]);
    ks[i].k = malloc(len + 8);
    if (!ks[i].k) return -1; /* a bench: exits on failure */
    for (size_t j = 0; j < len; j++) ks[i].k[j] = (uint8_t)tolower((unsigned char)names[i][len - 1 - j]);
    ks[i].n = len; ks[i].inc = inc[i];
  }
  qsort(ks, n, sizeof *ks, alt_cmp);
  size_t *P = calloc(n, sizeof *P), nbk = (n + ALT_B - 1) / ALT_B;
  uint64_t *sepv = calloc(nbk + 1, 8);
  uint8_t *cutv = calloc(nbk + 1, 1);
  if (!P || !sepv || !cutv) return -1;
  /* separator of every block: the shortest prefix of its first key that is
   * greater than the previous key (B-tree style), at most 8 bytes,
   * zero-padded; cut = it needed more than 8 */
  for (size_t b = 1; b < nbk; b++) {
    size_t i = b * ALT_B, L = 0;
    while (L < ks[i].n && L < ks[i - 1].n && ks[i].k[L] == ks[i - 1].k[L]) L++;
    L++;
    sepv[b] = alt_keyword(ks[i].k, L < ks[i].n ? L : ks[i].n, 0);
    cutv[b] = L > 8;
  }
  sepv[nbk] = ~0ULL;
  static uint64_t freq[ALT_NS][ALT_NS];
  memset(freq, 0, sizeof freq);
  for (size_t i = 0; i < n; i++) {
    size_t p = 0;
    if (i % ALT_R) while (p < ks[i].n && p < ks[i - 1].n && ks[i].k[p] == ks[i - 1].k[p]) p++;
    else p = alt_cpre(sepv[i / ALT_B], sepv[i / ALT_B + 1]); /* restart: the block's implied prefix is not stored */
    P[i] = p;
    for (size_t j = p; j < ks[i].n; j++) freq[j ? a->sym[ks[i].k[j - 1]] : 0][a->sym[ks[i].k[j]]]++;
  }
  for (size_t c = 0; c < ALT_NS; c++) {
    uint8_t cl[ALT_NS];
    alt_lengths(freq[c] + 1, cl + 1, ALT_NS - 1);
    uint32_t code = 0; unsigned prev = 0;
    for (unsigned l = 1; l <= ALT_MAXLEN; l++)
      for (size_t s = 1; s < ALT_NS; s++)
        if (cl[s] == l) { code <<= l - prev; prev = l; a->code[c * 64 + s] = code << 5 | l; code++; }
  }
  a->n = n; a->nblocks = (n + ALT_B - 1) / ALT_B;
  a->meta = calloc(n + 64, 1); a->S = calloc(n + 64, 1);
  a->pre = calloc((a->nblocks + 15) / 16 * 16 + 16, 8); a->boff = calloc(a->nblocks, 4);
  a->escp = calloc(n + 1, sizeof *a->escp); a->escs = calloc(n + 1, sizeof *a->escs);
  a->noinc = calloc(n + 1, 4);
  size_t cap = 16; for (size_t i = 0; i < n; i++) cap += ks[i].n * ALT_MAXLEN / 8 + 1;
  a->stream = calloc(cap, 1);
  uint64_t *fh = calloc(n + 1, 8);
  if (!a->meta || !a->S || !a->pre || !a->boff || !a->escp ||
      !a->escs || !a->noinc || !a->stream || !fh)
    return -1;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    size_t p = P[i], at = pos;
    if (i % ALT_B == 0) {
      a->boff[i / ALT_B] = (uint32_t)pos;
      /* separator: the shortest prefix of this key greater than the
       * previous key (B-tree style), at most 8 bytes, zero-padded; a block
       * search over separators finds a listed key's block without ties
       * unless the two keys share 8 bytes or more */
      a->pre[i / ALT_B] = sepv[i / ALT_B];
      if (cutv[i / ALT_B]) a->boff[i / ALT_B] |= 0x20000000u; /* separator cut to 8 bytes: the key may be in an earlier block */
    }
    for (size_t j = p; j < ks[i].n; j++) {
      uint32_t e = a->code[(j ? a->sym[ks[i].k[j - 1]] : 0) * 64 + a->sym[ks[i].k[j]]];
      alt_put(a->stream, &pos, e >> 5, e & 31);
    }
    size_t bits = pos - at;
    uint64_t h = alt_key_hash(ks[i].k, ks[i].n);
    /* meta: p relative to the block's implied prefix c_b; restart: 0 (the implied prefix counts as coded in zero bits) */
    p = i % ALT_R ? p - alt_cpre(sepv[i / ALT_B], sepv[i / ALT_B + 1]) : 0;
    a->meta[i] = (uint8_t)((h >> 60) << 4 | (p < 15 ? p : 15));
    if (p >= 15) a->escp[a->nescp++] = (alt_esc){(uint32_t)i, (uint32_t)p};
    a->S[i] = (uint8_t)((bits < 127 ? bits : 127) | ((h >> 59) & 1) << 7); /* hash bit 59 | suffix bits (127: escape) */
    if (bits >= 127) { a->escs[a->nescs++] = (alt_esc){(uint32_t)i, (uint32_t)bits}; a->boff[i / ALT_B] |= 0x80000000u; }
    if (!ks[i].inc) { a->noinc[a->nnoinc++] = (uint32_t)i; a->boff[i / ALT_B] |= 0x40000000u; }
    fh[i] = h;
    if (!memchr(ks[i].k, '.', ks[i].n)) a->tld[(h & 255) >> 6] |= 1ULL << (h & 63);
  }
  if (alt_fuse_build(a, fh, n)) return -1;
  free(fh);
  for (size_t b = a->nblocks; b < (a->nblocks + 15) / 16 * 16 + 16; b++) a->pre[b] = ~0ULL; /* padding: never <= a key prefix */
  a->ntop = (a->nblocks + 15) / 16;
  a->ntop1 = (a->ntop + 15) / 16;
  a->top = calloc(a->ntop1 * 16 + 16, 8);
  a->top1 = calloc(16, 8);
  if (!a->top || !a->top1) return -1;
  for (size_t k = 0; k < a->ntop1 * 16 + 16; k++) a->top[k] = k < a->ntop ? a->pre[16 * k] : ~0ULL;
  for (size_t k = 0; k < 16; k++) a->top1[k] = k < a->ntop1 ? a->top[16 * k] : ~0ULL;
  a->ttopstep = 1; while (a->ttopstep * 2 < a->ntop) a->ttopstep *= 2;
  a->stream_bytes = (pos + 7) / 8;
  a->bytes = a->stream_bytes + 8 + 2 * (n + 32) + a->nescp * 5 + a->nescs * 6 + a->nnoinc * 4 +
             a->nblocks * (ALT_PRE + 4) + ((a->nblocks + 15) / 16 * 16 - a->nblocks) * 8 + (a->fcells * ALT_FUSEB + 7) / 8 + 8 + sizeof a->tld + ALT_NS * (ALT_NS - 1);
  for (size_t i = 0; i < n; i++) free(ks[i].k);
  free(ks); free(P); free(sepv); free(cutv);
  return 0;
}

static void alt_free(alt *a) {
  free(a->stream); free(a->meta); free(a->S); free(a->pre); free(a->boff);
  free(a->escp); free(a->escs); free(a->noinc); free(a->fuse); free(a->top); free(a->top1);
}

/* ---------------- lookup ---------------- */
static inline uint32_t alt_Sx(const alt *a, size_t i) {
  uint32_t s = a->S[i] & 127u; return s != 127 ? s : (uint32_t)alt_find_esc(a->escs, a->nescs, i);
}

/* generic (slow) check of candidate j of block bi: escapes allowed */
static int alt_check_slow(const alt *a, size_t bi, size_t j, const uint8_t *et, const uint16_t *cum, size_t m) {
  size_t base = bi * ALT_B, r0 = j & ~(size_t)(ALT_R - 1);
  size_t cb = alt_cpre(a->pre[bi], a->pre[bi + 1]);
  size_t pr = a->meta[base + j] & 15;
  if (pr == 15) pr = alt_find_esc(a->escp, a->nescp, base + j);
  size_t pj = j & (ALT_R - 1) ? pr + cb : 0; /* absolute */
  if (pj >= m) return 0;
  size_t sj = alt_Sx(a, base + j);
  if (cum[pj] + sj != cum[m]) return 0;
  cum += cb; /* the walk back: p relative to c_b (cum[t] = 0 for t <= c_b) */
  size_t off = a->boff[bi] & 0x1FFFFFFFu;
  for (size_t i = 0; i < j; i++) off += alt_Sx(a, base + i);
  if (!alt_bits_eq(a->stream, off, et, cum[pr], sj)) return 0;
  size_t lim = pr, o = off;
  for (size_t i = j; lim > 0 && i > r0;) {
    i--;
    o -= alt_Sx(a, base + i);
    size_t pi = a->meta[base + i] & 15;
    if (pi == 15) pi = alt_find_esc(a->escp, a->nescp, base + i);
    if (pi >= lim) continue;
    if (!alt_bits_eq(a->stream, o, et, cum[pi], (size_t)cum[lim] - cum[pi])) return 0;
    lim = pi;
  }
  return lim == 0;
}

/* entry whose key is the host's last m symbols (hash hh), or -1; ET is the
 * code of the key's first M >= m symbols, CUM[t] the bits of its first t */
/* the last block whose first 8 key bytes are <= KP: a branch-free binary
 * search over every 16th block's prefix, then one group of 16 counted */
static inline size_t alt_count16(const uint64_t *v, uint64_t kp) {
  size_t c0 = 0, c1 = 0, c2 = 0;
  for (size_t i = 1; i < 16; i += 3) { c0 += v[i] <= kp; c1 += v[i + 1] <= kp; c2 += v[i + 2] <= kp; }
  return c0 + c1 + c2;
}
static inline size_t alt_locate(const alt *a, uint64_t kp) {
  const uint64_t *top = a->top, *pre = a->pre;
  size_t k;
  if (a->ntop1 <= 16) { /* three 16-way levels: each one group of 16 prefixes counted */
    size_t k1 = alt_count16(a->top1, kp);
    k = 16 * k1 + alt_count16(top + 16 * k1, kp);
  } else {
    size_t nt = a->ntop, step = a->ttopstep;
    k = 0;
    if (nt > step && top[nt - step] <= kp) k = nt - step;
    for (step >>= 1; step; step >>= 1) k += step & (0 - (size_t)(top[k + step] <= kp));
  }
  const uint64_t *gp = pre + 16 * k;
  size_t c = 0;
  for (size_t i = 1; i < 16; i++) c += gp[i] <= kp;
  return 16 * k + c;
}
/* the host's key coded from character c (the block's implied prefix, not
 * stored) to M: et = bits, cum[t] = bits of characters c..t-1 (0 for t <= c) */
typedef struct {
  const uint8_t *hend; size_t M, c;
  uint16_t cum[264];
  uint8_t et[253 * ALT_MAXLEN / 8 + 24];
} alt_hc;
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void alt_code(const alt *a, alt_hc *hc, size_t c) {
  const uint32_t *C = a->code;
  const uint8_t *sym = a->sym;
  const uint8_t *p = hc->hend - 1 - c, *pe = hc->hend - 1 - hc->M;
  uint16_t *cp = hc->cum + c;
  uint8_t *o = hc->et;
  size_t row = c ? (size_t)sym[p[1]] << 6 : 0;
  uint64_t acc = 0;
  int fr = 64; /* free bits in acc */
  unsigned bitpos = 0;
  hc->c = c;
  memset(hc->cum, 0, 8 * sizeof *hc->cum);
  while (p > pe) { /* two characters a step, one append of <= 48 bits; an odd count codes one character more
                      * (the byte before the host is a zero, coded as a dot; cum[M + 1] and its bits are never read) */
    unsigned s1 = sym[p[0]], s2 = sym[p[-1]];
    p -= 2;
    uint32_t e1 = C[row + s1], e2 = C[((size_t)s1 << 6) + s2];
    row = (size_t)s2 << 6;
    unsigned l1 = e1 & 31, l2 = e2 & 31, l = l1 + l2;
    cp[0] = (uint16_t)bitpos;
    cp[1] = (uint16_t)(bitpos + l1);
    cp += 2;
    uint64_t code = (uint64_t)(e1 >> 5) << l2 | (e2 >> 5);
    bitpos += l;
    fr -= (int)l;
    if (fr >= 0) {
      acc |= code << fr;
    } else {
      acc |= code >> -fr;
      uint64_t wv = alt_be64(acc);
      memcpy(o, &wv, 8);
      o += 8;
      fr += 64;
      acc = code << fr;
    }
  }
  *cp = (uint16_t)bitpos;
  uint64_t wv = alt_be64(acc);
  memcpy(o, &wv, 8);
  memset(o + 8, 0, 8);
}

static long alt_find(const alt *a, alt_hc *hc, uint64_t kp8, size_t m, uint64_t hh, size_t g) {
  const uint8_t *et = hc->et;
  const uint16_t *cum = hc->cum;
  uint64_t kp = m >= 8 ? kp8 : kp8 & ~(~0ULL >> (8 * m));
  const uint64_t *pre = a->pre;
  if (g == SIZE_MAX) g = alt_locate(a, kp);

  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL, lo7 = 0x7F7F7F7F7F7F7F7FULL;
  uint64_t hv = ones * (uint64_t)((hh >> 60) << 4);
  for (size_t bi = g;; bi--) {
    if (bi != g && (bi + 1 == 0 || pre[bi + 1] != kp || !(a->boff[bi + 1] & 0x20000000u))) break; /* earlier blocks only after a cut separator equal to the key's prefix */
    size_t cb = alt_cpre(pre[bi], pre[bi + 1]);
    if (cb != hc->c) alt_code(a, hc, cb); /* the block's restarts start at character cb */
    const uint16_t *cumr = cum + cb; /* cum by p relative to c_b */
    size_t lb = cum[m];
    size_t base = bi * ALT_B, cnt = a->n - base < ALT_B ? a->n - base : ALT_B;
    const uint8_t *mt = a->meta + base, *sb = a->S + base;
    uint64_t msk = 0;
#ifdef ALT_SSE2
    {
      __m128i f = _mm_set1_epi8((char)0xF0), hq = _mm_set1_epi8((char)((hh >> 60) << 4));
      __m128i m0 = _mm_loadu_si128((const __m128i *)mt), m1 = _mm_loadu_si128((const __m128i *)(mt + 16));
      msk = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(m0, f), hq)) |
            (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(m1, f), hq)) << 16;
      uint64_t hb = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)sb)) |
                    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(sb + 16))) << 16;
      msk &= hb ^ (((hh >> 59) & 1) - 1); /* the fifth hash bit: the top bit of S */
      (void)hv; (void)lo7; (void)high;
    }
#else
    for (size_t w = 0; w < ALT_B / 8; w++) {
      uint64_t x = (dt__ld_le64(mt + 8 * w) ^ hv) & 0xF0F0F0F0F0F0F0F0ULL;
      uint64_t z = ~(((x & lo7) + lo7) | x) & high;
      msk |= ((z >> 7) * 0x0102040810204080ULL >> 56) << (8 * w);
      uint64_t hb = ((dt__ld_le64(sb + 8 * w) & high) >> 7) * 0x0102040810204080ULL >> 56; /* the fifth hash bit: the top bit of S */
      msk &= ((hb ^ (((hh >> 59) & 1) - 1)) & 0xFF) << (8 * w) | ~(0xFFULL << (8 * w));
    }
#endif
    if (cnt < 64) msk &= (1ULL << cnt) - 1;
    uint32_t bo = a->boff[bi];
    if (bo >> 31) { /* a block with an escaped suffix length: 3 in 2,957 */
      for (; msk; msk &= msk - 1)
        if (alt_check_slow(a, bi, (size_t)__builtin_ctzll(msk), et, cum, m)) return (long)(base + __builtin_ctzll(msk));
      continue;
    }
    bo &= 0x1FFFFFFFu;
    while (msk) {
      size_t j = (size_t)__builtin_ctzll(msk);
      msk &= msk - 1;
      size_t pr = mt[j] & 15; /* relative to c_b; 0 at a restart */
      if (pr == 15) pr = alt_find_esc(a->escp, a->nescp, base + j);
      size_t pj = j & (ALT_R - 1) ? pr + cb : 0;
      if (pj >= m) continue;
      size_t sj = sb[j] & 127u;
      if (cum[pj] + sj != lb) continue;
      /* offset: restart point + the suffix lengths after it */
      /* offset: the block's + the suffix lengths before entry j (no per-restart offsets) */
      size_t r0 = j & ~(size_t)(ALT_R - 1), off = bo;
#if defined(ALT_SSE2)
      {
        static const uint8_t k_ff[64] = {127,127,127,127,127,127,127,127,127,127,127,127,127,127,127,127,
                                         127,127,127,127,127,127,127,127,127,127,127,127,127,127,127,127}; /* S without its hash bit */
        __m128i x0 = _mm_and_si128(_mm_loadu_si128((const __m128i *)sb), _mm_loadu_si128((const __m128i *)(k_ff + 32 - j)));
        __m128i x1 = _mm_and_si128(_mm_loadu_si128((const __m128i *)(sb + 16)), _mm_loadu_si128((const __m128i *)(k_ff + 48 - j)));
        __m128i sm = _mm_add_epi64(_mm_sad_epu8(x0, _mm_setzero_si128()), _mm_sad_epu8(x1, _mm_setzero_si128()));
        off += (size_t)_mm_cvtsi128_si32(sm) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sm, 8));
      }
#else
      {
        uint64_t acc = 0;
        for (size_t w = 0; w < ALT_B / 8; w++) {
          size_t nbt = j > 8 * w ? j - 8 * w : 0;
          uint64_t mk = nbt >= 8 ? ~0ULL : (1ULL << (8 * nbt)) - 1;
          uint64_t x = dt__ld_le64(sb + 8 * w) & mk & 0x7F7F7F7F7F7F7F7FULL;
          acc += (x & 0x00FF00FF00FF00FFULL) + ((x >> 8) & 0x00FF00FF00FF00FFULL);
        }
        off += (size_t)((acc * 0x0001000100010001ULL) >> 48);
      }
#endif
      if (!alt_bits_eq(a->stream, off, et, cum[pj], sj)) continue;
      /* the entries that set the candidate's prefix: back to the restart (relative p) */
      size_t lim = pr, o = off;
#if defined(ALT_SSE2)
      if (lim <= 15) { /* chain hops: the last entry before CUR whose p < lim */
        static const uint8_t k_ff2[32] = {127,127,127,127,127,127,127,127,127,127,127,127,127,127,127,127};
        __m128i pv = _mm_and_si128(_mm_loadu_si128((const __m128i *)(mt + r0)), _mm_set1_epi8(15));
        __m128i sv = _mm_loadu_si128((const __m128i *)(sb + r0));
        size_t segoff = off - (j > r0 ? 0 : 0);
        {
          __m128i x = _mm_and_si128(sv, _mm_loadu_si128((const __m128i *)(k_ff2 + 16 - (j - r0))));
          __m128i sm = _mm_sad_epu8(x, _mm_setzero_si128());
          segoff = off - ((size_t)_mm_cvtsi128_si32(sm) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sm, 8)));
        }
        unsigned cur = (unsigned)(j - r0);
        while (lim > 0) {
          unsigned lt = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(_mm_set1_epi8((char)lim), pv)) & ((1u << cur) - 1);
          if (!lt) break; /* only in a malformed block */
          unsigned i = 31 - (unsigned)__builtin_clz(lt);
          __m128i x = _mm_and_si128(sv, _mm_loadu_si128((const __m128i *)(k_ff2 + 16 - i)));
          __m128i sm = _mm_sad_epu8(x, _mm_setzero_si128());
          size_t oi = segoff + (size_t)_mm_cvtsi128_si32(sm) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sm, 8));
          size_t pi = mt[r0 + i] & 15;
          if (!alt_bits_eq(a->stream, oi, et, cumr[pi], (size_t)cumr[lim] - cumr[pi])) break;
          lim = pi;
          cur = i;
        }
        if (lim == 0) return (long)(base + j);
        continue;
      }
#endif
      const uint8_t *mi = mt + j, *si = sb + j, *m0 = mt + r0;
      while (lim > 0 && mi > m0) {
        --mi; --si;
        o -= *si & 127u;
        size_t pi = *mi & 15;
        if (pi >= lim) continue;
        if (pi == 15) { pi = alt_find_esc(a->escp, a->nescp, base + (size_t)(mi - mt)); if (pi >= lim) continue; }
        if (!alt_bits_eq(a->stream, o, et, cumr[pi], (size_t)cumr[lim] - cumr[pi])) break;
        lim = pi;
      }
      if (lim == 0) return (long)(base + j);
    }
  }
  return -1;
}

static int alt_noinc(const alt *a, size_t ix) {
  if (!(a->boff[ix / ALT_B] & 0x40000000u)) return 0;
  size_t lo = 0, hi = a->nnoinc;
  while (lo < hi) { size_t mid = (lo + hi) / 2; if (a->noinc[mid] < ix) lo = mid + 1; else hi = mid; }
  return lo < a->nnoinc && a->noinc[lo] == ix;
}

/* 1 = upgrade (Chromium rule: the deepest entry decides) */
static int alt_lookup(const alt *a, const char *host, size_t len) {
  if (!host) return 0;
  while (len > 0 && host[len - 1] == '.') len--;
  if (len - 1 >= 253) return 0; /* also len == 0 */
  uint8_t bufm[16 + 256 + 16];
  uint8_t *buf = bufm + 16;
  memset(bufm, 0, 16);
  if (len - 8 <= 24) { /* 8..32 bytes: two overlapping moves, no call */
    if (len >= 16) { memcpy(buf, host, 16); memcpy(buf + len - 16, host + len - 16, 16); }
    else { memcpy(buf, host, 8); memcpy(buf + len - 8, host + len - 8, 8); }
  } else {
    memcpy(buf, host, len);
  }
  memset(buf + len, 0, 16);
  /* lowercase, validate, find dots */
  uint32_t dm[16]; /* dot bits, 16 a chunk */
  size_t nch = (len + 15) / 16;
#ifdef ALT_SSE2
  {
    unsigned badm = 0;
    const __m128i cA = _mm_set1_epi8('A' - 1), cZ = _mm_set1_epi8('Z' + 1), ca = _mm_set1_epi8('a' - 1),
                  cz = _mm_set1_epi8('z' + 1), c0 = _mm_set1_epi8('0' - 1), c9 = _mm_set1_epi8('9' + 1),
                  cdot = _mm_set1_epi8('.'), cdash = _mm_set1_epi8('-'), cus = _mm_set1_epi8('_'),
                  c20 = _mm_set1_epi8(0x20);
    for (size_t c = 0; c < nch; c++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(buf + 16 * c));
      __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, cA), _mm_cmplt_epi8(v, cZ));
      v = _mm_or_si128(v, _mm_and_si128(up, c20));
      _mm_storeu_si128((__m128i *)(buf + 16 * c), v);
      __m128i dot = _mm_cmpeq_epi8(v, cdot);
      __m128i ok = _mm_or_si128(_mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(v, ca), _mm_cmplt_epi8(v, cz)),
                                             _mm_and_si128(_mm_cmpgt_epi8(v, c0), _mm_cmplt_epi8(v, c9))),
                                _mm_or_si128(_mm_or_si128(dot, _mm_cmpeq_epi8(v, cdash)), _mm_cmpeq_epi8(v, cus)));
      size_t rem = len - 16 * c;
      unsigned inside = rem >= 16 ? 0xFFFFu : (1u << rem) - 1;
      badm |= ~(unsigned)_mm_movemask_epi8(ok) & inside;
      dm[c] = (uint32_t)_mm_movemask_epi8(dot) & inside;
    }
    if (badm) return 0;
  }
#else
  {
    const uint8_t *lw = a->lower;
    unsigned bad = 0;
    memset(dm, 0, nch * sizeof *dm);
    for (size_t i = 0; i < len; i++) {
      unsigned c = lw[buf[i]];
      buf[i] = (uint8_t)c;
      bad |= c == 0;
      dm[i >> 4] |= (uint32_t)(c == '.') << (i & 15);
    }
    if (bad) return 0;
  }
#endif
  /* ancestors, shallowest first: key length ml[d] (the host's last ml[d] bytes) */
  size_t ml[129], na = 0, endl = len;
  for (size_t c = nch; c-- > 0;) {
    uint32_t z = dm[c];
    while (z) {
      size_t dp = 16 * c + 31 - (size_t)__builtin_clz(z);
      z &= ~(1u << (dp & 15));
      if (endl - dp - 2 >= 63) return 0; /* label of 1..63 */
      ml[na++] = len - dp - 1;
      endl = dp;
    }
  }
  if (endl - 1 >= 63) return 0;
  ml[na++] = len;
  /* hash of every ancestor's key (words from the host's right end), filter */
  uint64_t hs[129], stq[33];
  size_t pass[129], np = 0;
  const uint8_t *hend = buf + len;
  stq[0] = 0;
  for (size_t q = 0; q < (len >> 3); q++) stq[q + 1] = dt__preload_hstep(stq[q], dt__ld_le64(hend - 8 * q - 8));
  for (size_t d = 0; d < na; d++) {
    size_t m = ml[d], q = m >> 3;
    uint64_t keep = ~(~0ULL >> (8 * (m & 7))); /* the last word's bytes (none when m % 8 == 0) */
    uint64_t hh = alt_final(dt__preload_hstep(stq[q], dt__ld_le64(hend - 8 * q - 8) & keep), m);
    hs[d] = hh;
    pass[np] = d;
    np += (size_t)((d || (a->tld[(hh & 255) >> 6] >> (hh & 63) & 1)) && alt_fhas(a, hh)); /* d = 0: the top-level label */
  }
  if (!np) return 0;
  uint64_t kp8 = dt__ld_le64(hend - 8);
  /* code of the key up to the deepest ancestor the filter let through */
  size_t M = ml[pass[np - 1]];
  size_t g0 = alt_locate(a, M >= 8 ? kp8 : kp8 & ~(~0ULL >> (8 * M)));
  __builtin_prefetch(a->meta + g0 * ALT_B);
  __builtin_prefetch(a->S + g0 * ALT_B);
  {
    const uint8_t *sp = a->stream + ((a->boff[g0] & 0x1FFFFFFFu) >> 3);
    __builtin_prefetch(sp); __builtin_prefetch(sp + 64); __builtin_prefetch(sp + 128);
  }
  alt_hc hc;
  hc.hend = hend; hc.M = M;
  alt_code(a, &hc, alt_cpre(a->pre[g0], a->pre[g0 + 1]));
  for (size_t q = np; q-- > 0;) {
    size_t d = pass[q];
    long ix = alt_find(a, &hc, kp8, ml[d], hs[d], q == np - 1 ? g0 : SIZE_MAX);
    if (ix >= 0) return (d == na - 1) | !alt_noinc(a, (size_t)ix);
  }
  return 0;
}
#endif
