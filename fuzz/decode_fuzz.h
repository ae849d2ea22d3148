/* decode_fuzz.h — the body of every fuzz_decode_* target (header-only: a
 * fuzz target is one file plus this). Any bytes through one coding's
 * decoder, split where the first byte says: it must end with 0 or
 * DT_EDECODE, hand on pieces of at most DT__CODING_CHUNK, and free
 * everything. */
#ifndef DT_FUZZ_DECODE_H
#define DT_FUZZ_DECODE_H

#include "detour.h"
#include "engine/net/coding.h"

#include <stdint.h>
#include <stdlib.h>

static int fuzz_decode_out(void *ud, const char *data, size_t len) {
  (void)data;
  size_t *total = ud;
  if (len > DT__CODING_CHUNK) abort();
  *total += len;
  /* a body bigger than this stands for "the limit": stop, as the response
   * does, so a bomb costs no more time than that */
  return *total > (64u << 20) ? DT_ELIMIT_BODY_BYTES : 0;
}

static int fuzz_decode(dt__coding c, const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] * 16u;
  data++;
  size--;
  size_t total = 0;
  dt__decoder *d;
  if (dt__decoder_new(&d, &c, 1, fuzz_decode_out, &total)) return 0;
  int rc = 0;
  for (size_t off = 0; !rc && off < size; off += piece)
    rc = dt__decoder_feed(d, (const char *)data + off,
                          size - off < piece ? size - off : piece);
  if (!rc) rc = dt__decoder_finish(d);
  if (rc && rc != DT_EDECODE && rc != DT_ELIMIT_BODY_BYTES) abort();
  dt__decoder_free(d);
  return 0;
}

#endif
