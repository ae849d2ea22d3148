/* preload.c — the preload blob: open (check once), info, freshness and the
 * in-place lookup. The layout is preload_format.h (docs/preload-format.md
 * says why); the writer is preload_emit.c, the compiler preload_compile.c.
 *
 * A lookup, in one paragraph: the host is lowered and checked in one pass
 * over its text (the keys are the names reversed character by character,
 * so an ancestor's key is a suffix of the host read backwards). Its
 * ancestors are then taken deepest first, each hashed only when reached;
 * the fuse filter sends nearly every absent one away. For one that passes,
 * the block that would hold its key is found by counting separators (one
 * cache line of 8 per level), the host is Huffman-coded with the list's
 * own code once, and the block's entries whose 5 hash bits match are
 * confirmed by comparing bit strings: the entry's own suffix, then the
 * entries its shared prefix comes from, back to the restart. No key is
 * ever decoded to text. The first entry found that decides ends it. */
#include "hsts/preload.h"

#include "hsts/base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsts/preload_format.h"

#if defined(__SSE2__) && !defined(DT_PRELOAD_NO_SIMD)
#include <emmintrin.h>
#define PL_SSE2 1
#endif

#define NSYM DT__PRELOAD_NSYM
#define BLK DT__PRELOAD_BLOCK
#define RST DT__PRELOAD_RESTART

struct dt__preload {
  const uint8_t *base;
  size_t len;
  void *map; /* mmap'ed region owned by the handle, or NULL */
  size_t map_len;
  int disabled_stale;
  int no_filter; /* DT__PRELOAD_NO_FILTER */
  dt__preload_hdr h;
  /* Sections of the blob. */
  const uint8_t *sep, *boff, *meta, *S, *escp, *escs, *noinc, *ovr, *tld, *fuse,
      *stream;
  /* Derived at open (derived_bytes; docs/preload-format.md gives the size
   * for the shipped list), so the lookup neither parses nor allocates.
   * PAIR: the code of a character in its context, indexed by the host's two
   * bytes (the character and the one after it in the text, which comes
   * before it in the key) read as a little-endian u16, minus PAIR_BASE:
   * code << 5 | length. Rows are the context byte '-'..'z' ('/' stands for
   * the key's start), columns the character (0, the byte before a host,
   * codes as a dot; it is never compared). Only the valid context rows'
   * first 123 columns are ever read. LV: the block search's upper
   * levels, lv[l][i] = separator 8^l * i (l >= 1), each padded with all
   * ones to whole groups of 8 (one cache line a group); level 0 is the
   * blob's own separators. */
  uint32_t *pair;
  /* SEP2[b]: bytes 8..11 of block b's first key (big-endian, zero-padded)
   * for a block whose separator was cut to 8 bytes, else 0. Runs of such
   * blocks share one 8-byte separator (long runs of common suffixes such
   * as "...tion.com"); this picks the block in the run without visiting
   * the others. 4 bytes, not 8: adjacent first keys sharing 12 bytes are
   * rare enough that the walk back past them costs nothing measurable. */
  uint32_t *sep2;
  /* Length escapes (a few blocks of a real list): for each block with one,
   * ESC_BLK its number (ascending) and ESC_COR its row of 33 corrections,
   * ESC_COR[r][j] = the escaped suffixes' bits beyond 127 before entry j;
   * so an offset is the sum of S's 7-bit lengths plus one correction,
   * the same code for every block (k_no_cor for the others). */
  uint32_t *esc_blk, (*esc_cor)[BLK + 1];
  size_t n_esc_blk;
  size_t derived_bytes; /* all of the above, for dt__preload_info */
  uint64_t fuse_range;  /* fuse filter: segments x segment length */
  uint64_t *lv[8];      /* lv[0] unused: level 0 is read from the blob */
  unsigned nlv;
};

/* ---- small helpers ------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
set_err(dt__preload_error *err, const char *fmt, ...) {
  if (!err) return;
  err->line = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
}

/* XXH64 (Yann Collet's xxHash, BSD-2): a fast, well-known 64-bit checksum,
 * so checking a whole blob costs little next to opening it. */
#define XP1 0x9E3779B185EBCA87ULL
#define XP2 0xC2B2AE3D27D4EB4FULL
#define XP3 0x165667B19E3779F9ULL
#define XP4 0x85EBCA77C2B2AE63ULL
#define XP5 0x27D4EB2F165667C5ULL
static uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static uint64_t xround(uint64_t acc, uint64_t in) {
  acc += in * XP2;
  acc = rotl64(acc, 31);
  return acc * XP1;
}
static uint64_t xmerge(uint64_t acc, uint64_t v) {
  acc ^= xround(0, v);
  return acc * XP1 + XP4;
}
uint64_t dt__preload_xxh64(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data, *end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + XP1 + XP2, v2 = seed + XP2, v3 = seed, v4 = seed - XP1;
    const uint8_t *limit = end - 32;
    do {
      v1 = xround(v1, dt__preload_rd64(p));
      v2 = xround(v2, dt__preload_rd64(p + 8));
      v3 = xround(v3, dt__preload_rd64(p + 16));
      v4 = xround(v4, dt__preload_rd64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xmerge(h, v1);
    h = xmerge(h, v2);
    h = xmerge(h, v3);
    h = xmerge(h, v4);
  } else {
    h = seed + XP5;
  }
  h += (uint64_t)len;
  while ((size_t)(end - p) >= 8) {
    h ^= xround(0, dt__preload_rd64(p));
    h = rotl64(h, 27) * XP1 + XP4;
    p += 8;
  }
  if ((size_t)(end - p) >= 4) {
    h ^= (uint64_t)dt__preload_rd32(p) * XP1;
    h = rotl64(h, 23) * XP2 + XP3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)(*p++) * XP5;
    h = rotl64(h, 11) * XP1;
  }
  h ^= h >> 33;
  h *= XP2;
  h ^= h >> 29;
  h *= XP3;
  h ^= h >> 32;
  return h;
}

uint64_t dt__preload_blob_checksum(const uint8_t *blob, size_t len) {
  uint64_t seed = dt__preload_xxh64(blob, DT__PRELOAD_OFF_CHECKSUM, 0);
  return dt__preload_xxh64(blob + DT__PRELOAD_HDR_SIZE,
                           len - DT__PRELOAD_HDR_SIZE, seed);
}

/* A label byte of a canonical name: Chromium's list uses [a-z0-9-] and
 * a few names with '_' exist in the wild, so '_' is accepted too. */
static int label_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
int dt__preload_label_byte(unsigned char c) { return label_byte(c); }

/* ---- open and check ------------------------------------------------------ */

static inline uint64_t sep_at(const dt__preload *p, size_t bi) {
  return dt__preload_rd64(p->sep + 8 * bi);
}
static inline uint32_t boff_at(const dt__preload *p, size_t bi) {
  return dt__preload_rd32(p->boff + 4 * bi);
}

static const char *const k_sec_name[DT__PRELOAD_NSEC] = {
    "separators",
    "block offsets",
    "entry heads",
    "suffix lengths",
    "prefix escapes",
    "length escapes",
    "no-include_subdomains list",
    "override list",
    "code lengths",
    "one-label map",
    "filter",
    "bit stream"};

/* What every open checks: enough for every lookup to stay inside the blob
 * (the lookup bounds the rest itself), cheap enough for start-up. */
static int check_layout(dt__preload *p, unsigned flags,
                        dt__preload_error *err) {
  const uint8_t *b = p->base;
  size_t len = p->len;
  dt__preload_hdr *h = &p->h;
  if (len < 8 || memcmp(b, DT__PRELOAD_MAGIC, 8) != 0) {
    set_err(err, "not a detour preload blob (bad magic)");
    return DT_EPRELOAD;
  }
  if (len < DT__PRELOAD_HDR_SIZE) {
    set_err(err, "truncated blob: %lu bytes, header needs 128",
            (unsigned long)len);
    return DT_EPRELOAD;
  }
  dt__preload_hdr_read(b, h);
  if (h->version >= 1 && h->version < DT__PRELOAD_VERSION) {
    set_err(err,
            "unsupported blob version %lu: an older format (this build reads "
            "%u); compile the list again with `detour preload compile`",
            (unsigned long)h->version, DT__PRELOAD_VERSION);
    return DT_EPRELOAD;
  }
  if (h->version != DT__PRELOAD_VERSION) {
    set_err(err, "unsupported blob version %lu (this build reads %u)",
            (unsigned long)h->version, DT__PRELOAD_VERSION);
    return DT_EPRELOAD;
  }
  if (h->header_size != DT__PRELOAD_HDR_SIZE) {
    set_err(err, "bad header size %lu", (unsigned long)h->header_size);
    return DT_EPRELOAD;
  }
  if (h->total_size != len) {
    set_err(err, "blob length mismatch: header says %lu bytes",
            (unsigned long)h->total_size);
    return DT_EPRELOAD;
  }
  /* A date no real list has (before Chromium's list existed, or far in the
   * future) would make a forged blob look fresh for ever (issue 18). */
  if (h->list_date < DT__PRELOAD_DATE_MIN ||
      h->list_date > DT__PRELOAD_DATE_MAX) {
    set_err(err,
            "list date out of range (%ld days since 1970; a list is "
            "dated 2010-01-01 to 2099-12-31)",
            (long)h->list_date);
    return DT_EPRELOAD;
  }
  if (!(flags & DT__PRELOAD_TRUSTED) &&
      dt__preload_blob_checksum(b, len) != h->checksum) {
    set_err(err, "checksum mismatch: the blob is corrupted");
    return DT_EPRELOAD;
  }
  if (h->block_size != BLK || h->restart != RST) {
    set_err(err, "block size %lu: this build reads 32, restarts every 4",
            (unsigned long)h->block_size);
    return DT_EPRELOAD;
  }
  if (h->n_blocks != ((size_t)h->entries + BLK - 1) / BLK ||
      h->n_noinc > h->entries || h->n_ovr > h->n_noinc ||
      (size_t)h->include_subdomains + h->n_noinc != h->entries ||
      h->fuse_seg == 0 || (h->fuse_seg & (h->fuse_seg - 1)) ||
      h->fuse_nseg == 0 || h->stream_bits > DT__PRELOAD_B_OFF) {
    set_err(err, "inconsistent counts in header");
    return DT_EPRELOAD;
  }
  uint32_t off[DT__PRELOAD_NSEC];
  size_t total = dt__preload_layout(h, off);
  if (total != len || memcmp(off, h->off, sizeof off) != 0) {
    set_err(err, "section offsets do not match the counts");
    return DT_EPRELOAD;
  }
  p->sep = b + off[DT__PRELOAD_SEC_SEP];
  p->boff = b + off[DT__PRELOAD_SEC_BOFF];
  p->meta = b + off[DT__PRELOAD_SEC_META];
  p->S = b + off[DT__PRELOAD_SEC_S];
  p->escp = b + off[DT__PRELOAD_SEC_ESCP];
  p->escs = b + off[DT__PRELOAD_SEC_ESCS];
  p->noinc = b + off[DT__PRELOAD_SEC_NOINC];
  p->ovr = b + off[DT__PRELOAD_SEC_OVR];
  p->tld = b + off[DT__PRELOAD_SEC_TLD];
  p->fuse = b + off[DT__PRELOAD_SEC_FUSE];
  p->stream = b + off[DT__PRELOAD_SEC_STREAM];
  /* The separators' padding must be all ones: the block search relies on
   * it to stop inside the real blocks. */
  for (size_t i = h->n_blocks; i < dt__preload_sep_slots(h->n_blocks); i++)
    if (sep_at(p, i) != ~0ULL) {
      set_err(err, "separator padding #%lu is not all ones", (unsigned long)i);
      return DT_EPRELOAD;
    }
  return 0;
}

/* Reads the entry in an escape table (sorted (entry, value) pairs) of N
 * rows; -1 when it has none. */
static long esc_find(const uint8_t *tab, size_t n, size_t entry) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (dt__preload_rd32(tab + 8 * mid) < entry)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < n && dt__preload_rd32(tab + 8 * lo) == entry)
    return (long)dt__preload_rd32(tab + 8 * lo + 4);
  return -1;
}

/* A canonical decoder for one context: codes of each length are
 * consecutive, starting at first[l] (RFC 1951 §3.2.2); lim[l] is where
 * the codes of length l end, left-justified in 24 bits (nondecreasing in
 * l), so a symbol's length is the first l whose lim exceeds the next 24
 * bits of the stream, and no bit is read one at a time. FAST answers a
 * code of at most 8 bits (nearly all) from the next 8 bits in one load:
 * symbol << 8 | length, 0 for a longer code. */
typedef struct canon_dec {
  uint32_t first[DT__PRELOAD_MAXCODE + 1], lim[DT__PRELOAD_MAXCODE + 1];
  uint8_t start[DT__PRELOAD_MAXCODE + 1], syms[NSYM];
  uint16_t fast[256];
} canon_dec;

/* From a context's code lengths (checked by dt__preload_canon first). */
static void canon_dec_init(canon_dec *d, const uint8_t *lens) {
  unsigned count[DT__PRELOAD_MAXCODE + 1] = {0}, at[DT__PRELOAD_MAXCODE + 1];
  for (unsigned s = 0; s < NSYM - 1; s++)
    if (lens[s] >= 1 && lens[s] <= DT__PRELOAD_MAXCODE) count[lens[s]]++;
  uint32_t code = 0;
  unsigned k = 0;
  for (unsigned l = 1; l <= DT__PRELOAD_MAXCODE; l++) {
    code = (code + count[l - 1]) << 1;
    d->first[l] = code;
    d->start[l] = (uint8_t)k;
    d->lim[l] = (code + count[l]) << (DT__PRELOAD_MAXCODE - l);
    at[l] = k;
    k += count[l];
  }
  for (unsigned s = 0; s < NSYM - 1; s++)
    if (lens[s] >= 1 && lens[s] <= DT__PRELOAD_MAXCODE)
      d->syms[at[lens[s]]++] = (uint8_t)(s + 1);
  memset(d->fast, 0, sizeof d->fast);
  for (unsigned l = 1; l <= 8; l++)
    for (unsigned i = 0; i < count[l]; i++) {
      unsigned c = d->first[l] + i, sym = d->syms[d->start[l] + i];
      for (unsigned x = c << (8 - l); x < (c + 1) << (8 - l); x++)
        d->fast[x] = (uint16_t)(sym << 8 | l);
    }
}

/* Decodes one symbol at bit *pos of ST (limit END; the stream's 8 bytes
 * of padding cover the 4-byte read); 0 when the bits run out or match no
 * code. */
static unsigned canon_dec_sym(const canon_dec *d, const uint8_t *st,
                              size_t *pos, size_t end) {
  if (*pos >= end) return 0;
  const uint8_t *b = st + (*pos >> 3);
  uint32_t w =
      (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  uint32_t v = (w << (*pos & 7)) >> (32 - DT__PRELOAD_MAXCODE);
  unsigned t = d->fast[v >> (DT__PRELOAD_MAXCODE - 8)];
  if (t) {
    if ((t & 255) > end - *pos) return 0;
    *pos += t & 255;
    return t >> 8;
  }
  for (unsigned l = 9; l <= DT__PRELOAD_MAXCODE; l++) {
    if (v >= d->lim[l]) continue;
    if (l > end - *pos) return 0;
    *pos += l;
    return d
        ->syms[d->start[l] + (v >> (DT__PRELOAD_MAXCODE - l)) - d->first[l]];
  }
  return 0;
}

#define PAIR_BASE ((size_t)'-' << 8) /* '-' is the lowest host byte */
#define PAIR_START '/' /* not a host byte: written after the host */

/* Decoders for every context, each built on first use. */
typedef struct key_dec {
  canon_dec dec[NSYM];
  uint64_t ready; /* bit c: dec[c] is built */
  const uint8_t *lens;
} key_dec;

/* Appends the characters coded at bit *POS of the stream ST (up to END) to
 * KEY[0..*KN), each decoded in the context of the character before it (the
 * key's start for the first): 0 when the bits are used up, 1 when *KN
 * reached MAX first, -1 on bits that are no code. */
static int key_dec_chars(key_dec *kd, const uint8_t *st, size_t *pos,
                         size_t end, uint8_t *key, size_t *kn, size_t max) {
  while (*pos < end) {
    if (*kn >= max) return 1;
    unsigned ctx = *kn ? (unsigned)dt__preload_sym(key[*kn - 1]) : 0;
    if (!(kd->ready >> ctx & 1)) {
      canon_dec_init(&kd->dec[ctx], kd->lens + ctx * (NSYM - 1));
      kd->ready |= 1ULL << ctx;
    }
    unsigned s = canon_dec_sym(&kd->dec[ctx], st, pos, end);
    if (!s) return -1;
    key[(*kn)++] = (uint8_t)DT__PRELOAD_ALPHABET[s - 1];
  }
  return 0;
}

/* The first N (<= 8) bytes of a separator: a block's implied prefix. */
static void sep_bytes(uint8_t *key, uint64_t sep, size_t n) {
  for (size_t j = 0; j < n; j++)
    key[j] = (uint8_t)(sep >> (56 - 8 * j));
}

/* SEP2 of every cut block: its first entry (a restart: the c_b bytes its
 * separator implies, then its suffix) decoded up to 12 characters. On a
 * forged trusted blob a code may not decode: that block keeps 0 (lookups
 * stay bounded, answers on a forged blob are not promised). */
static int derive_sep2(dt__preload *p, dt__preload_error *err) {
  size_t nb = p->h.n_blocks;
  p->sep2 = calloc(nb + 1, sizeof *p->sep2);
  p->derived_bytes += (nb + 1) * sizeof *p->sep2;
  key_dec *kd = malloc(sizeof *kd);
  if (!p->sep2 || !kd) {
    free(kd);
    set_err(err, "out of memory");
    return DT_ENOMEM;
  }
  kd->ready = 0;
  kd->lens = p->base + p->h.off[DT__PRELOAD_SEC_CODELEN];
  for (size_t b = 1; b < nb; b++) {
    uint32_t bo = boff_at(p, b);
    if (!(bo & DT__PRELOAD_B_CUT)) continue;
    uint64_t sb = sep_at(p, b);
    size_t kn = dt__preload_cpre(sb, sep_at(p, b + 1));
    uint8_t key[12];
    sep_bytes(key, sb, kn);
    long bits = p->S[b * BLK] & 127;
    if (bits == 127) bits = esc_find(p->escs, p->h.n_escs, b * BLK);
    size_t pos = bo & DT__PRELOAD_B_OFF,
           end = pos + (size_t)(bits < 0 ? 0 : bits);
    if (end > p->h.stream_bits) continue;
    key_dec_chars(kd, p->stream, &pos, end, key, &kn, sizeof key);
    uint32_t w = 0;
    for (size_t j = 8; j < kn; j++)
      w |= (uint32_t)key[j] << (24 - 8 * (j - 8));
    p->sep2[b] = w;
  }
  free(kd);
  return 0;
}

/* The escape corrections (ESC_BLK, ESC_COR) from the length escape
 * table. A forged trusted blob may have escapes below 127 or rows whose
 * S is not 127: the corrections then wrap to offsets stream_eq refuses. */
static int derive_esc(dt__preload *p, dt__preload_error *err) {
  size_t n = p->h.n_escs, nb = 0;
  for (size_t r = 0; r < n; r++) {
    size_t b = dt__preload_rd32(p->escs + 8 * r) / BLK;
    if (r == 0 || b != dt__preload_rd32(p->escs + 8 * (r - 1)) / BLK) nb++;
  }
  p->esc_blk = malloc((nb ? nb : 1) * sizeof *p->esc_blk);
  p->esc_cor = calloc(nb ? nb : 1, sizeof *p->esc_cor);
  p->derived_bytes += (nb ? nb : 1) * (sizeof *p->esc_blk + sizeof *p->esc_cor);
  if (!p->esc_blk || !p->esc_cor) {
    set_err(err, "out of memory");
    return DT_ENOMEM;
  }
  size_t k = SIZE_MAX;
  for (size_t r = 0; r < n; r++) {
    size_t e = dt__preload_rd32(p->escs + 8 * r), b = e / BLK;
    if (k == SIZE_MAX || b != p->esc_blk[k]) p->esc_blk[++k] = (uint32_t)b;
    uint32_t extra = dt__preload_rd32(p->escs + 8 * r + 4) - 127u;
    for (size_t j = e % BLK + 1; j <= BLK; j++)
      p->esc_cor[k][j] += extra;
  }
  p->n_esc_blk = nb;
  return 0;
}

/* The tables the lookup reads besides the blob: the code by byte pair
 * (each context's code lengths checked and turned into canonical codes
 * here, once) and the upper levels of the block search. */
static int derive(dt__preload *p, dt__preload_error *err) {
  const uint8_t *lens = p->base + p->h.off[DT__PRELOAD_SEC_CODELEN];
  p->pair = calloc((size_t)('z' + 1 - '-') << 8, sizeof *p->pair);
  p->derived_bytes = ((size_t)('z' + 1 - '-') << 8) * sizeof *p->pair;
  if (!p->pair) {
    set_err(err, "out of memory");
    return DT_ENOMEM;
  }
  for (size_t c = 0; c < NSYM; c++) {
    uint32_t code[NSYM - 1];
    if (dt__preload_canon(lens + c * (NSYM - 1), code)) {
      set_err(err, "bad code lengths for context #%lu", (unsigned long)c);
      return DT_EPRELOAD;
    }
    /* The context's byte: the key's start, or the previous character. */
    size_t pv = c ? (unsigned char)DT__PRELOAD_ALPHABET[c - 1] : PAIR_START;
    for (unsigned cv = 0; cv <= 'z'; cv++) {
      unsigned sy = cv == 0 ? 1 : dt__preload_sym((unsigned char)cv);
      if (sy) p->pair[(pv << 8 | cv) - PAIR_BASE] = code[sy - 1];
    }
  }
  p->fuse_range = (uint64_t)p->h.fuse_nseg * p->h.fuse_seg;
  size_t nb = p->h.n_blocks;
  p->nlv = 1;
  for (size_t cnt = nb, st = 8; cnt > 8; st *= 8) {
    cnt = (nb + st - 1) / st;
    size_t slots = (cnt + 7) / 8 * 8 + 8;
    uint64_t *v = malloc(slots * sizeof *v);
    p->derived_bytes += slots * sizeof *v;
    if (!v || p->nlv == 8) {
      free(v);
      set_err(err, "out of memory");
      return DT_ENOMEM;
    }
    for (size_t k = 0; k < slots; k++)
      v[k] = k < cnt ? sep_at(p, st * k) : ~0ULL;
    p->lv[p->nlv++] = v;
  }
  int rc = derive_sep2(p, err);
  return rc ? rc : derive_esc(p, err);
}

static void underive(dt__preload *p) {
  free(p->pair);
  free(p->sep2);
  free(p->esc_blk);
  free(p->esc_cor);
  for (unsigned l = 1; l < p->nlv; l++)
    free(p->lv[l]);
}

/* A reversed key's names rules: label bytes and dots, labels 1..63. */
static int key_ok(const uint8_t *k, size_t n) {
  size_t lab = 0;
  if (n == 0 || n > DT_MAX_HOST_BYTES) return 0;
  for (size_t i = 0; i < n; i++) {
    if (k[i] == '.') {
      if (lab == 0) return 0;
      lab = 0;
    } else if (!label_byte(k[i]) || ++lab > DT_MAX_LABEL_BYTES) {
      return 0;
    }
  }
  return lab > 0;
}

/* The untrusted open's full check: decode every entry (canon_dec_sym, a
 * symbol at a time: fast enough for a check done once), check the
 * names and their order, then write the keys again with the compiler's
 * writer and require the same bytes. Anything a forger could change —
 * a hash bit, an escape, a block offset, a filter cell — changes the
 * rewrite, so nothing is left to check one field at a time. */
static int verify(const dt__preload *p, dt__preload_error *err) {
  const dt__preload_hdr *h = &p->h;
  size_t n = h->entries;
  key_dec *kd = malloc(sizeof *kd);
  dt__preload_key_ref *keys = malloc((n ? n : 1) * sizeof *keys);
  size_t *ko = malloc((n ? n : 1) * sizeof *ko);
  dt__buf arena = dt__buf_make(0);
  uint8_t *blob = NULL;
  size_t blen = 0;
  int rc = DT_ENOMEM;
  if (!kd || !keys || !ko || dt__buf_reserve(&arena, 4096)) goto out;
  rc = DT_EPRELOAD;
  kd->ready = 0;
  kd->lens = p->base + h->off[DT__PRELOAD_SEC_CODELEN];
  size_t pos = 0, ni = 0, no = 0;
  uint8_t prevk[DT_MAX_HOST_BYTES + 1];
  const uint8_t *prev = NULL;
  size_t prevn = 0;
  for (size_t i = 0; i < n; i++) {
    size_t bi = i / BLK;
    uint64_t sb = sep_at(p, bi);
    size_t cb = dt__preload_cpre(sb, sep_at(p, bi + 1));
    uint8_t key[DT_MAX_HOST_BYTES + 1];
    size_t pl;
    long bits = p->S[i] & 127;
    if (bits == 127) bits = esc_find(p->escs, h->n_escs, i);
    if (i % RST == 0) {
      pl = cb;
      sep_bytes(key, sb, cb);
    } else {
      long pr = p->meta[i] & 15;
      if (pr == 15) pr = esc_find(p->escp, h->n_escp, i);
      pl = pr < 0 ? SIZE_MAX : cb + (size_t)pr;
      if (pl <= prevn) memcpy(key, prev, pl);
    }
    size_t kn = pl, end = pos + (size_t)bits;
    if (bits < 0 || pl > prevn + (i % RST == 0 ? 8 : 0) ||
        pl > DT_MAX_HOST_BYTES || end > h->stream_bits) {
      set_err(err, "bad entry #%lu (prefix, length or escape)",
              (unsigned long)i);
      goto out;
    }
    if (key_dec_chars(kd, p->stream, &pos, end, key, &kn, DT_MAX_HOST_BYTES) !=
        0) {
      set_err(err, "bad code in entry #%lu", (unsigned long)i);
      goto out;
    }
    int order = prev ? memcmp(prev, key, prevn < kn ? prevn : kn) : -1;
    if (!key_ok(key, kn) || order > 0 || (order == 0 && prevn >= kn)) {
      set_err(err, "bad or unsorted name in entry #%lu", (unsigned long)i);
      goto out;
    }
    if (dt__buf_put(&arena, key, kn)) {
      rc = DT_ENOMEM;
      goto out;
    }
    int inc = 1, ovr = 0;
    if (ni < h->n_noinc && dt__preload_rd32(p->noinc + 4 * ni) == (uint32_t)i) {
      inc = 0;
      ni++;
    }
    if (no < h->n_ovr && dt__preload_rd32(p->ovr + 4 * no) == (uint32_t)i) {
      ovr = 1;
      no++;
    }
    /* The arena may move: keys[i].k holds the offset until the end. */
    keys[i] =
        (dt__preload_key_ref){NULL, (uint32_t)kn, (uint8_t)inc, (uint8_t)ovr};
    ko[i] = arena.len - kn;
    memcpy(prevk, key, kn);
    prev = prevk;
    prevn = kn;
  }
  for (size_t i = 0; i < n; i++)
    keys[i].k = (const uint8_t *)arena.p + ko[i];
  if (ni != h->n_noinc || no != h->n_ovr || pos != h->stream_bits) {
    set_err(err, "entries and tables disagree (%lu flags unused)",
            (unsigned long)(h->n_noinc - ni + h->n_ovr - no));
    goto out;
  }
  int erc = dt__preload_emit(keys, n, h->list_date, &blob, &blen);
  if (erc == DT_ENOMEM) {
    rc = DT_ENOMEM;
    goto out;
  }
  if (erc || blen != p->len) {
    set_err(err, "not in canonical form: rewriting gives %lu bytes",
            (unsigned long)blen);
    goto out;
  }
  /* The body first: a forged body with a fixed-up checksum differs there,
   * and its checksum then differs only as a consequence. */
  size_t at = DT__PRELOAD_HDR_SIZE;
  while (at < blen && blob[at] == p->base[at])
    at++;
  if (at == blen) { /* then the header; equal throughout: canonical */
    at = 0;
    while (at < DT__PRELOAD_HDR_SIZE && blob[at] == p->base[at])
      at++;
    if (at == DT__PRELOAD_HDR_SIZE) at = blen;
  }
  if (at < DT__PRELOAD_HDR_SIZE) {
    set_err(err, "not in canonical form: the header differs at byte %lu",
            (unsigned long)at);
    goto out;
  }
  if (at < blen) {
    size_t sec = 0;
    while (sec + 1 < DT__PRELOAD_NSEC && h->off[sec + 1] <= at)
      sec++;
    set_err(err, "not in canonical form: %s differ at byte %lu",
            k_sec_name[sec], (unsigned long)at);
    goto out;
  }
  rc = 0;
out:
  if (rc == DT_ENOMEM) set_err(err, "out of memory");
  free(kd);
  free(keys);
  free(ko);
  dt__buf_free(&arena);
  free(blob);
  return rc;
}

int dt__preload_open_mem(dt__preload **out, const void *buf, size_t len,
                         unsigned flags, dt__preload_error *err) {
  if (!out || (!buf && len)) {
    set_err(err, "invalid argument");
    return DT_EINVAL;
  }
  *out = NULL;
  if (len > DT__PRELOAD_MAX_BLOB) {
    set_err(err, "blob too large (%lu bytes)", (unsigned long)len);
    return DT_EPRELOAD;
  }
  dt__preload *p = calloc(1, sizeof *p);
  if (!p) {
    set_err(err, "out of memory");
    return DT_ENOMEM;
  }
  p->base = buf;
  p->len = len;
  p->no_filter = (flags & DT__PRELOAD_NO_FILTER) != 0;
  /* The layout, then the code lengths (checked while the lookup's tables
   * are derived from them), then, for a blob from outside, every byte. */
  int rc = check_layout(p, flags, err);
  if (!rc) rc = derive(p, err);
  if (!rc && !(flags & DT__PRELOAD_TRUSTED)) rc = verify(p, err);
  if (rc) {
    underive(p);
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

int dt__preload_open_file(dt__preload **out, const char *path,
                          dt__preload_error *err) {
  if (!out || !path) {
    set_err(err, "invalid argument");
    return DT_EINVAL;
  }
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, "cannot open %s: %s", path, strerror(errno));
    return DT_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    set_err(err, "%s is not a regular file", path);
    return DT_EIO;
  }
  if ((uint64_t)st.st_size > DT__PRELOAD_MAX_BLOB || st.st_size == 0) {
    close(fd);
    set_err(err, "%s: size %lu is not a plausible blob", path,
            (unsigned long)st.st_size);
    return DT_EPRELOAD;
  }
  size_t n = (size_t)st.st_size;
  void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) {
    set_err(err, "cannot map %s", path);
    return DT_EIO;
  }
  int rc = dt__preload_open_mem(out, m, n, 0, err);
  if (rc) {
    munmap(m, n);
    return rc;
  }
  (*out)->map = m;
  (*out)->map_len = n;
  return 0;
}

void dt__preload_free(dt__preload *p) {
  if (!p) return;
  if (p->map) munmap(p->map, p->map_len);
  underive(p);
  free(p);
}

void dt__preload_get_info(const dt__preload *p, dt__preload_info *info) {
  memset(info, 0, sizeof *info);
  if (!p) return;
  info->entries = p->h.entries - p->h.n_ovr;
  info->include_subdomains = p->h.include_subdomains;
  info->overrides = p->h.n_ovr;
  info->blob_bytes = p->len;
  info->list_date_days = p->h.list_date;
  dt_date_format(p->h.list_date, info->list_date);
  info->checksum = p->h.checksum;
  snprintf(info->checksum_hex, sizeof info->checksum_hex, "%016llx",
           (unsigned long long)p->h.checksum);
  info->block_size = p->h.block_size;
  info->derived_bytes = sizeof *p + p->derived_bytes;
}

int64_t dt__preload_age_days(const dt__preload *p, const dt_clock *clock) {
  int64_t now = dt_clock_now_ms(clock);
  /* Floor division so times before 1970 still give whole days; 64-bit, so
   * no clock and no (bounded) list date can wrap it into "fresh". */
  int64_t day = now >= 0 ? now / 86400000 : -((-now + 86399999) / 86400000);
  return day - (p ? (int64_t)p->h.list_date : 0);
}

int dt__preload_is_stale(const dt__preload *p, const dt_clock *clock) {
  return p && dt__preload_age_days(p, clock) >= DT__PRELOAD_STALE_DAYS;
}

int dt__preload_apply_stale_policy(dt__preload *p, int disable,
                                   const dt_clock *clock) {
  if (!p) return 0;
  int stale = dt__preload_is_stale(p, clock);
  p->disabled_stale = disable && stale;
  return stale;
}

const char *dt__preload_reason_name(dt__preload_reason r) {
  switch (r) {
  case DT__PRELOAD_R_EXACT: return "exact";
  case DT__PRELOAD_R_ANCESTOR: return "ancestor";
  case DT__PRELOAD_R_NO_ENTRY: return "no-entry";
  case DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS:
    return "ancestor-without-include-subdomains";
  case DT__PRELOAD_R_CANCELLED: return "cancelled-by-deeper-entry";
  case DT__PRELOAD_R_OVERRIDDEN: return "overridden-by-non-hsts-entry";
  case DT__PRELOAD_R_BAD_HOST: return "bad-host";
  case DT__PRELOAD_R_DISABLED_STALE: return "disabled-stale";
  }
  return "unknown";
}

/* ---- lookup -------------------------------------------------------------- */

/* N bits from bit XO of X and bit YO of Y are equal. Both buffers have 8
 * readable bytes past their last bit (the stream's padding, the host
 * code's slack). */
static inline uint64_t bits_at(const uint8_t *b, size_t off) {
  uint64_t v;
  memcpy(&v, b + (off >> 3), 8);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v << (off & 7);
}
static inline int bits_eq(const uint8_t *x, size_t xo, const uint8_t *y,
                          size_t yo, size_t n) {
  while (n > 56) {
    if ((bits_at(x, xo) ^ bits_at(y, yo)) >> 8) return 0;
    xo += 56;
    yo += 56;
    n -= 56;
  }
  return !((bits_at(x, xo) ^ bits_at(y, yo)) >> (63 - n) >> 1);
}
/* A stream comparison, bounded: on a forged trusted blob a candidate's
 * offset and length may point anywhere; a valid blob always passes. */
static inline int stream_eq(const dt__preload *p, size_t off, const uint8_t *et,
                            size_t eo, size_t n) {
  return off <= p->h.stream_bits && n <= p->h.stream_bits - off &&
         bits_eq(p->stream, off, et, eo, n);
}

/* Entry I's shared prefix beyond c_b and its suffix bits, escapes
 * resolved; a missing escape (forged blob) gives a value no candidate
 * can match. */
static inline size_t entry_p(const dt__preload *p, size_t i) {
  size_t v = p->meta[i] & 15;
  if (v == 15) {
    long e = esc_find(p->escp, p->h.n_escp, i);
    v = e < 0 ? 0xFFFF : (size_t)e;
  }
  return v;
}
/* The host's key coded with the list's code up to character M: et = the
 * bits, cum[t] = where character t's bits start. From character 0, though
 * no block stores its implied prefix (every position compared is >= the
 * block's c_b): coding the few characters more costs less than waiting for
 * the block search to say where to start (docs/preload-format.md, "Lookup";
 * bench_preload compares both), and one code serves every block. */
typedef struct host_code {
  const uint8_t *hend; /* one past the host's last byte: key character t
                          is hend[-1 - t] */
  size_t M;
  uint16_t cum[DT_MAX_HOST_BYTES + 11];
  uint8_t et[(DT_MAX_HOST_BYTES + 1) * DT__PRELOAD_MAXCODE / 8 + 24];
} host_code;

static inline size_t ld16(const uint8_t *b) {
  uint16_t v; /* one load (gcc splits the two-byte expression in the loop) */
  memcpy(&v, b, 2);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap16(v);
#endif
  return v;
}

/* Two characters a step, one append of at most 48 bits; each character's
 * code is read with its context as the u16 at its address (the pair
 * table). An odd count codes one character more (the zero byte before the
 * host, as a dot); its cum entry and bits are never read. */
static void code_host(const dt__preload *p, host_code *hc) {
  const uint32_t *T = p->pair;
  const uint8_t *q = hc->hend - 1, *qe = hc->hend - 1 - hc->M;
  uint16_t *cp = hc->cum;
  uint8_t *o = hc->et;
  uint64_t acc = 0;
  int fr = 64; /* free bits in acc */
  unsigned bitpos = 0;
  while (q > qe) {
    uint32_t e1 = T[ld16(q) - PAIR_BASE], e2 = T[ld16(q - 1) - PAIR_BASE];
    q -= 2;
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
      uint64_t wv = acc;
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      wv = __builtin_bswap64(wv);
#endif
      memcpy(o, &wv, 8);
      o += 8;
      fr += 64;
      acc = code << fr;
    }
  }
  *cp = (uint16_t)bitpos;
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  acc = __builtin_bswap64(acc);
#endif
  memcpy(o, &acc, 8);
  memset(o + 8, 0, 8);
}

/* How many of V[1..7] are <= KP (V[0] is, by the level above). */
static inline size_t count8(uint64_t v1, uint64_t v2, uint64_t v3, uint64_t v4,
                            uint64_t v5, uint64_t v6, uint64_t v7,
                            uint64_t kp) {
  size_t c0 = 0, c1 = 0;
  c0 += v1 <= kp;
  c1 += v2 <= kp;
  c0 += v3 <= kp;
  c1 += v4 <= kp;
  c0 += v5 <= kp;
  c1 += v6 <= kp;
  c0 += v7 <= kp;
  return c0 + c1;
}

/* The last block whose separator is <= KP: one group of 8 separators (a
 * cache line) counted per level, top down (a handful of levels for a real
 * list), the last level in the blob. Branch-free: a search
 * mispredicts nothing. */
static inline size_t locate(const dt__preload *p, uint64_t kp) {
  size_t k = 0;
  for (unsigned l = p->nlv; --l > 0;) {
    const uint64_t *v = p->lv[l] + 8 * k;
    k = 8 * k + count8(v[1], v[2], v[3], v[4], v[5], v[6], v[7], kp);
  }
  const uint8_t *v = p->sep + 64 * k;
  return 8 * k + count8(dt__preload_rd64(v + 8), dt__preload_rd64(v + 16),
                        dt__preload_rd64(v + 24), dt__preload_rd64(v + 32),
                        dt__preload_rd64(v + 40), dt__preload_rd64(v + 48),
                        dt__preload_rd64(v + 56), kp);
}

/* Block BI's row of escape corrections (it has a length escape). */
static const uint32_t k_no_cor[BLK + 1];
static inline const uint32_t *esc_row(const dt__preload *p, size_t bi) {
  size_t lo = 0, hi = p->n_esc_blk;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->esc_blk[mid] < bi)
      lo = mid + 1;
    else
      hi = mid;
  }
  /* Not found only in a forged trusted blob (a flag without escapes). */
  return lo < p->n_esc_blk && p->esc_blk[lo] == bi ? p->esc_cor[lo] : k_no_cor;
}

/* Block B's first key starts with the 12 bytes KP, KP2 and its separator
 * was cut: a key with those 12 bytes may sort before it. */
static inline int cut12(const dt__preload *p, size_t b, uint64_t kp,
                        uint32_t kp2) {
  return (boff_at(p, b) & DT__PRELOAD_B_CUT) && sep_at(p, b) == kp &&
         p->sep2[b] == kp2;
}

/* The block for a key (KP, KP2: its bytes 0..7 and 8..11, big-endian,
 * zero-padded): the last whose separator is <= KP, then, in a run of
 * separators cut to KP, back over the blocks whose first key's bytes
 * 8..11 are greater than the key's. */
static inline size_t locate_key(const dt__preload *p, uint64_t kp,
                                uint32_t kp2) {
  size_t g = locate(p, kp);
  /* One branch, rarely taken, instead of four that follow the data. */
  while ((unsigned)(g > 0) & (unsigned)(sep_at(p, g) == kp) &
         (unsigned)(p->sep2[g] > kp2) &
         (unsigned)((boff_at(p, g) & DT__PRELOAD_B_CUT) != 0))
    g--;
  return g;
}

/* The entry whose key is the host's last m characters (hash HH), or -1.
 * KP, KP2: the key's bytes 0..7 and 8..11 (big-endian, zero-padded); G:
 * its block (locate_key). */
static long find(const dt__preload *p, const host_code *hc, uint64_t kp,
                 uint32_t kp2, size_t m, uint64_t hh, size_t g) {
  const uint16_t *cum = hc->cum;
  for (size_t bi = g;; bi--) {
    /* An earlier block only when the later one's first key shares the
     * key's first 12 bytes (rare): the key may sort before it. */
    if (bi != g && (bi + 1 == 0 || !cut12(p, bi + 1, kp, kp2))) break;
    size_t cb = dt__preload_cpre(sep_at(p, bi), sep_at(p, bi + 1));
    const uint16_t *cumr = cum + cb; /* cum by p relative to c_b */
    size_t lb = cum[m];
    size_t base = bi * BLK;
    const uint8_t *mt = p->meta + base, *sb = p->S + base;
    uint64_t msk = 0;
    /* The entries whose 5 hash bits match (1 in 32 of the others). */
#ifdef PL_SSE2
    {
      __m128i f = _mm_set1_epi8((char)0xF0),
              hq = _mm_set1_epi8((char)dt__preload_hash_meta(hh));
      __m128i m0 = _mm_loadu_si128((const __m128i *)mt),
              m1 = _mm_loadu_si128((const __m128i *)(mt + 16));
      msk = (uint64_t)(unsigned)_mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_and_si128(m0, f), hq)) |
            (uint64_t)(unsigned)_mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_and_si128(m1, f), hq))
                << 16;
      uint64_t hb = (uint64_t)(unsigned)_mm_movemask_epi8(
                        _mm_loadu_si128((const __m128i *)sb)) |
                    (uint64_t)(unsigned)_mm_movemask_epi8(
                        _mm_loadu_si128((const __m128i *)(sb + 16)))
                        << 16;
      msk &= hb ^ (((hh >> 59) & 1) - 1);
    }
#else
    {
      const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL, high = 0x8080808080808080ULL;
      uint64_t hv = 0x0101010101010101ULL * dt__preload_hash_meta(hh);
      uint64_t want = ((hh >> 59) & 1) - 1;
      for (size_t w = 0; w < BLK / 8; w++) {
        uint64_t x = (dt__ld_le64(mt + 8 * w) ^ hv) & 0xF0F0F0F0F0F0F0F0ULL;
        uint64_t z = ~(((x & lo7) + lo7) | x) & high;
        uint64_t eq = (z >> 7) * 0x0102040810204080ULL >> 56;
        uint64_t hb =
            ((dt__ld_le64(sb + 8 * w) & high) >> 7) * 0x0102040810204080ULL >>
            56;
        msk |= (eq & (hb ^ want) & 0xFF) << (8 * w);
      }
    }
#endif
    if (bi + 1 == p->h.n_blocks) /* the last block may be short */
      msk &= (1ULL << (p->h.entries - base)) - 1;
    uint32_t bo = boff_at(p, bi);
    const uint32_t *cor = bo & DT__PRELOAD_B_SESC ? esc_row(p, bi) : k_no_cor;
    bo &= DT__PRELOAD_B_OFF;
    while (msk) {
      size_t j = (size_t)__builtin_ctzll(msk);
      msk &= msk - 1;
      size_t pr = entry_p(p, base + j); /* relative to c_b; 0 at a restart */
      size_t pj = pr + cb; /* pj == m: a restart with no suffix bits */
      if (pj > m) continue;
      size_t sj = (sb[j] & 127u) + cor[j + 1] - cor[j];
      if (cum[pj] + sj != lb) continue;
      /* Its offset: the block's plus the suffix lengths before it (the
       * 7-bit ones summed here, the escapes' excess in COR). */
      size_t r0 = j & ~(size_t)(RST - 1), off = bo;
#ifdef PL_SSE2
      static const uint8_t k_ff[64] = {127, 127, 127, 127, 127, 127, 127, 127,
                                       127, 127, 127, 127, 127, 127, 127, 127,
                                       127, 127, 127, 127, 127, 127, 127, 127,
                                       127, 127, 127, 127, 127, 127, 127, 127};
      {
        __m128i x0 =
            _mm_and_si128(_mm_loadu_si128((const __m128i *)sb),
                          _mm_loadu_si128((const __m128i *)(k_ff + 32 - j)));
        __m128i x1 =
            _mm_and_si128(_mm_loadu_si128((const __m128i *)(sb + 16)),
                          _mm_loadu_si128((const __m128i *)(k_ff + 48 - j)));
        __m128i sm = _mm_add_epi64(_mm_sad_epu8(x0, _mm_setzero_si128()),
                                   _mm_sad_epu8(x1, _mm_setzero_si128()));
        off += (size_t)_mm_cvtsi128_si32(sm) +
               (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sm, 8));
      }
#else
      {
        uint64_t acc = 0;
        for (size_t w = 0; w < BLK / 8; w++) {
          size_t nbt = j > 8 * w ? j - 8 * w : 0;
          uint64_t mk = nbt >= 8 ? ~0ULL : (1ULL << (8 * nbt)) - 1;
          uint64_t x = dt__ld_le64(sb + 8 * w) & mk & 0x7F7F7F7F7F7F7F7FULL;
          acc +=
              (x & 0x00FF00FF00FF00FFULL) + ((x >> 8) & 0x00FF00FF00FF00FFULL);
        }
        off += (size_t)((acc * 0x0001000100010001ULL) >> 48);
      }
#endif
      if (!stream_eq(p, off + cor[j], hc->et, cum[pj], sj)) continue;
      /* The entries that set its shared prefix, back to the restart:
       * each time the last one before with a shorter p. */
      size_t lim = pr, o = off + cor[j];
      if (lim == 0) return (long)(base + j); /* a restart: nothing before */
#ifdef PL_SSE2
      if (lim <= 15) {
        static const uint8_t k_ff2[32] = {127, 127, 127, 127, 127, 127,
                                          127, 127, 127, 127, 127, 127,
                                          127, 127, 127, 127};
        __m128i pv = _mm_and_si128(_mm_loadu_si128((const __m128i *)(mt + r0)),
                                   _mm_set1_epi8(15));
        __m128i sv = _mm_loadu_si128((const __m128i *)(sb + r0));
        __m128i x = _mm_and_si128(
            sv, _mm_loadu_si128((const __m128i *)(k_ff2 + 16 - (j - r0))));
        __m128i sm = _mm_sad_epu8(x, _mm_setzero_si128());
        size_t segoff =
            off - ((size_t)_mm_cvtsi128_si32(sm) +
                   (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sm, 8)));
        unsigned cur = (unsigned)(j - r0);
        while (lim > 0) {
          unsigned lt = (unsigned)_mm_movemask_epi8(
                            _mm_cmpgt_epi8(_mm_set1_epi8((char)lim), pv)) &
                        ((1u << cur) - 1);
          if (!lt) break; /* only in a forged blob */
          unsigned i = 31 - (unsigned)__builtin_clz(lt);
          __m128i y = _mm_and_si128(
              sv, _mm_loadu_si128((const __m128i *)(k_ff2 + 16 - i)));
          __m128i sy = _mm_sad_epu8(y, _mm_setzero_si128());
          size_t oi = segoff + (size_t)_mm_cvtsi128_si32(sy) +
                      (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sy, 8)) +
                      cor[r0 + i];
          size_t pi = mt[r0 + i] & 15;
          if (!stream_eq(p, oi, hc->et, cumr[pi], (size_t)cumr[lim] - cumr[pi]))
            break;
          lim = pi;
          cur = i;
        }
        if (lim == 0) return (long)(base + j);
        continue;
      }
#endif
      for (size_t i = j; lim > 0 && i > r0;) {
        i--;
        o -= (sb[i] & 127u) + cor[i + 1] - cor[i];
        size_t pi = mt[i] & 15;
        if (pi >= lim) continue;
        if (pi == 15) {
          pi = entry_p(p, base + i);
          if (pi >= lim) continue;
        }
        if (!stream_eq(p, o, hc->et, cumr[pi], (size_t)cumr[lim] - cumr[pi]))
          break;
        lim = pi;
      }
      if (lim == 0) return (long)(base + j);
    }
  }
  return -1;
}

/* Entry IX's flags: 0 with include_subdomains (nearly every entry: the
 * block flag answers for at least 91% of blocks in 2026), 1 without it, 3
 * an override (not force-https: every override is written without
 * include_subdomains, so only such an entry is looked for among them, a
 * binary search of an empty list in 2026). */
static unsigned entry_flags(const dt__preload *p, size_t ix) {
  if (!(boff_at(p, ix / BLK) & DT__PRELOAD_B_NOINC)) return 0;
  size_t lo = 0, hi = p->h.n_noinc;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (dt__preload_rd32(p->noinc + 4 * mid) < ix)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo >= p->h.n_noinc || dt__preload_rd32(p->noinc + 4 * lo) != ix) return 0;
  lo = 0;
  hi = p->h.n_ovr;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (dt__preload_rd32(p->ovr + 4 * mid) < ix)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->h.n_ovr && dt__preload_rd32(p->ovr + 4 * lo) == ix ? 3u : 1u;
}

#ifndef PL_SSE2
/* Host byte → key byte: ASCII lowered, label bytes kept, '.' kept,
 * anything else 0 (not a name we can look up). One load per byte instead
 * of a chain of range checks. */
#define LB2(c) [c] = c, [c - 32] = c
static const uint8_t k_keybyte[256] = {
    LB2('a'),    LB2('b'),    LB2('c'),    LB2('d'),    LB2('e'),
    LB2('f'),    LB2('g'),    LB2('h'),    LB2('i'),    LB2('j'),
    LB2('k'),    LB2('l'),    LB2('m'),    LB2('n'),    LB2('o'),
    LB2('p'),    LB2('q'),    LB2('r'),    LB2('s'),    LB2('t'),
    LB2('u'),    LB2('v'),    LB2('w'),    LB2('x'),    LB2('y'),
    LB2('z'),    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3',
    ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8',
    ['9'] = '9', ['-'] = '-', ['_'] = '_', ['.'] = '.'};
#undef LB2
#endif

/* dt__preload_key_make, inlined into the lookup. */
static inline int key_make(dt__preload_key *k, const char *host, size_t len) {
  if (!host) len = 0;
  while (len > 0 && host[len - 1] == '.')
    len--;
  if (len - 1 >= DT_MAX_HOST_BYTES) return -1; /* also len == 0 */
  uint8_t *buf = k->buf + 16;
  memset(k->buf, 0, 16);
  /* Up to 32 bytes: two overlapping moves of a fixed size, no call. */
  if (len >= 16 && len <= 32) {
    memcpy(buf, host, 16);
    memcpy(buf + len - 16, host + len - 16, 16);
  } else if (len >= 8 && len < 16) {
    memcpy(buf, host, 8);
    memcpy(buf + len - 8, host + len - 8, 8);
  } else if (len >= 4 && len < 8) {
    memcpy(buf, host, 4);
    memcpy(buf + len - 4, host + len - 4, 4);
  } else if (len < 4) {
    buf[0] = (uint8_t)host[0];
    buf[len >> 1] = (uint8_t)host[len >> 1];
    buf[len - 1] = (uint8_t)host[len - 1];
  } else {
    memcpy(buf, host, len);
  }
  /* Valid and not a dot, so the 16-byte steps below need no mask. */
  memset(buf + len, 'a', 16);
  /* Lower, check and find the dots, 16 bytes at a time. */
  uint32_t dm[16]; /* dot bits of each 16-byte chunk */
  size_t nch = (len + 15) / 16;
  dm[1] = dm[2] = dm[3] = 0; /* the short-host path reads 4 */
#ifdef PL_SSE2
  {
    /* x in [lo, lo + n) <=> (int8)(x + 0x80 - lo) < -128 + n: one add and
     * one compare a range. */
    unsigned badm = 0;
    const __m128i oA = _mm_set1_epi8((char)(0x80 - 'A')),
                  oa = _mm_set1_epi8((char)(0x80 - 'a')),
                  od = _mm_set1_epi8((char)(0x80 - '-')),
                  k26 = _mm_set1_epi8(-128 + 26),
                  k13 = _mm_set1_epi8(-128 + 13), cdot = _mm_set1_epi8('.'),
                  cslash = _mm_set1_epi8('/'), cus = _mm_set1_epi8('_'),
                  c20 = _mm_set1_epi8(0x20);
    for (size_t c = 0; c < nch; c++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(buf + 16 * c));
      v = _mm_or_si128(
          v, _mm_and_si128(_mm_cmplt_epi8(_mm_add_epi8(v, oA), k26), c20));
      _mm_storeu_si128((__m128i *)(buf + 16 * c), v);
      __m128i dot = _mm_cmpeq_epi8(v, cdot);
      /* a-z, '_', and '-' '.' '0'-'9' (the 13 bytes from '-') but '/' */
      __m128i ok = _mm_or_si128(
          _mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(v, oa), k26),
                       _mm_cmpeq_epi8(v, cus)),
          _mm_andnot_si128(_mm_cmpeq_epi8(v, cslash),
                           _mm_cmplt_epi8(_mm_add_epi8(v, od), k13)));
      badm |= (unsigned)_mm_movemask_epi8(ok) ^ 0xFFFFu;
      dm[c] = (uint32_t)_mm_movemask_epi8(dot);
    }
    if (badm) return -1;
  }
#else
  {
    unsigned bad = 0;
    memset(dm, 0, nch * sizeof *dm);
    for (size_t i = 0; i < len; i++) {
      unsigned c = k_keybyte[buf[i]];
      buf[i] = (uint8_t)c;
      bad |= c == 0;
      dm[i >> 4] |= (uint32_t)(c == '.') << (i & 15);
    }
    if (bad) return -1;
  }
#endif
  buf[len] = PAIR_START; /* the context of the key's first character */
  /* Labels of 1..63 bytes. A host of <= 63 bytes: no label is too long,
   * and an empty one is a leading dot or two adjacent dots (trailing dots
   * were stripped), two bit tests on its dot mask; the lookup takes the
   * ancestors from the mask. A longer one: label by label, from the
   * right, noting each ancestor's key length. */
  size_t na = 0;
  if (len <= 63) {
    uint64_t D = (uint64_t)dm[0] | (uint64_t)dm[1] << 16 |
                 (uint64_t)dm[2] << 32 | (uint64_t)dm[3] << 48;
    if ((D & 1) | (D & (D >> 1))) return -1;
    k->dots = D; /* no label count: the lookup walks the mask (a popcount
                    is a libgcc call without -mpopcnt) */
  } else {
    size_t endl = len;
    for (size_t c = nch; c-- > 0;) {
      uint32_t z = dm[c];
      while (z) {
        size_t dp = 16 * c + 31 - (size_t)__builtin_clz(z);
        z &= ~(1u << (dp & 15));
        if (endl - dp - 2 >= DT_MAX_LABEL_BYTES) return -1;
        k->ml[na++] = (uint8_t)(len - dp - 1);
        endl = dp;
      }
    }
    if (endl - 1 >= DT_MAX_LABEL_BYTES) return -1;
    k->ml[na++] = (uint8_t)len;
  }
  /* The hash state after each whole word of the key: little-endian words
   * of the text from its end (= big-endian words of the reversed key). */
  const uint8_t *hend = buf + len;
  k->stq[0] = 0;
  for (size_t q = 0; q < (len >> 3); q++)
    k->stq[q + 1] = dt__preload_hstep(k->stq[q], dt__ld_le64(hend - 8 * q - 8));
  k->len = len;
  k->labels = na;
  return 0;
}

/* dt__preload_key_hash of the key of the ancestor whose key is the host's
 * last M bytes: the whole words' state, the last partial word (possibly
 * empty) and the length. */
static inline uint64_t key_hash_at(const dt__preload_key *k, size_t m) {
  const uint8_t *hend = k->buf + 16 + k->len;
  size_t q = m >> 3;
  uint64_t keep = ~(~0ULL >> (8 * (m & 7))); /* 0 when m % 8 == 0 */
  return dt__preload_hfinal(
      dt__preload_hstep(k->stq[q], dt__ld_le64(hend - 8 * q - 8) & keep), m);
}

int dt__preload_key_make(dt__preload_key *k, const char *host, size_t len) {
  return key_make(k, host, len);
}

/* Copies the host's last N characters (an entry's name) into OUT (room for
 * DT_MAX_HOST_BYTES + 1). Names are short: up to 32 bytes take one or two
 * fixed 16-byte moves instead of a call (the key's buffer has 16 bytes
 * after the text, so a move may read past the name). */
static inline void put_name(char *out, const dt__preload_key *k, size_t n) {
  const char *src = dt__preload_key_canon(k) + k->len - n;
  if (n <= 16) {
    memcpy(out, src, 16);
  } else if (n <= 32) {
    memcpy(out, src, 16);
    memcpy(out + n - 16, src + n - 16, 16);
  } else {
    memcpy(out, src, n);
  }
  out[n] = '\0';
}

/* Aligned to a cache line: where the function happens to start moves its
 * loops across fetch boundaries, and bench_preload measured a 16-byte start
 * 1-6% slower than a 64-byte one for the same instructions (format 4,
 * docs/preload-format.md "Measured"). */
#if defined(__GNUC__)
__attribute__((aligned(64)))
#endif
int dt__preload_lookup(const dt__preload *p, const char *host, size_t len,
                       dt__preload_mode mode, dt__preload_match *m) {
  /* Without a match to fill (a yes/no question) no name is copied. */
  dt__preload_match scratch;
  int names = m != NULL;
  if (!m) m = &scratch;
  m->known = 0;
  m->name[0] = m->cancelled[0] = '\0';
  m->include_subdomains = 0;
  m->reason = DT__PRELOAD_R_NO_ENTRY;
  if (!p) return 0;
  if (p->disabled_stale) {
    m->reason = DT__PRELOAD_R_DISABLED_STALE;
    return 0;
  }
  dt__preload_key key;
  if (key_make(&key, host, len)) {
    m->reason = DT__PRELOAD_R_BAD_HOST;
    return 0;
  }
  if (p->h.entries == 0) return 0;
  /* Ancestors deepest first (the host itself, then without its first
   * label, ...), each hashed only when reached: the filter (the top-level
   * label only when the one-label map has its bit: few one-label names are
   * listed), then the blocks. The first ancestor that passes fixes how far
   * the host is coded. Chromium: the first entry found decides
   * (PreloadDecoder::ReadEntry overwrites its result at every entry on a
   * label boundary, so the deepest wins; for an ancestor, force_https &=
   * include_subdomains); when it says no — an ancestor without
   * include_subdomains, or an override — the next one found with it is
   * what that entry cancelled. Fetch/Firefox: the host's own entry, else
   * the deepest ancestor with include_subdomains; overrides are not in
   * their lists. */
  const uint8_t *hend = key.buf + 16 + key.len;
  /* The key's first 8 bytes and the next 4 (the 16 bytes before the
   * host in the key's buffer are zero). */
  uint64_t kp8 = dt__ld_le64(hend - 8);
  uint32_t kp12 = dt__ld_le32(hend - 12);
  const int short_host = key.len <= 63;
  uint64_t D = key.dots;
  size_t d = key.labels - 1, len0 = key.len; /* d: a long host's only */
  size_t deep = SIZE_MAX; /* deepest entry found, when it did not decide */
  host_code hc;
  hc.hend = hend;
  hc.M = 0;
  for (size_t ml = len0;;) {
    const int top = short_host ? D == 0 : d == 0;
    uint64_t hh = key_hash_at(&key, ml);
    if (p->no_filter ||
        ((!top || (p->tld[(hh & 255) >> 3] >> (hh & 7) & 1)) &&
         dt__preload_fuse_has(p->fuse, p->fuse_range, p->h.fuse_seg, hh))) {
      /* The ancestor's bytes of each: the low ones cleared (shifts, not
       * branches: ML follows the data). */
      unsigned s1 = 8 * (8 - (unsigned)(ml < 8 ? ml : 8)),
               s2 = 8 * (12 - (unsigned)(ml < 8    ? 8
                                         : ml < 12 ? ml
                                                   : 12));
      uint64_t kp = kp8 >> s1 << s1;
      uint32_t kp2 = (uint32_t)((uint64_t)kp12 >> s2 << s2);
      size_t g = locate_key(p, kp, kp2);
      if (!hc.M) { /* code the key up to here, meanwhile fetch the block */
        __builtin_prefetch(p->meta + g * BLK);
        __builtin_prefetch(p->S + g * BLK);
        const uint8_t *sp =
            p->stream + ((boff_at(p, g) & DT__PRELOAD_B_OFF) >> 3);
        __builtin_prefetch(sp);
        __builtin_prefetch(sp + 64);
        __builtin_prefetch(sp + 128);
        hc.M = ml;
        code_host(p, &hc);
      }
      long ix = find(p, &hc, kp, kp2, ml, hh, g);
      if (ix >= 0) {
        unsigned fl = entry_flags(p, (size_t)ix);
        int inc = !fl, ovr = (int)(fl >> 1), exact = ml == len0;
        /* The usual outcomes in one test, without a branch on which. */
        if ((exact & !ovr) |
            (inc & ((mode == DT__PRELOAD_ANY_ANCESTOR) | (deep == SIZE_MAX)))) {
          m->reason = exact ? DT__PRELOAD_R_EXACT : DT__PRELOAD_R_ANCESTOR;
          if (names) put_name(m->name, &key, ml);
          m->include_subdomains = inc;
          m->known = 1;
          return 1;
        }
        if (inc) { /* chromium: a deeper entry without it decided */
          if (m->reason != DT__PRELOAD_R_OVERRIDDEN)
            m->reason = DT__PRELOAD_R_CANCELLED;
          if (names) put_name(m->cancelled, &key, ml);
          break;
        }
        /* Without include_subdomains, or an override: under chromium the
         * deepest such entry decides "no"; fetch and firefox pass over
         * overrides. */
        if (deep == SIZE_MAX && (!ovr || mode == DT__PRELOAD_MOST_SPECIFIC)) {
          deep = ml;
          if (ovr) m->reason = DT__PRELOAD_R_OVERRIDDEN;
        }
      }
    }
    if (top) break;
    if (short_host) { /* drop the leftmost label: after the lowest dot */
      ml = len0 - (size_t)__builtin_ctzll(D) - 1;
      D &= D - 1;
    } else {
      ml = key.ml[--d];
    }
  }
  if (deep != SIZE_MAX) { /* the reason is set unless it is the plain one */
    if (m->reason == DT__PRELOAD_R_NO_ENTRY)
      m->reason = DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS;
    if (names) put_name(m->name, &key, deep);
  }
  return 0;
}
