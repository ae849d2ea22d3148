/* preload_alt.h — bench_preload's fourth peer: an EXACT alternative layout of
 * the preload list, built in the bench from the same names, to measure how
 * far a different exact layout gets toward the 10 M lookups/s goal
 * (docs/preload-format.md, "Tried and dropped"). Not used by detour;
 * included by bench_preload.c only.
 *
 * Layout. The blob's sorted reversed keys (labels joined by 0x01) in blocks
 * of ALT_B, each key front-coded against the previous one, as in the blob.
 * What differs:
 *  - suffixes are coded with an order-1 canonical Huffman code (the context
 *    is the key's previous character) into one bit stream, ~4.1 bits a
 *    character instead of the blob's nibble code (~4.9 and a pad nibble);
 *  - per entry, three bytes in three arrays: the shared prefix p
 *    (characters), the suffix length S (bits; 255 means "see the escape
 *    table") and the top byte of the key's hash;
 *  - per block, its first key's 8-byte prefix (u64) and its bit offset
 *    (u32); the blob's Bloom filter (6 bits a name) in front.
 * Lookup. The blob's own host handling and hashes (dt__preload_key_make)
 * and the same filter, so only the layout differs. Then the host's key is coded once,
 * and each ancestor the filter lets through (deepest first) is looked for
 * in its block without a scan in key order: its hash byte is matched
 * against the block's 32 at once (SWAR), a candidate's coded length
 * (code of T[0..p) + S) must equal the ancestor's, and the candidate is
 * confirmed by walking back through the entries that set its prefix, each
 * compared with the host's code as a bit string. Equal bit strings mean
 * equal characters: the code is prefix-free and both sides are coded in
 * the same contexts. */
#ifndef DETOUR_BENCH_PRELOAD_ALT_H
#define DETOUR_BENCH_PRELOAD_ALT_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/preload.h"
#include "hsts/preload_format.h"

#define ALT_B 32u    /* entries a block: the SWAR match covers 32 bytes */
#define ALT_NSYM 39u /* a-z 0-9 - _ and the separator */
#define ALT_NCTX 40u /* the previous character, or the key's start */
#define ALT_MAXLEN 24

typedef struct alt_esc {
  uint32_t entry, bits;
} alt_esc;

typedef struct alt {
  size_t n, nblocks, nesc, bytes;
  uint8_t *stream; /* bit stream, MSB first, 8 zero bytes of slack */
  uint8_t *p, *s, *h, *inc;
  uint64_t *pre; /* per block: first key's prefix, big-endian */
  uint32_t *boff;
  alt_esc *esc;
  uint64_t *filter;
  uint32_t fwords;
  uint8_t sym[256];                 /* character -> symbol (0 = 'a') */
  uint32_t code[ALT_NCTX * 64];     /* [context * 64 + symbol]: code << 5 | len */
} alt;

static const char k_alt_syms[] = "abcdefghijklmnopqrstuvwxyz0123456789-_\001";

typedef struct alt_key {
  uint8_t *k;
  size_t n;
  int inc;
} alt_key;

static int alt_key_cmp(const void *a, const void *b) {
  const alt_key *x = a, *y = b;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->k, y->k, m);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

static size_t alt_lcp(const alt_key *a, const alt_key *b) {
  size_t i = 0;
  while (i < a->n && i < b->n && a->k[i] == b->k[i])
    i++;
  return i;
}

/* Huffman code lengths for one context (every symbol gets a code, so any
 * host can be coded), flattened until none is longer than ALT_MAXLEN. */
static void alt_lengths(const uint64_t *freq, uint8_t *len) {
  uint64_t w[ALT_NSYM];
  for (size_t i = 0; i < ALT_NSYM; i++)
    w[i] = freq[i] + 1;
  for (;;) {
    uint64_t wt[2 * ALT_NSYM];
    int parent[2 * ALT_NSYM], live[2 * ALT_NSYM];
    size_t m = ALT_NSYM;
    for (size_t i = 0; i < ALT_NSYM; i++) {
      wt[i] = w[i];
      live[i] = 1;
      parent[i] = -1;
    }
    for (size_t it = 0; it + 1 < ALT_NSYM; it++) {
      size_t a = SIZE_MAX, b = SIZE_MAX;
      for (size_t i = 0; i < m; i++) {
        if (!live[i]) continue;
        if (a == SIZE_MAX || wt[i] < wt[a]) {
          b = a;
          a = i;
        } else if (b == SIZE_MAX || wt[i] < wt[b]) {
          b = i;
        }
      }
      wt[m] = wt[a] + wt[b];
      live[m] = 1;
      parent[m] = -1;
      live[a] = live[b] = 0;
      parent[a] = parent[b] = (int)m;
      m++;
    }
    int ok = 1;
    for (size_t i = 0; i < ALT_NSYM; i++) {
      int d = 0;
      for (int j = (int)i; parent[j] >= 0; j = parent[j])
        d++;
      len[i] = (uint8_t)d;
      ok &= d <= ALT_MAXLEN;
    }
    if (ok) return;
    for (size_t i = 0; i < ALT_NSYM; i++)
      w[i] = (w[i] >> 1) + 1;
  }
}

static size_t alt_ctx(const alt *a, const uint8_t *k, size_t j) {
  return j ? a->sym[k[j - 1]] : ALT_NSYM;
}

static void alt_put(uint8_t *out, size_t *pos, uint32_t code, unsigned len) {
  for (unsigned i = len; i-- > 0;) {
    if (code >> i & 1) out[*pos >> 3] |= (uint8_t)(0x80u >> (*pos & 7));
    (*pos)++;
  }
}

/* Builds the layout from NAMES (text form) and their flags; 0 on success. */
static int alt_build(alt *a, const char *const *names,
                     const unsigned char *inc, size_t n) {
  memset(a, 0, sizeof *a);
  for (size_t i = 0; i < ALT_NSYM; i++)
    a->sym[(unsigned char)k_alt_syms[i]] = (uint8_t)i;
  alt_key *ks = calloc(n, sizeof *ks);
  if (!ks) return -1;
  for (size_t i = 0; i < n; i++) { /* reversed labels, 0x01 between */
    size_t len = strlen(names[i]), kn = 0, end = len;
    ks[i].k = malloc(len + 1);
    if (!ks[i].k) return -1;
    for (size_t j = len + 1; j-- > 0;) {
      if (j > 0 && names[i][j - 1] != '.') continue;
      if (kn) ks[i].k[kn++] = DT__PRELOAD_SEP;
      for (size_t c = j; c < end; c++)
        ks[i].k[kn++] = (uint8_t)tolower((unsigned char)names[i][c]);
      end = j ? j - 1 : 0;
    }
    ks[i].n = kn;
    ks[i].inc = inc[i];
  }
  qsort(ks, n, sizeof *ks, alt_key_cmp);

  static uint64_t freq[ALT_NCTX][ALT_NSYM];
  memset(freq, 0, sizeof freq);
  for (size_t i = 0; i < n; i++) {
    size_t p = i % ALT_B ? alt_lcp(&ks[i - 1], &ks[i]) : 0;
    for (size_t j = p; j < ks[i].n; j++)
      freq[alt_ctx(a, ks[i].k, j)][a->sym[ks[i].k[j]]]++;
  }
  uint8_t clen[ALT_NCTX][ALT_NSYM];
  for (size_t c = 0; c < ALT_NCTX; c++) {
    alt_lengths(freq[c], clen[c]);
    uint32_t code = 0;
    unsigned prev = 0;
    for (unsigned l = 1; l <= ALT_MAXLEN; l++)
      for (size_t s = 0; s < ALT_NSYM; s++)
        if (clen[c][s] == l) {
          code <<= l - prev;
          prev = l;
          a->code[c * 64 + s] = code << 5 | l;
          code++;
        }
  }

  a->n = n;
  a->nblocks = (n + ALT_B - 1) / ALT_B;
  a->p = calloc(n, 1);
  a->s = calloc(n, 1);
  a->h = calloc(n + ALT_B, 1);
  a->inc = calloc(n, 1);
  a->pre = calloc(a->nblocks, sizeof *a->pre);
  a->boff = calloc(a->nblocks, sizeof *a->boff);
  a->esc = calloc(n, sizeof *a->esc);
  size_t cap = 0;
  for (size_t i = 0; i < n; i++)
    cap += ks[i].n * ALT_MAXLEN / 8 + 1;
  a->stream = calloc(cap + 16, 1);
  a->fwords = (uint32_t)((n * DT__PRELOAD_FILTER_BITS + 63) / 64);
  a->filter = calloc(a->fwords, 8);
  if (!a->p || !a->s || !a->h || !a->inc || !a->pre || !a->boff || !a->esc ||
      !a->stream || !a->filter)
    return -1;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    size_t p = i % ALT_B ? alt_lcp(&ks[i - 1], &ks[i]) : 0;
    if (i % ALT_B == 0) {
      a->boff[i / ALT_B] = (uint32_t)pos;
      a->pre[i / ALT_B] = dt__preload_prefix64(ks[i].k, ks[i].n);
    }
    size_t at = pos;
    for (size_t j = p; j < ks[i].n; j++) {
      uint32_t e = a->code[alt_ctx(a, ks[i].k, j) * 64 + a->sym[ks[i].k[j]]];
      alt_put(a->stream, &pos, e >> 5, e & 31);
    }
    size_t bits = pos - at;
    a->p[i] = (uint8_t)p;
    a->s[i] = (uint8_t)(bits < 255 ? bits : 255);
    if (bits >= 255) a->esc[a->nesc++] = (alt_esc){(uint32_t)i, (uint32_t)bits};
    a->inc[i] = (uint8_t)ks[i].inc;
    uint64_t h = dt__preload_key_hash(ks[i].k, ks[i].n);
    a->h[i] = (uint8_t)(h >> 56);
    a->filter[dt__preload_filter_word(h, a->fwords)] |=
        dt__preload_filter_mask(h);
  }
  /* What a blob of this layout would take: stream, three bytes an entry,
   * the escapes, the block index, the filter, the code lengths. */
  a->bytes = (pos + 7) / 8 + 3 * n + a->nesc * 6 + a->nblocks * 12 +
             (size_t)a->fwords * 8 + ALT_NCTX * ALT_NSYM;
  for (size_t i = 0; i < n; i++)
    free(ks[i].k);
  free(ks);
  return 0;
}

static void alt_free(alt *a) {
  free(a->stream);
  free(a->p);
  free(a->s);
  free(a->h);
  free(a->inc);
  free(a->pre);
  free(a->boff);
  free(a->esc);
  free(a->filter);
}

static size_t alt_S(const alt *a, size_t i) {
  if (a->s[i] != 255) return a->s[i];
  size_t lo = 0, hi = a->nesc;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a->esc[mid].entry < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return a->esc[lo].bits;
}

/* Big-endian 8 bytes (the stream is MSB first). */
static inline uint64_t alt_be64(uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return v;
#else
  return __builtin_bswap64(v);
#endif
}
/* 57 valid bits starting at bit OFF of B, MSB first. */
static inline uint64_t alt_bits(const uint8_t *b, size_t off) {
  uint64_t v;
  memcpy(&v, b + (off >> 3), 8);
  return alt_be64(v) << (off & 7);
}
static inline int alt_bits_eq(const uint8_t *x, size_t xo, const uint8_t *y,
                              size_t yo, size_t n) {
  while (n > 0) {
    size_t c = n < 56 ? n : 56;
    if ((alt_bits(x, xo) ^ alt_bits(y, yo)) >> (64 - c)) return 0;
    xo += c;
    yo += c;
    n -= c;
  }
  return 1;
}

/* The entry whose key is T[0..n) (hash byte H8), or -1. ET is T's code,
 * CUM[c] the bit length of the code of T[0..c). */
static long alt_find(const alt *a, const uint8_t *t, size_t n, uint8_t h8,
                     const uint8_t *et, const uint16_t *cum) {
  uint64_t kp = dt__preload_prefix64(t, n);
  size_t g = 0, len = a->nblocks;
  while (len > 1) {
    size_t half = len / 2;
    g = a->pre[g + half] <= kp ? g + half : g;
    len -= half;
  }
  size_t first = g; /* blocks whose first keys share T's prefix: rare */
  while (first > 0 && a->pre[first] == kp)
    first--;
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  for (size_t bi = first; bi <= g; bi++) {
    size_t base = bi * ALT_B, cnt = a->n - base < ALT_B ? a->n - base : ALT_B;
    uint64_t m = 0;
    for (size_t w = 0; w < ALT_B / 8; w++) { /* bytes equal to h8 */
      uint64_t x;
      memcpy(&x, a->h + base + 8 * w, 8);
      x = dt__ld_le64(&x) ^ (ones * h8);
      uint64_t z = ~(((x & ~high) + ~high) | x) & high;
      m |= ((z >> 7) * 0x0102040810204080ULL >> 56) << (8 * w);
    }
    if (cnt < 64) m &= (1ULL << cnt) - 1;
    while (m) {
      size_t j = (size_t)__builtin_ctzll(m), pj = a->p[base + j];
      m &= m - 1;
      if (pj > n) continue;
      size_t sj = alt_S(a, base + j);
      if (cum[pj] + sj != cum[n]) continue;
      size_t off = a->boff[bi];
      for (size_t i = 0; i < j; i++)
        off += alt_S(a, base + i);
      if (!alt_bits_eq(a->stream, off, et, cum[pj], sj)) continue;
      /* Walk back: entry i < j fixes T[p_i..L) when p_i < L. */
      size_t lim = pj, o = off;
      int ok = 1;
      for (size_t i = j; i-- > 0 && lim > 0;) {
        size_t pi = a->p[base + i];
        o -= alt_S(a, base + i);
        if (pi >= lim) continue;
        if (!alt_bits_eq(a->stream, o, et, cum[pi], cum[lim] - cum[pi])) {
          ok = 0;
          break;
        }
        lim = pi;
      }
      if (ok) return (long)(base + j);
    }
  }
  return -1;
}

/* Chromium rule (the deepest entry decides), from the blob's own host
 * handling (dt__preload_key_make): 1 = upgrade. */
static int alt_lookup(const alt *a, const char *host, size_t len) {
  dt__preload_key key;
  if (dt__preload_key_make(&key, host, len)) return 0;
  const uint8_t *t = key.t, *bnd = key.bnd;
  size_t labels = key.labels, pass[DT_MAX_HOST_BYTES / 2 + 2], np = 0;
  for (size_t d = 0; d < labels; d++) {
    uint64_t h = key.hash[d], msk = dt__preload_filter_mask(h);
    if ((a->filter[dt__preload_filter_word(h, a->fwords)] & msk) == msk)
      pass[np++] = d;
  }
  if (!np) return 0;
  /* T's code up to the deepest ancestor the filter let through. */
  size_t upto = bnd[pass[np - 1]], bp = 0;
  uint8_t et[253 * ALT_MAXLEN / 8 + 24];
  uint16_t cum[256];
  uint64_t acc = 0;
  unsigned accn = 0;
  for (size_t i = 0; i < upto; i++) {
    cum[i] = (uint16_t)bp;
    uint32_t e = a->code[(i ? a->sym[t[i - 1]] : ALT_NSYM) * 64 + a->sym[t[i]]];
    acc = acc << (e & 31) | e >> 5;
    accn += e & 31;
    bp += e & 31;
    if (accn >= 32) {
      uint64_t w = alt_be64(acc >> (accn - 32) << 32);
      memcpy(et + ((bp - accn) >> 3), &w, 4);
      accn -= 32;
    }
  }
  cum[upto] = (uint16_t)bp;
  uint64_t w = accn ? alt_be64(acc << (64 - accn)) : 0;
  memcpy(et + ((bp - accn) >> 3), &w, 8);
  memset(et + ((bp - accn) >> 3) + 8, 0, 8);
  for (size_t q = np; q-- > 0;) {
    size_t d = pass[q];
    long ix = alt_find(a, t, bnd[d], (uint8_t)(key.hash[d] >> 56), et, cum);
    if (ix >= 0) return d == labels - 1 || a->inc[ix];
  }
  return 0;
}

#endif
