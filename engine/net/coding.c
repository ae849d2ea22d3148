/* coding.c — see coding.h. Each stage undoes one coding and hands its
 * output to the next stage (or to the caller), a chunk at a time, so the
 * memory is the libraries' state plus one chunk per stage whatever the
 * body's size. */
#include "engine/net/coding.h"

#include "detour.h"
#include "hsts/base/ascii.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 9659 §3: a zstd window larger than 8 MB need not be decoded (and is
 * memory a hostile server would choose); Chromium caps it there too. */
#define ZSTD_WINDOW_LOG_MAX 23

typedef struct stage {
  dt__coding c;
  int fed;   /* input arrived */
  int ended; /* the coding's stream is complete */
  z_stream z;
  int z_init;
  unsigned char sniff[2]; /* deflate: the first bytes, to tell zlib from raw */
  size_t sniff_len;
  BrotliDecoderState *br;
  ZSTD_DStream *zs;
  unsigned char buf[DT__CODING_CHUNK];
} stage;

struct dt__decoder {
  int n;
  stage *st[DT__CODING_MAX]; /* st[0] undoes the last coding applied */
  dt__coding_out_fn fn;
  void *ud;
  int failed;
  char err[200];
};

static const char *const coding_names[] = {"identity", "gzip", "deflate", "br",
                                           "zstd"};

const char *dt__coding_name(dt__coding c) {
  return (unsigned)c < sizeof coding_names / sizeof coding_names[0]
             ? coding_names[c]
             : "?";
}

int dt__coding_parse(const char *value, dt__coding *out, int max) {
  int n = 0;
  const char *p = value;
  while (p && *p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *s = p;
    while (*p && *p != ',' && *p != ' ' && *p != '\t')
      p++;
    size_t len = (size_t)(p - s);
    if (!len) continue;
    dt__coding c;
    if (dt__ascii_nieq(s, len, "gzip", 4) ||
        dt__ascii_nieq(s, len, "x-gzip", 6))
      c = DT__CODING_GZIP;
    else if (dt__ascii_nieq(s, len, "deflate", 7))
      c = DT__CODING_DEFLATE;
    else if (dt__ascii_nieq(s, len, "br", 2))
      c = DT__CODING_BR;
    else if (dt__ascii_nieq(s, len, "zstd", 4))
      c = DT__CODING_ZSTD;
    else if (dt__ascii_nieq(s, len, "identity", 8))
      continue;
    else
      return -1;
    if (n == max) return -1;
    out[n++] = c;
  }
  return n;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(dt__decoder *d, const char *fmt, ...) {
  if (!d->failed) {
    d->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
  }
  return DT_EDECODE;
}

static int run(dt__decoder *d, int i, const unsigned char *in, size_t len);

/* Output of stage I goes to stage I + 1, or out of the decoder. */
static int emit(dt__decoder *d, int i, const unsigned char *data, size_t len) {
  if (!len) return 0;
  if (i + 1 < d->n) return run(d, i + 1, data, len);
  return d->fn(d->ud, (const char *)data, len);
}

static int run_zlib(dt__decoder *d, int i, stage *s, const unsigned char *in,
                    size_t len) {
  if (!s->z_init) {
    int wbits = 16 + MAX_WBITS; /* gzip */
    if (s->c == DT__CODING_DEFLATE) {
      /* "deflate" is the zlib format (RFC 9110 §8.4.1.2); some servers send
       * raw deflate, which browsers accept: tell them apart by the zlib
       * header (RFC 1950 §2.2: CM 8, the check bits). */
      while (s->sniff_len < 2 && len) {
        s->sniff[s->sniff_len++] = *in++;
        len--;
      }
      if (s->sniff_len < 2) return 0;
      int zlib = (s->sniff[0] & 0x0f) == 8 &&
                 ((s->sniff[0] << 8) | s->sniff[1]) % 31 == 0;
      wbits = zlib ? MAX_WBITS : -MAX_WBITS;
    }
    if (inflateInit2(&s->z, wbits) != Z_OK)
      return fail(d, "%s: out of memory", dt__coding_name(s->c));
    s->z_init = 1;
    if (s->sniff_len) {
      unsigned char pre[2];
      memcpy(pre, s->sniff, s->sniff_len);
      size_t pl = s->sniff_len;
      s->sniff_len = 0;
      int rc = run_zlib(d, i, s, pre, pl);
      if (rc) return rc;
    }
  }
  s->z.next_in = (unsigned char *)(uintptr_t)in;
  s->z.avail_in = (uInt)len;
  while (!s->ended) {
    s->z.next_out = s->buf;
    s->z.avail_out = sizeof s->buf;
    int r = inflate(&s->z, Z_NO_FLUSH);
    size_t got = sizeof s->buf - s->z.avail_out;
    int rc = emit(d, i, s->buf, got);
    if (rc) return rc;
    if (r == Z_STREAM_END) {
      s->ended = 1; /* bytes after the end are not the body's */
      break;
    }
    if (r == Z_BUF_ERROR || (r == Z_OK && s->z.avail_in == 0 && got == 0))
      break; /* wants more input */
    if (r != Z_OK)
      return fail(d, "%s data is corrupt (%s) after %lu input bytes",
                  dt__coding_name(s->c), s->z.msg ? s->z.msg : "zlib error",
                  (unsigned long)s->z.total_in);
    if (s->z.avail_in == 0 && got < sizeof s->buf) break;
  }
  return 0;
}

static int run_br(dt__decoder *d, int i, stage *s, const unsigned char *in,
                  size_t len) {
  size_t avail_in = len;
  const uint8_t *next_in = in;
  while (!s->ended) {
    size_t avail_out = sizeof s->buf;
    uint8_t *next_out = s->buf;
    BrotliDecoderResult r = BrotliDecoderDecompressStream(
        s->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
    int rc = emit(d, i, s->buf, sizeof s->buf - avail_out);
    if (rc) return rc;
    if (r == BROTLI_DECODER_RESULT_SUCCESS) {
      s->ended = 1;
      break;
    }
    if (r == BROTLI_DECODER_RESULT_ERROR)
      return fail(d, "br data is corrupt (%s)",
                  BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s->br)));
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;
    /* NEEDS_MORE_OUTPUT: go round */
  }
  return 0;
}

static int run_zstd(dt__decoder *d, int i, stage *s, const unsigned char *in,
                    size_t len) {
  ZSTD_inBuffer ib = {in, len, 0};
  for (;;) {
    ZSTD_outBuffer ob = {s->buf, sizeof s->buf, 0};
    size_t before = ib.pos;
    size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
    if (ZSTD_isError(r))
      return ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge
                 ? fail(d, "zstd frame wants a window over 8 MB (RFC 9659 "
                           "§3 lets a client refuse it)")
                 : fail(d, "zstd data is corrupt (%s)", ZSTD_getErrorName(r));
    /* 0: a frame is decoded and flushed. A later call with nothing new
     * returns the next frame's hint instead, so only input reopens it. */
    if (r == 0)
      s->ended = 1;
    else if (ib.pos > before)
      s->ended = 0;
    int rc = emit(d, i, s->buf, ob.pos);
    if (rc) return rc;
    /* frames may follow one another (RFC 8878 §3) */
    if (ib.pos == ib.size && ob.pos < ob.size) break;
  }
  return 0;
}

static int run(dt__decoder *d, int i, const unsigned char *in, size_t len) {
  if (d->failed) return DT_EDECODE;
  stage *s = d->st[i];
  if (!len) return 0;
  s->fed = 1;
  switch (s->c) {
  case DT__CODING_GZIP:
  case DT__CODING_DEFLATE: return run_zlib(d, i, s, in, len);
  case DT__CODING_BR: return run_br(d, i, s, in, len);
  case DT__CODING_ZSTD: return run_zstd(d, i, s, in, len);
  default: return emit(d, i, in, len);
  }
}

int dt__decoder_new(dt__decoder **out, const dt__coding *list, int n,
                    dt__coding_out_fn fn, void *ud) {
  *out = NULL;
  if (n < 1 || n > DT__CODING_MAX) return DT_EINVAL;
  dt__decoder *d = calloc(1, sizeof *d);
  if (!d) return DT_ENOMEM;
  d->fn = fn;
  d->ud = ud;
  for (int k = 0; k < n; k++) {
    stage *s = calloc(1, sizeof *s);
    if (!s) {
      dt__decoder_free(d);
      return DT_ENOMEM;
    }
    d->st[d->n++] = s;
    s->c = list[n - 1 - k]; /* the last applied is undone first */
    if (s->c == DT__CODING_BR &&
        !(s->br = BrotliDecoderCreateInstance(NULL, NULL, NULL))) {
      dt__decoder_free(d);
      return DT_ENOMEM;
    }
    if (s->c == DT__CODING_ZSTD) {
      if (!(s->zs = ZSTD_createDStream()) ||
          ZSTD_isError(ZSTD_initDStream(s->zs)) ||
          ZSTD_isError(ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax,
                                              ZSTD_WINDOW_LOG_MAX))) {
        dt__decoder_free(d);
        return DT_ENOMEM;
      }
    }
  }
  *out = d;
  return 0;
}

int dt__decoder_feed(dt__decoder *d, const char *data, size_t len) {
  return run(d, 0, (const unsigned char *)data, len);
}

int dt__decoder_finish(dt__decoder *d) {
  if (d->failed) return DT_EDECODE;
  for (int i = 0; i < d->n; i++) {
    stage *s = d->st[i];
    /* a stage that saw no byte had an empty body: nothing to undo */
    if (!s->fed && !s->sniff_len) continue;
    int complete = s->ended;
    if (s->c == DT__CODING_BR)
      complete = s->ended || BrotliDecoderIsFinished(s->br);
    if (!complete)
      return fail(d, "%s data ends before its stream does (truncated?)",
                  dt__coding_name(s->c));
  }
  return 0;
}

const char *dt__decoder_error(const dt__decoder *d) { return d->err; }

void dt__decoder_free(dt__decoder *d) {
  if (!d) return;
  for (int i = 0; i < d->n; i++) {
    stage *s = d->st[i];
    if (s->z_init) inflateEnd(&s->z);
    if (s->br) BrotliDecoderDestroyInstance(s->br);
    if (s->zs) ZSTD_freeDStream(s->zs);
    free(s);
  }
  free(d);
}
