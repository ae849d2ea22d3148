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

/* Entry head: one byte h < 0xF0 holds the shared-prefix length (h >> 4,
 * 0..14) and the suffix length (h & 15); otherwise h is 0xF0 and the two
 * lengths follow as one byte each. Returns 0 when the bytes run out. */
static inline int dt__preload_entry_head(const uint8_t **c, const uint8_t *e,
                                         size_t *pl, size_t *sl) {
  if (*c >= e)
    return 0;
  unsigned h = *(*c)++;
  if (h < 0xF0) {
    *pl = h >> 4;
    *sl = h & 15;
    return 1;
  }
  if (h != 0xF0 || e - *c < 2)
    return 0;
  *pl = (*c)[0];
  *sl = (*c)[1];
  *c += 2;
  return 1;
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
