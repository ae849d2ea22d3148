/* test_coding.c — the content decoders (engine/net/coding.c) against the
 * libraries' own encoders: each coding decodes, split at every boundary of
 * a small body and in large random pieces of a big one; stacked codings
 * undo in the right order; corrupt and truncated data are DT_EDECODE;
 * bytes after a gzip stream's end are not the body's; a zstd frame that
 * asks for more than an 8 MB window is refused (RFC 9659); the
 * Content-Encoding parser. And the response's bound: a decoded body past
 * max_body_bytes stops with DT_ELIMIT_BODY_BYTES (a bomb costs time up to
 * the limit, not memory). */
#include "engine/chain.h"
#include "engine/net/coding.h"
#include "engine/net/response.h"

#include "dt_test.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

typedef struct sink {
  unsigned char *p;
  size_t len, cap, calls, max_piece;
} sink;

static int collect(void *ud, const char *data, size_t len) {
  sink *s = ud;
  if (s->len + len > s->cap) {
    size_t cap = (s->len + len) * 2;
    unsigned char *np = realloc(s->p, cap);
    if (!np) return DT_ENOMEM;
    s->p = np;
    s->cap = cap;
  }
  memcpy(s->p + s->len, data, len);
  s->len += len;
  s->calls++;
  if (len > s->max_piece) s->max_piece = len;
  return 0;
}

/* zlib's encoders: gzip (wbits 31), zlib (15), raw deflate (-15) */
static size_t zenc(const unsigned char *in, size_t n, int wbits,
                   unsigned char *out, size_t cap) {
  z_stream z;
  memset(&z, 0, sizeof z);
  deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (unsigned char *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  deflate(&z, Z_FINISH);
  size_t len = z.total_out;
  deflateEnd(&z);
  return len;
}

static size_t encode(dt__coding c, const unsigned char *in, size_t n,
                     unsigned char *out, size_t cap) {
  switch (c) {
  case DT__CODING_GZIP: return zenc(in, n, 31, out, cap);
  case DT__CODING_DEFLATE: return zenc(in, n, 15, out, cap);
  case DT__CODING_BR: {
    size_t len = cap;
    BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, in, &len, out);
    return len;
  }
  case DT__CODING_ZSTD: return ZSTD_compress(out, cap, in, n, 3);
  default: memcpy(out, in, n); return n;
  }
}

/* Decodes ENC (LEN) undoing LIST, fed in pieces of PIECE bytes (0: one
 * call); returns the feed/finish result, the output in S. */
static int decode(const dt__coding *list, int n, const unsigned char *enc,
                  size_t len, size_t piece, sink *s) {
  memset(s, 0, sizeof *s);
  dt__decoder *d;
  if (dt__decoder_new(&d, list, n, collect, s)) return DT_ENOMEM;
  int rc = 0;
  size_t off = 0;
  while (!rc && off < len) {
    size_t k = piece && len - off > piece ? piece : len - off;
    rc = dt__decoder_feed(d, (const char *)enc + off, k);
    off += k;
  }
  if (!rc) rc = dt__decoder_finish(d);
  if (rc) CHECK(dt__decoder_error(d)[0] != 0);
  if (rc && getenv("DT_TEST_VERBOSE"))
    fprintf(stderr, "decoder: %s\n", dt__decoder_error(d));
  dt__decoder_free(d);
  return rc;
}

static const char text[] = "hello, content codings: the same words again and "
                           "again, the same words again and again\n";

static void each_coding_every_split(void) {
  static const dt__coding all[] = {DT__CODING_GZIP, DT__CODING_DEFLATE,
                                   DT__CODING_BR, DT__CODING_ZSTD};
  unsigned char enc[1024];
  for (size_t c = 0; c < 4; c++) {
    size_t n = encode(all[c], (const unsigned char *)text, sizeof text - 1, enc,
                      sizeof enc);
    for (size_t piece = 0; piece <= n; piece++) {
      sink s;
      int rc = decode(&all[c], 1, enc, n, piece, &s);
      CHECK_(rc == 0 && s.len == sizeof text - 1 &&
                 memcmp(s.p, text, s.len) == 0,
             "%s in pieces of %zu: rc %d, %zu bytes", dt__coding_name(all[c]),
             piece, rc, s.len);
      free(s.p);
    }
  }
  /* raw deflate, as some servers send for "deflate" */
  size_t n =
      zenc((const unsigned char *)text, sizeof text - 1, -15, enc, sizeof enc);
  dt__coding def = DT__CODING_DEFLATE;
  for (size_t piece = 0; piece <= n; piece++) {
    sink s;
    CHECK_INT(decode(&def, 1, enc, n, piece, &s), 0);
    CHECK(s.len == sizeof text - 1 && memcmp(s.p, text, s.len) == 0);
    free(s.p);
  }
}

/* 8 MiB of varied bytes through each coding, in 4 KiB pieces: whole, and
 * handed on in chunks of at most DT__CODING_CHUNK. */
static void big_bodies(void) {
  size_t n = 8u << 20;
  unsigned char *in = malloc(n), *enc = malloc(n + (n >> 4) + 4096);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    in[i] = (unsigned char)((x >> 16) % 7 + 'a'); /* compressible, varied */
  }
  static const dt__coding all[] = {DT__CODING_GZIP, DT__CODING_DEFLATE,
                                   DT__CODING_BR, DT__CODING_ZSTD};
  for (size_t c = 0; c < 4; c++) {
    size_t len = encode(all[c], in, n, enc, n + (n >> 4) + 4096);
    sink s;
    int rc = decode(&all[c], 1, enc, len, 4096, &s);
    CHECK_(rc == 0 && s.len == n && memcmp(s.p, in, n) == 0,
           "%s 8 MiB: rc %d, %zu bytes (%zu encoded)", dt__coding_name(all[c]),
           rc, s.len, len);
    CHECK(s.max_piece <= DT__CODING_CHUNK);
    free(s.p);
  }
  free(in);
  free(enc);
}

/* Content-Encoding: gzip, br — gzip applied first, so br is undone first */
static void stacked(void) {
  unsigned char g[1024], gb[1024];
  size_t gn = encode(DT__CODING_GZIP, (const unsigned char *)text,
                     sizeof text - 1, g, sizeof g);
  size_t gbn = encode(DT__CODING_BR, g, gn, gb, sizeof gb);
  dt__coding list[DT__CODING_MAX];
  CHECK_INT(dt__coding_parse("gzip, br", list, DT__CODING_MAX), 2);
  for (size_t piece = 0; piece <= gbn; piece += 7) {
    sink s;
    CHECK_INT(decode(list, 2, gb, gbn, piece, &s), 0);
    CHECK(s.len == sizeof text - 1 && memcmp(s.p, text, s.len) == 0);
    free(s.p);
  }
}

static void broken(void) {
  static const dt__coding all[] = {DT__CODING_GZIP, DT__CODING_DEFLATE,
                                   DT__CODING_BR, DT__CODING_ZSTD};
  unsigned char enc[1024];
  for (size_t c = 0; c < 4; c++) {
    size_t n = encode(all[c], (const unsigned char *)text, sizeof text - 1, enc,
                      sizeof enc);
    sink s;
    /* cut short: the stream never ends */
    CHECK_(decode(&all[c], 1, enc, n / 2, 0, &s) == DT_EDECODE, "%s truncated",
           dt__coding_name(all[c]));
    free(s.p);
    /* not that coding at all */
    const unsigned char junk[] = "this is not compressed data at all!!";
    CHECK_(decode(&all[c], 1, junk, sizeof junk - 1, 0, &s) == DT_EDECODE,
           "%s garbage", dt__coding_name(all[c]));
    free(s.p);
  }
  /* bytes after a gzip stream's end are ignored, not an error */
  size_t n = encode(DT__CODING_GZIP, (const unsigned char *)text,
                    sizeof text - 1, enc, sizeof enc);
  memcpy(enc + n, "trailing", 8);
  dt__coding gz = DT__CODING_GZIP;
  sink s;
  CHECK_INT(decode(&gz, 1, enc, n + 8, 0, &s), 0);
  CHECK_INT(s.len, sizeof text - 1);
  free(s.p);
  /* an empty body has nothing to undo */
  CHECK_INT(decode(&gz, 1, enc, 0, 0, &s), 0);
  CHECK_INT(s.len, 0);
  free(s.p);
}

/* RFC 9659 §3: a frame wanting more than an 8 MB window is refused, not
 * allocated. */
static void zstd_window(void) {
  size_t n = 1u << 20;
  unsigned char *in = calloc(1, n), *enc = malloc(2 * n);
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 24);
  ZSTD_outBuffer ob = {enc, 2 * n, 0};
  /* streamed in two calls: the size is not known up front, so the frame
   * keeps the 16 MB window it was told */
  ZSTD_inBuffer ib = {in, n / 2, 0};
  ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue);
  ZSTD_inBuffer ib2 = {in + n / 2, n / 2, 0};
  while (ZSTD_compressStream2(cc, &ob, &ib2, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(cc);
  CHECK_INT(ZSTD_getFrameContentSize(enc, ob.pos), ZSTD_CONTENTSIZE_UNKNOWN);
  dt__coding z = DT__CODING_ZSTD;
  sink s;
  CHECK_INT(decode(&z, 1, enc, ob.pos, 0, &s), DT_EDECODE);
  free(s.p);
  free(in);
  free(enc);
}

static void parse(void) {
  dt__coding l[DT__CODING_MAX];
  CHECK_INT(dt__coding_parse("gzip", l, DT__CODING_MAX), 1);
  CHECK_INT(l[0], DT__CODING_GZIP);
  CHECK_INT(dt__coding_parse("X-GZIP", l, DT__CODING_MAX), 1);
  CHECK_INT(dt__coding_parse("identity", l, DT__CODING_MAX), 0);
  CHECK_INT(dt__coding_parse("", l, DT__CODING_MAX), 0);
  CHECK_INT(dt__coding_parse("deflate , zstd,br", l, DT__CODING_MAX), 3);
  CHECK(l[0] == DT__CODING_DEFLATE && l[1] == DT__CODING_ZSTD &&
        l[2] == DT__CODING_BR);
  CHECK_INT(dt__coding_parse("compress", l, DT__CODING_MAX), -1);
  CHECK_INT(dt__coding_parse("gzip,gzip,gzip,gzip,gzip", l, DT__CODING_MAX),
            -1);
}

/* The response's bound on a decoded body kept in memory. */
static void bomb_stops_at_the_limit(void) {
  size_t n = 64u << 20; /* 64 MiB of zeros: ~64 KiB of zstd */
  unsigned char *zeros = calloc(1, n);
  size_t cap = ZSTD_compressBound(n);
  unsigned char *enc = malloc(cap);
  size_t len = ZSTD_compress(enc, cap, zeros, n, 3);
  free(zeros);
  dt_limits lim;
  dt_limits_default(&lim);
  lim.max_body_bytes = 1u << 20;
  dt_chain *chain = dt__chain_new("GET", "https://a.test/");
  dt_hop *hop = dt__chain_add_hop(chain);
  dt__resp r;
  dt__resp_init(&r, chain, hop, &lim);
  dt__coding z = DT__CODING_ZSTD;
  CHECK_INT(dt__resp_set_decoding(&r, &z, 1), 0);
  int rc = 0;
  for (size_t off = 0; !rc && off < len; off += 4096)
    rc = dt__resp_body(&r, (const char *)enc + off,
                       len - off < 4096 ? len - off : 4096);
  CHECK(rc != 0);
  CHECK_INT(r.err, DT_ELIMIT_BODY_BYTES);
  CHECK(hop->resp_body_bytes <= lim.max_body_bytes);
  CHECK_STR(hop->content_decoded, "zstd");
  dt__resp_free(&r);
  dt_chain_free(chain);
  free(enc);
}

int main(void) {
  each_coding_every_split();
  big_bodies();
  stacked();
  broken();
  zstd_window();
  parse();
  bomb_stops_at_the_limit();
  return dt_test_summary("test_coding");
}
