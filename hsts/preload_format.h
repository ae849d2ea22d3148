/* preload_format.h — the blob's byte layout, shared by the reader
 * (preload.c) and the compiler (preload_compile.c). docs/preload-format.md
 * is the prose version. All integers are little-endian; reads go through
 * byte loads, so a blob may sit at any address. */
#ifndef DT_HSTS_PRELOAD_FORMAT_H
#define DT_HSTS_PRELOAD_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Header: 96 bytes. */
#define DT__PRELOAD_HDR_SIZE 96u
#define DT__PRELOAD_OFF_CHECKSUM 88u
/* Label separator inside keys: below every label byte (see preload.c). */
#define DT__PRELOAD_SEP 0x01
#define DT__PRELOAD_DEFAULT_BLOCK 16u

typedef struct dt__preload_hdr {
  uint32_t version, header_size, total_size;
  int32_t list_date; /* days since 1970-01-01 */
  uint32_t entries, include_subdomains, block_size, n_blocks, n_single, n_noinc;
  uint32_t off_prefix, off_offsets, off_single, off_noinc, off_blocks;
  uint64_t checksum;
} dt__preload_hdr;

uint32_t dt__preload_rd32(const uint8_t *p);
uint64_t dt__preload_rd64(const uint8_t *p);
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
  h->off_prefix = dt__preload_rd32(b + 48);
  h->off_offsets = dt__preload_rd32(b + 52);
  h->off_single = dt__preload_rd32(b + 56);
  h->off_noinc = dt__preload_rd32(b + 60);
  h->off_blocks = dt__preload_rd32(b + 64);
  h->checksum = dt__preload_rd64(b + DT__PRELOAD_OFF_CHECKSUM);
}

/* Entry head: one byte h != 0xFF holds the shared-prefix length in
 * characters (h >> 4, 0..15) and the suffix length in nibbles (h & 15);
 * otherwise h is 0xFF and the prefix length (1 byte) and the nibble count
 * (2 bytes, little-endian) follow. The suffix takes (nibbles + 1) / 2
 * bytes. Returns 0 when the bytes run out. */
static inline int dt__preload_entry_head(const uint8_t **c, const uint8_t *e,
                                         size_t *pl, size_t *nl) {
  if (*c >= e) return 0;
  unsigned h = *(*c)++;
  if (h != 0xFF) {
    *pl = h >> 4;
    *nl = h & 15;
    return 1;
  }
  if (e - *c < 3) return 0;
  *pl = (*c)[0];
  *nl = (size_t)(*c)[1] | (size_t)(*c)[2] << 8;
  *c += 3;
  return 1;
}

/* Suffix characters are nibble-coded: the 14 most frequent characters of
 * the 2026 list's suffixes take one nibble (0..13); nibble 14 or 15 plus
 * one more nibble name one of 32 others. About 4.9 bits a character
 * instead of 8 (docs/preload-format.md has the measurement). High nibble
 * first. The table is part of format version 1. */
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

#endif
