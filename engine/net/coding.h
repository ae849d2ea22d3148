/* coding.h — content codings (internal): a response body's
 * Content-Encoding undone as it streams (RFC 9110 §8.4.1): gzip and deflate
 * (zlib), br (brotli, RFC 7932) and zstd (RFC 8878), stacked in any order.
 *
 * Pure: bytes in, decoded bytes out through a callback, in pieces of at
 * most DT__CODING_CHUNK; no allocation grows with the body, so a body that
 * expands a millionfold costs time, not memory — and the response's limit
 * (response.h) stops it. Table-tested in tests/unit/test_coding.c against
 * the libraries' own encoders; one fuzz target per coding. */
#ifndef DT_NET_CODING_H
#define DT_NET_CODING_H

#include <stddef.h>

#define DT__CODING_CHUNK 16384
#define DT__CODING_MAX 4 /* codings stacked on one body */

typedef enum dt__coding {
  DT__CODING_IDENTITY = 0,
  DT__CODING_GZIP,    /* gzip, x-gzip (RFC 9110 §8.4.1.3) */
  DT__CODING_DEFLATE, /* the zlib format; raw deflate too, as browsers
                         accept from servers that send it */
  DT__CODING_BR,
  DT__CODING_ZSTD
} dt__coding;

/* The codings of a Content-Encoding VALUE in the order they were applied
 * (identity entries skipped). Returns how many (0: nothing to undo), or -1
 * when one is unknown or there are more than MAX (the body is then left as
 * it came). */
int dt__coding_parse(const char *value, dt__coding *out, int max);
const char *dt__coding_name(dt__coding c);

/* Decoded bytes; 0, or a negative DT_E* that stops decoding. */
typedef int (*dt__coding_out_fn)(void *ud, const char *data, size_t len);

typedef struct dt__decoder dt__decoder;

/* A decoder undoing LIST (as dt__coding_parse gave it: the last applied is
 * undone first). 0 or DT_ENOMEM. */
int dt__decoder_new(dt__decoder **out, const dt__coding *list, int n,
                    dt__coding_out_fn fn, void *ud);
/* Feeds encoded bytes. 0, DT_EDECODE (msg says where), or the out
 * callback's error. */
int dt__decoder_feed(dt__decoder *d, const char *data, size_t len);
/* The body ended: 0 when every coding's stream was complete, else
 * DT_EDECODE. */
int dt__decoder_finish(dt__decoder *d);
const char *dt__decoder_error(const dt__decoder *d);
void dt__decoder_free(dt__decoder *d);

#endif
