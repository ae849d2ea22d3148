/* buf.h — the growable, bounded byte buffer every layer builds text and
 * bytes in (curl's dynbuf idea): the request head, the response head and
 * kept body, JSON and text for people, a file read whole. It doubles as it
 * grows, never past its bound, and always keeps a NUL after the bytes so a
 * text buffer is a C string. A failure (ENOMEM, or the bound) is sticky:
 * later appends do nothing, the caller checks once at the end. Pure C. */
#ifndef DT_BASE_BUF_H
#define DT_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct dt__buf {
  char *p;    /* NULL until the first append */
  size_t len; /* bytes held (the NUL after them not counted) */
  size_t cap; /* bytes allocated */
  size_t max; /* bound on len; 0: SIZE_MAX / 2 */
  int failed; /* sticky: DT_ENOMEM or DT_ELIMIT_BODY_BYTES-style bound */
  int toobig; /* the failure was the bound, not memory */
} dt__buf;

/* A buffer bounded at MAX bytes (0: unbounded but for SIZE_MAX / 2). */
static inline dt__buf dt__buf_make(size_t max) {
  dt__buf b = {0};
  b.max = max;
  return b;
}
/* Appends N bytes. 0, or -1 once the buffer has failed. */
int dt__buf_put(dt__buf *b, const void *data, size_t n);
int dt__buf_str(dt__buf *b, const char *s);
int dt__buf_printf(dt__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int dt__buf_vprintf(dt__buf *b, const char *fmt, va_list ap);
/* Appends S with control bytes (< 0x20, 0x7F) as \xNN: text from the
 * network meant for a terminal, which a hostile server must not drive. */
int dt__buf_put_escaped(dt__buf *b, const char *s);
/* Room for N more bytes without another allocation. 0 or -1. */
int dt__buf_reserve(dt__buf *b, size_t n);
/* Forgets the bytes, keeps the memory. */
static inline void dt__buf_clear(dt__buf *b) {
  b->len = 0;
  if (b->p) b->p[0] = 0;
}
/* The bytes as a NUL-terminated string the caller frees (free/dt_free),
 * "" when nothing was appended, or NULL after a failure; the buffer is
 * reset either way. */
char *dt__buf_finish(dt__buf *b);
void dt__buf_free(dt__buf *b);

#endif
