/* preload_format.h — the blob's byte layout, shared by the reader
 * (preload.c) and the compiler (preload_compile.c). docs/preload-format.md
 * is the prose version. All integers are little-endian; reads go through
 * byte loads, so a blob may sit at any address. */
#ifndef DT_HSTS_PRELOAD_FORMAT_H
#define DT_HSTS_PRELOAD_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hsts/bytes.h"

/* Header: 96 bytes. */
#define DT__PRELOAD_HDR_SIZE 96u
#define DT__PRELOAD_OFF_CHECKSUM 88u
/* Label separator inside keys: below every label byte (see preload.c). */
#define DT__PRELOAD_SEP 0x01
#define DT__PRELOAD_DEFAULT_BLOCK 32u
/* The block index is made of 64-byte lines, each describing
 * DT__PRELOAD_LINE_BLOCKS blocks: their first-key prefixes (u64) then
 * LINE_BLOCKS + 1 block-data offsets (u32), so finding a block and its
 * bytes costs one cache line (the version 1 arrays cost two). Unused
 * prefix slots of the last line are all ones. The index starts at
 * DT__PRELOAD_OFF_INDEX, 64-aligned relative to the blob. */
#define DT__PRELOAD_LINE_BLOCKS 5u
#define DT__PRELOAD_LINE 64u
#define DT__PRELOAD_OFF_INDEX 128u

typedef struct dt__preload_hdr {
  uint32_t version, header_size, total_size;
  int32_t list_date; /* days since 1970-01-01 */
  uint32_t entries, include_subdomains, block_size, n_blocks, n_single, n_noinc;
  uint32_t off_index, n_lines, off_single, off_filter, off_blocks;
  uint32_t filter_words;
  uint64_t checksum;
} dt__preload_hdr;

/* Inline: the lookup reads index lines through these, and a call per
 * field cost ~125 instructions a listed lookup (callgrind over 20,000
 * listed names: 1,890 out of line, 1,765 inline; 2026-11-30). */
static inline uint32_t dt__preload_rd32(const uint8_t *p) {
  return dt__ld_le32(p);
}
static inline uint64_t dt__preload_rd64(const uint8_t *p) {
  return dt__ld_le64(p);
}
uint64_t dt__preload_blob_checksum(const uint8_t *blob, size_t len);
int dt__preload_label_byte(unsigned char c);

static inline void dt__preload_hdr_read(const uint8_t *b, dt__preload_hdr *h) {
  h->version = dt__preload_rd32(b + 8);
  h->header_size = dt__preload_rd32(b + 12);
  h->total_size = dt__preload_rd32(b + 16);
  h->list_date = (int32_t)dt__preload_rd32(b + 20);
  h->entries = dt__preload_rd32(b + 24);
  h->include_subdomains = dt__preload_rd32(b + 28);
  h->block_size = dt__preload_rd32(b + 32);
  h->n_blocks = dt__preload_rd32(b + 36);
  h->n_single = dt__preload_rd32(b + 40);
  h->n_noinc = dt__preload_rd32(b + 44);
  h->off_index = dt__preload_rd32(b + 48);
  h->n_lines = dt__preload_rd32(b + 52);
  h->off_single = dt__preload_rd32(b + 56);
  h->off_filter = dt__preload_rd32(b + 60);
  h->off_blocks = dt__preload_rd32(b + 64);
  h->filter_words = dt__preload_rd32(b + 68);
  h->checksum = dt__preload_rd64(b + DT__PRELOAD_OFF_CHECKSUM);
}

/* Entry head: one byte h != 0xFF holds the shared-prefix length in
 * characters (h >> 4, 0..15) and the suffix length in nibbles (h & 15),
 * and means include_subdomains; otherwise h is 0xFF and the prefix length
 * (1 byte) and a 16-bit little-endian field follow: the nibble count in
 * bits 0..14, bit 15 set for an entry WITHOUT include_subdomains (250 of
 * 94,600 in 2026, so the flag costs 750 bytes instead of a table that a
 * lookup would search). The suffix takes (nibbles + 1) / 2 bytes. Returns
 * 0 when the bytes run out. */
#define DT__PRELOAD_NOINC_BIT 0x8000u
static inline int dt__preload_entry_head(const uint8_t **c, const uint8_t *e,
                                         size_t *pl, size_t *nl, int *inc) {
  if (*c >= e) return 0;
  unsigned h = *(*c)++;
  if (h != 0xFF) {
    *pl = h >> 4;
    *nl = h & 15;
    *inc = 1;
    return 1;
  }
  if (e - *c < 3) return 0;
  unsigned f = (unsigned)(*c)[1] | (unsigned)(*c)[2] << 8;
  *pl = (*c)[0];
  *nl = f & ~DT__PRELOAD_NOINC_BIT;
  *inc = !(f & DT__PRELOAD_NOINC_BIT);
  *c += 3;
  return 1;
}

/* Suffix characters are nibble-coded: the 14 most frequent characters of
 * the 2026 list's suffixes take one nibble (0..13); nibble 14 or 15 plus
 * one more nibble name one of 32 others. About 4.9 bits a character
 * instead of 8 (docs/preload-format.md has the measurement). High nibble
 * first. The table is part of the format (since version 1). */
#define DT__PRELOAD_NIB1 "eaiorntslcmudp"
#define DT__PRELOAD_NIB2 "ghbkfywvzjxq0123456789-_\001"

/* Decodes one character at nibble index *i of S (nl nibbles); returns the
 * character or 0 when the code is invalid or runs out. */
static inline unsigned char dt__preload_nib_char(const uint8_t *s, size_t nl,
                                                 size_t *i) {
  if (*i >= nl) return 0;
  unsigned n = (s[*i >> 1] >> ((*i & 1) ? 0 : 4)) & 15u;
  (*i)++;
  if (n < 14) return (unsigned char)DT__PRELOAD_NIB1[n];
  if (*i >= nl) return 0;
  unsigned x = (s[*i >> 1] >> ((*i & 1) ? 0 : 4)) & 15u;
  (*i)++;
  unsigned j = (n - 14) * 16 + x;
  return j < sizeof DT__PRELOAD_NIB2 - 1 ? (unsigned char)DT__PRELOAD_NIB2[j]
                                         : 0;
}

/* Decodes a whole suffix into out (cap bytes); returns the number of
 * characters or -1 for an invalid code or overflow. */
static inline int dt__preload_nib_decode(const uint8_t *s, size_t nl,
                                         uint8_t *out, size_t cap) {
  size_t i = 0, k = 0;
  while (i < nl) {
    unsigned char ch = dt__preload_nib_char(s, nl, &i);
    if (!ch || k >= cap) return -1;
    out[k++] = ch;
  }
  return (int)k;
}

/* First 8 key bytes as a big-endian integer (zero-padded), so integer order
 * is the keys' byte order on those bytes. */
static inline uint64_t dt__preload_prefix64(const uint8_t *k, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++)
    v = v << 8 | (i < n ? k[i] : 0);
  return v;
}

/* ---- the suffix filter (format version 2) ---------------------------------
 * A lookup probes the host and every ancestor, and nearly all of those
 * names are not in the list ("example.com", "www.example.com"). A
 * register-blocked Bloom filter over every entry's key answers "surely
 * absent" with one 64-bit load (Putze, Sanders, Singler, "Cache-, Hash- and
 * Space-Efficient Bloom Filters", 2007): the key's hash picks one word and
 * DT__PRELOAD_FILTER_K bits in it. The blocks are only searched from the
 * shallowest suffix the filter lets through. No false negatives: an
 * untrusted open checks every entry against the filter. */
#define DT__PRELOAD_FILTER_K 3
/* Bits per name: 6 gives about 7% false positives (each costs one block
 * scan) and keeps the 2026 blob under 700 KB with blocks of 32. */
#ifndef DT__PRELOAD_FILTER_BITS
#define DT__PRELOAD_FILTER_BITS 6
#endif


/* The key hash: 8-byte little-endian words, the last one zero-padded,
 * then the length; mixing after murmur3's fmix64. The lookup computes the
 * same value for every label-boundary prefix of the host's key in one
 * pass (preload.c); the compiler and the untrusted open use
 * dt__preload_key_hash. Part of format version 2. */
static inline uint64_t dt__preload_hstep(uint64_t s, uint64_t w) {
  s = (s ^ w) * 0x9E3779B97F4A7C15ULL;
  return s ^ (s >> 29);
}
static inline uint64_t dt__preload_hfinal(uint64_t s, size_t n) {
  s ^= (uint64_t)n * 0xC2B2AE3D27D4EB4FULL;
  s ^= s >> 33;
  s *= 0xFF51AFD7ED558CCDULL;
  s ^= s >> 33;
  s *= 0xC4CEB9FE1A85EC53ULL;
  s ^= s >> 33;
  return s;
}
static inline uint64_t dt__preload_key_hash(const uint8_t *k, size_t n) {
  uint64_t s = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    s = dt__preload_hstep(s, dt__ld_le64(k + i));
  if (i < n) {
    uint64_t w = 0;
    for (size_t j = 0; i + j < n; j++)
      w |= (uint64_t)k[i + j] << (8 * j);
    s = dt__preload_hstep(s, w);
  }
  return dt__preload_hfinal(s, n);
}

/* Word index (the hash's high half scaled to [0, words): Lemire's
 * multiply-shift range reduction) and the bits within it (6 bits each from
 * the low half). */
static inline size_t dt__preload_filter_word(uint64_t h, uint32_t words) {
  return (size_t)(((h >> 32) * (uint64_t)words) >> 32);
}
static inline uint64_t dt__preload_filter_mask(uint64_t h) {
  uint64_t m = 0;
  for (int i = 0; i < DT__PRELOAD_FILTER_K; i++)
    m |= 1ULL << ((h >> (6 * i)) & 63);
  return m;
}

#endif
