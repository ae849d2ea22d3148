/* preload_format.h — the blob's byte layout (format version 4), shared by
 * the writer (preload_emit.c), the reader (preload.c) and the tests.
 * docs/preload-format.md is the prose version and says why each piece is
 * there. All integers are little-endian and read through byte loads, so a
 * blob may sit at any address; the bit stream is MSB-first.
 *
 * In one paragraph: the names, lowered and reversed character by character
 * ("www.example.com" → "moc.elpmaxe.www", so an ancestor's key is a prefix
 * of its descendants' keys), sorted bytewise, in blocks of 32 entries. Each
 * block has a separator (the shortest prefix of its first key greater than
 * the previous key, at most 8 bytes, a big-endian u64) and a bit offset
 * into one stream; every key of block b shares the first c_b bytes, the
 * common leading bytes of separators b and b + 1 (dt__preload_cpre), so
 * they are not stored. Front coding restarts every 4 entries; an entry's
 * own characters are an order-1 canonical Huffman code (context: the
 * previous key character). Each entry has two bytes: META = 4 hash bits
 * << 4 | min(p − c_b, 15) (p: characters shared with the previous key; 0 at
 * a restart) and S = a fifth hash bit << 7 | the suffix's length in bits
 * (127: look it up in the escape table). A binary fuse filter over every
 * key's hash turns most absent ancestors away; a 256-bit map does the same
 * for one-label names. Two sorted lists of entry numbers carry the flags:
 * the entries without include_subdomains, and among them the overrides —
 * entries of Chromium's file that are not force-https (pins or Expect-CT
 * only), which still match and decide for their subtree in Chromium
 * (net/http/transport_security_state.cc, PreloadDecoder::ReadEntry). */
#ifndef DT_HSTS_PRELOAD_FORMAT_H
#define DT_HSTS_PRELOAD_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hsts/base/bytes.h"

/* ---- header: 128 bytes ------------------------------------------------------
 * 0 magic "DTHSTSPL", then u32 fields at the offsets below: 8..67 the
 * counts, 68..115 the section offsets, 116 the overrides' count; 120 the
 * XXH64 checksum (dt__preload_blob_checksum). */
#define DT__PRELOAD_HDR_SIZE 128u
/* The list dates a blob may carry: 2010-01-01 (before Chromium's list
 * existed no list is real) to 2099-12-31, as days since 1970-01-01. The
 * compiler refuses others and so does opening. */
#define DT__PRELOAD_DATE_MIN 14610
#define DT__PRELOAD_DATE_MAX 47481
#define DT__PRELOAD_OFF_CHECKSUM 120u
#define DT__PRELOAD_BLOCK 32u  /* entries a block: part of the format */
#define DT__PRELOAD_RESTART 4u /* front coding restarts: part of the format */
/* Code symbols 1..39 in this order (0: the START context before a key's
 * first character); part of the format. */
#define DT__PRELOAD_ALPHABET ".-0123456789_abcdefghijklmnopqrstuvwxyz"
#define DT__PRELOAD_NSYM 40u
#define DT__PRELOAD_MAXCODE 24u /* longest code, bits */
#define DT__PRELOAD_CODELEN_BYTES (DT__PRELOAD_NSYM * (DT__PRELOAD_NSYM - 1))
#define DT__PRELOAD_FUSE_BITS 6u /* bits a fuse filter cell */
/* BOFF flags: the low 29 bits are the block's first bit in the stream. */
#define DT__PRELOAD_B_SESC 0x80000000u /* an S escape in the block */
#define DT__PRELOAD_B_NOINC                                                    \
  0x40000000u                         /* an entry without incl._subdomains     \
                                       */
#define DT__PRELOAD_B_CUT 0x20000000u /* separator cut to 8 bytes */
#define DT__PRELOAD_B_OFF 0x1FFFFFFFu

/* Sections, in blob order; each starts 64-aligned. */
enum {
  DT__PRELOAD_SEC_SEP,     /* u64 per block, padded (see dt__preload_layout) */
  DT__PRELOAD_SEC_BOFF,    /* u32 per block */
  DT__PRELOAD_SEC_META,    /* 1 byte per entry + 64 zero bytes */
  DT__PRELOAD_SEC_S,       /* 1 byte per entry + 64 zero bytes */
  DT__PRELOAD_SEC_ESCP,    /* (entry u32, p − c_b u32), sorted by entry */
  DT__PRELOAD_SEC_ESCS,    /* (entry u32, suffix bits u32), sorted */
  DT__PRELOAD_SEC_NOINC,   /* entry u32, sorted: no include_subdomains */
  DT__PRELOAD_SEC_OVR,     /* entry u32, sorted: not force-https (overrides;
                              each is in NOINC too) */
  DT__PRELOAD_SEC_CODELEN, /* 40 contexts x symbols 1..39: code lengths */
  DT__PRELOAD_SEC_TLD,     /* 256-bit map of one-label keys' hash & 255 */
  DT__PRELOAD_SEC_FUSE,    /* fuse filter cells, 6 bits each, + 8 bytes */
  DT__PRELOAD_SEC_STREAM,  /* the bit stream + 8 zero bytes */
  DT__PRELOAD_NSEC
};

typedef struct dt__preload_hdr {
  uint32_t version, header_size, total_size;
  int32_t list_date; /* days since 1970-01-01, DATE_MIN..DATE_MAX */
  uint32_t entries, include_subdomains, block_size, restart, n_blocks;
  uint32_t n_escp, n_escs, n_noinc;
  uint32_t fuse_seg, fuse_nseg; /* segment length (power of 2), segments */
  uint32_t stream_bits;
  uint32_t off[DT__PRELOAD_NSEC];
  uint32_t n_ovr; /* overrides: entries that are not force-https */
  uint64_t checksum;
} dt__preload_hdr;

/* Byte position of the first u32 field, of the section offsets and of the
 * overrides' count (after the offsets: format 4 added both it and the
 * twelfth offset in what were format 3's reserved bytes 112..119). */
#define DT__PRELOAD_HDR_U32 8u
#define DT__PRELOAD_HDR_OFFS 68u
#define DT__PRELOAD_HDR_NOVR (DT__PRELOAD_HDR_OFFS + 4u * DT__PRELOAD_NSEC)
_Static_assert(DT__PRELOAD_HDR_NOVR + 4 <= DT__PRELOAD_OFF_CHECKSUM,
               "the header's fields overlap the checksum");

static inline uint32_t dt__preload_rd32(const uint8_t *p) {
  return dt__ld_le32(p);
}
static inline uint64_t dt__preload_rd64(const uint8_t *p) {
  return dt__ld_le64(p);
}

static inline void dt__preload_hdr_read(const uint8_t *b, dt__preload_hdr *h) {
  uint32_t v[15];
  for (size_t i = 0; i < 15; i++)
    v[i] = dt__preload_rd32(b + DT__PRELOAD_HDR_U32 + 4 * i);
  h->version = v[0];
  h->header_size = v[1];
  h->total_size = v[2];
  h->list_date = (int32_t)v[3];
  h->entries = v[4];
  h->include_subdomains = v[5];
  h->block_size = v[6];
  h->restart = v[7];
  h->n_blocks = v[8];
  h->n_escp = v[9];
  h->n_escs = v[10];
  h->n_noinc = v[11];
  h->fuse_seg = v[12];
  h->fuse_nseg = v[13];
  h->stream_bits = v[14];
  for (size_t i = 0; i < DT__PRELOAD_NSEC; i++)
    h->off[i] = dt__preload_rd32(b + DT__PRELOAD_HDR_OFFS + 4 * i);
  h->n_ovr = dt__preload_rd32(b + DT__PRELOAD_HDR_NOVR);
  h->checksum = dt__preload_rd64(b + DT__PRELOAD_OFF_CHECKSUM);
}

/* Separators stored: the blocks rounded up to 16, plus 16, all padding
 * all-ones (never <= a key's prefix), so the 8-way block search reads
 * whole groups. */
static inline size_t dt__preload_sep_slots(size_t n_blocks) {
  return (n_blocks + 15) / 16 * 16 + 16;
}
/* Fuse filter cells: 2 more segments than the hash range spans. */
static inline size_t dt__preload_fuse_cells(const dt__preload_hdr *h) {
  return ((size_t)h->fuse_nseg + 2) * h->fuse_seg;
}

/* Every section's offset and the total size, from the header's counts:
 * the layout is a function of them, so a reader checks the header's
 * offsets against this and a writer fills them in from it. Returns the
 * total, or 0 when the counts are out of range. */
static inline size_t dt__preload_layout(const dt__preload_hdr *h,
                                        uint32_t off[DT__PRELOAD_NSEC]) {
  if (h->entries > 64u * 1024 * 1024 || h->fuse_seg > (1u << 20) ||
      h->fuse_nseg > (1u << 24) || h->n_escp > h->entries ||
      h->n_escs > h->entries || h->n_noinc > h->entries ||
      h->n_ovr > h->n_noinc)
    return 0;
  size_t sz[DT__PRELOAD_NSEC];
  sz[DT__PRELOAD_SEC_SEP] = 8 * dt__preload_sep_slots(h->n_blocks);
  sz[DT__PRELOAD_SEC_BOFF] = 4 * (size_t)h->n_blocks;
  sz[DT__PRELOAD_SEC_META] = (size_t)h->entries + 64;
  sz[DT__PRELOAD_SEC_S] = (size_t)h->entries + 64;
  sz[DT__PRELOAD_SEC_ESCP] = 8 * (size_t)h->n_escp;
  sz[DT__PRELOAD_SEC_ESCS] = 8 * (size_t)h->n_escs;
  sz[DT__PRELOAD_SEC_NOINC] = 4 * (size_t)h->n_noinc;
  sz[DT__PRELOAD_SEC_OVR] = 4 * (size_t)h->n_ovr;
  sz[DT__PRELOAD_SEC_CODELEN] = DT__PRELOAD_CODELEN_BYTES;
  sz[DT__PRELOAD_SEC_TLD] = 32;
  sz[DT__PRELOAD_SEC_FUSE] =
      (dt__preload_fuse_cells(h) * DT__PRELOAD_FUSE_BITS + 7) / 8 + 8;
  sz[DT__PRELOAD_SEC_STREAM] = ((size_t)h->stream_bits + 7) / 8 + 8;
  size_t at = DT__PRELOAD_HDR_SIZE;
  for (size_t i = 0; i < DT__PRELOAD_NSEC; i++) {
    at = (at + 63) / 64 * 64;
    if (at > 0xFFFFFFFFu) return 0;
    off[i] = (uint32_t)at;
    at += sz[i];
  }
  return at <= 0xFFFFFFFFu ? at : 0;
}

uint64_t dt__preload_blob_checksum(const uint8_t *blob, size_t len);
int dt__preload_label_byte(unsigned char c);

/* Leading bytes two big-endian separators share: every key of a block
 * starts with that many bytes of its separator (c_b). */
static inline size_t dt__preload_cpre(uint64_t x, uint64_t y) {
  uint64_t d = x ^ y;
  return d ? (size_t)__builtin_clzll(d) >> 3 : 8;
}

/* ---- the key hash
 * ------------------------------------------------------------ Over the
 * reversed key's bytes taken 8 at a time as big-endian words, the last one
 * zero-padded and always present (a key of 8 bytes hashes two words), then the
 * length. Big-endian words of the reversed key are little-endian loads of the
 * host text ending at the same place, so the lookup hashes every ancestor
 * straight from the host (preload.c). The step is fmix-like; one multiply a
 * word. */
static inline uint64_t dt__preload_hstep(uint64_t s, uint64_t w) {
  s = (s ^ w) * 0x9E3779B97F4A7C15ULL;
  return s ^ (s >> 29);
}
static inline uint64_t dt__preload_hfinal(uint64_t s, size_t n) {
  s = (s ^ (uint64_t)n) * 0xFF51AFD7ED558CCDULL;
  return s ^ (s >> 32);
}
/* The first min(n, 8) bytes of K as a big-endian word, zero-padded: a
 * key's hash word, and a block separator (integer order = byte order). */
static inline uint64_t dt__preload_be_word(const uint8_t *k, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < 8; i++)
    w = w << 8 | (i < n ? k[i] : 0);
  return w;
}
static inline uint64_t dt__preload_key_hash(const uint8_t *k, size_t n) {
  uint64_t s = 0;
  for (size_t q = 0; 8 * q <= n; q++)
    s = dt__preload_hstep(s, dt__preload_be_word(k + 8 * q, n - 8 * q));
  return dt__preload_hfinal(s, n);
}
/* The hash bits an entry carries: META's high nibble and S's top bit. */
static inline unsigned dt__preload_hash_meta(uint64_t h) {
  return (unsigned)(h >> 60) << 4;
}
static inline unsigned dt__preload_hash_sbit(uint64_t h) {
  return (unsigned)(h >> 59 & 1) << 7;
}

/* ---- the binary fuse filter (Graf & Lemire, "Binary Fuse Filters: Fast
 * and Smaller Than Xor Filters", 2022), 3-wise: a key is present when the
 * XOR of its three cells equals its fingerprint. Built in preload_emit.c;
 * no false negatives by construction (the untrusted open re-derives the
 * whole blob), and a small false-positive rate with 6-bit cells
 * (docs/preload-format.md). */
static inline uint32_t dt__preload_fuse_fp(uint64_t h) {
  return (uint32_t)(h >> 11) & ((1u << DT__PRELOAD_FUSE_BITS) - 1);
}
static inline void dt__preload_fuse_pos(uint32_t seg, uint32_t nseg, uint64_t h,
                                        size_t p[3]) {
  size_t h0 = (size_t)(((h >> 32) * ((uint64_t)nseg * seg)) >> 32);
  size_t m = seg - 1;
  p[0] = h0;
  p[1] = (h0 + seg) ^ (size_t)((h >> 18) & m);
  p[2] = (h0 + 2 * (size_t)seg) ^ (size_t)(h & m);
}
static inline uint32_t dt__preload_fuse_cell(const uint8_t *f, size_t i) {
  size_t bit = (size_t)DT__PRELOAD_FUSE_BITS * i;
  return dt__preload_rd32(f + (bit >> 3)) >> (bit & 7) &
         ((1u << DT__PRELOAD_FUSE_BITS) - 1);
}
/* The lookup's probe: RANGE = segments x segment length, precomputed;
 * the three cells XOR-ed unmasked and masked once. */
static inline int dt__preload_fuse_has(const uint8_t *f, uint64_t range,
                                       uint32_t seg, uint64_t h) {
  size_t h0 = (size_t)(((h >> 32) * range) >> 32), m = seg - 1;
  size_t b0 = DT__PRELOAD_FUSE_BITS * h0,
         b1 = DT__PRELOAD_FUSE_BITS * ((h0 + seg) ^ (size_t)((h >> 18) & m)),
         b2 =
             DT__PRELOAD_FUSE_BITS * ((h0 + 2 * (size_t)seg) ^ (size_t)(h & m));
  uint32_t x = dt__preload_rd32(f + (b0 >> 3)) >> (b0 & 7) ^
               dt__preload_rd32(f + (b1 >> 3)) >> (b1 & 7) ^
               dt__preload_rd32(f + (b2 >> 3)) >> (b2 & 7) ^
               (uint32_t)(h >> 11);
  return (x & ((1u << DT__PRELOAD_FUSE_BITS) - 1)) == 0;
}

/* ---- the code ------------------------------------------------------------ */

/* Symbol of a key byte (1..39, DT__PRELOAD_ALPHABET's order), 0 for a byte
 * outside the alphabet. */
static const uint8_t dt__preload_symtab[256] = {
    ['.'] = 1,  ['-'] = 2,  ['0'] = 3,  ['1'] = 4,  ['2'] = 5,  ['3'] = 6,
    ['4'] = 7,  ['5'] = 8,  ['6'] = 9,  ['7'] = 10, ['8'] = 11, ['9'] = 12,
    ['_'] = 13, ['a'] = 14, ['b'] = 15, ['c'] = 16, ['d'] = 17, ['e'] = 18,
    ['f'] = 19, ['g'] = 20, ['h'] = 21, ['i'] = 22, ['j'] = 23, ['k'] = 24,
    ['l'] = 25, ['m'] = 26, ['n'] = 27, ['o'] = 28, ['p'] = 29, ['q'] = 30,
    ['r'] = 31, ['s'] = 32, ['t'] = 33, ['u'] = 34, ['v'] = 35, ['w'] = 36,
    ['x'] = 37, ['y'] = 38, ['z'] = 39};
static inline unsigned dt__preload_sym(unsigned char c) {
  return dt__preload_symtab[c];
}
/* Canonical codes from one context's code lengths (LEN[s - 1] for symbol
 * s = 1..39): shorter codes first, then by symbol (RFC 1951 §3.2.2's
 * algorithm). CODE[s - 1] = code << 5 | length. Returns -1 for a length
 * outside 1..24 or a set that breaks Kraft's inequality (no prefix code has
 * those lengths), else 0. */
static inline int dt__preload_canon(const uint8_t *len, uint32_t *code) {
  uint32_t count[DT__PRELOAD_MAXCODE + 1] = {0}, next[DT__PRELOAD_MAXCODE + 1];
  uint64_t kraft = 0; /* in units of 2^-24 */
  for (unsigned s = 0; s < DT__PRELOAD_NSYM - 1; s++) {
    if (len[s] < 1 || len[s] > DT__PRELOAD_MAXCODE) return -1;
    kraft += 1ull << (DT__PRELOAD_MAXCODE - len[s]);
    count[len[s]]++;
  }
  if (kraft > 1ull << DT__PRELOAD_MAXCODE) return -1;
  uint32_t c = 0;
  count[0] = 0;
  for (unsigned l = 1; l <= DT__PRELOAD_MAXCODE; l++) {
    c = (c + count[l - 1]) << 1;
    next[l] = c;
  }
  for (unsigned s = 0; s < DT__PRELOAD_NSYM - 1; s++)
    code[s] = next[len[s]]++ << 5 | len[s];
  return 0;
}

/* ---- the writer (preload_emit.c)
 * --------------------------------------------- KEYS: n reversed, lowered,
 * valid names (>= 1 label, labels 1..63, total
 * <= 253), strictly increasing bytewise; INC their include_subdomains, OVR
 * whether they are overrides (not force-https: written as without
 * include_subdomains whatever INC says, since Chromium's answer for an
 * override never depends on it). Writes a complete blob (*blob malloc'ed).
 * Deterministic: the same keys and date give the same bytes, which is how an
 * untrusted open checks a blob (it decodes the keys and writes them again).
 * Returns 0, DT_ENOMEM, or DT_EINVAL (the filter could not be built, or the
 * blob would exceed DT__PRELOAD_MAX_BLOB). */
typedef struct dt__preload_key_ref {
  const uint8_t *k;
  uint32_t n;
  uint8_t inc;
  uint8_t ovr;
} dt__preload_key_ref;
int dt__preload_emit(const dt__preload_key_ref *keys, size_t n,
                     int32_t list_date, uint8_t **blob, size_t *blob_len);

#endif
