/* buf.c — see buf.h. */
#include "hsts/base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t bound(const dt__buf *b) { return b->max ? b->max : SIZE_MAX / 2; }

int dt__buf_reserve(dt__buf *b, size_t n) {
  if (b->failed) return -1;
  if (n > bound(b) - b->len) {
    b->failed = b->toobig = 1;
    return -1;
  }
  size_t need = b->len + n + 1; /* + the NUL */
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap = cap > SIZE_MAX / 4 ? need : cap * 2;
  if (cap > bound(b) + 1) cap = bound(b) + 1;
  char *np = realloc(b->p, cap);
  if (!np) {
    b->failed = 1;
    return -1;
  }
  b->p = np;
  b->cap = cap;
  b->p[b->len] = 0;
  return 0;
}

int dt__buf_put(dt__buf *b, const void *data, size_t n) {
  if (dt__buf_reserve(b, n)) return -1;
  if (n) memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = 0;
  return 0;
}

int dt__buf_str(dt__buf *b, const char *s) {
  return dt__buf_put(b, s, s ? strlen(s) : 0);
}

int dt__buf_vprintf(dt__buf *b, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) {
    b->failed = 1;
    return -1;
  }
  if (dt__buf_reserve(b, (size_t)n)) return -1;
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int dt__buf_printf(dt__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = dt__buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int dt__buf_put_escaped(dt__buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7F) {
      char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      dt__buf_put(b, esc, 4);
    } else {
      dt__buf_put(b, s, 1);
    }
  }
  return b->failed ? -1 : 0;
}

char *dt__buf_finish(dt__buf *b) {
  if (!b->failed && !b->p) dt__buf_reserve(b, 0);
  char *p = b->failed ? NULL : b->p;
  if (b->failed) free(b->p);
  *b = dt__buf_make(b->max);
  return p;
}

void dt__buf_free(dt__buf *b) {
  free(b->p);
  *b = dt__buf_make(b->max);
}
