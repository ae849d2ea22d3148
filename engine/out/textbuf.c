/* textbuf.c — see textbuf.h. */
#include "engine/out/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void dt__tb_printf(dt__tb *b, const char *fmt, ...) {
  if (b->failed)
    return;
  size_t max = b->max ? b->max : DT__TB_DEFAULT_MAX;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0,
                      fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->failed = 1;
      return;
    }
    if (b->p && (size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap - b->len <= (size_t)n)
      cap *= 2;
    char *np = cap <= max ? realloc(b->p, cap) : NULL;
    if (!np) {
      b->failed = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
}

void dt__tb_safe(dt__tb *b, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7F)
      dt__tb_printf(b, "\\x%02x", c);
    else
      dt__tb_printf(b, "%c", c);
  }
}

char *dt__tb_finish(dt__tb *b) {
  if (!b->failed && !b->p)
    dt__tb_printf(b, "%s", "");
  if (b->failed) {
    free(b->p);
    b->p = NULL;
    return NULL;
  }
  return b->p;
}
