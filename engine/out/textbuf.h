/* textbuf.h — a growable, bounded text buffer for output meant for people
 * (internal): the chain as text (output.c), the audit report (audit.c).
 * A failure (ENOMEM, the bound) is sticky: later appends do nothing and
 * dt__tb_finish returns NULL. */
#ifndef DT_ENGINE_TEXTBUF_H
#define DT_ENGINE_TEXTBUF_H

#include <stddef.h>

#define DT__TB_DEFAULT_MAX (64u * 1024u * 1024u)

typedef struct dt__tb {
  char *p;
  size_t len, cap;
  size_t max; /* 0 → DT__TB_DEFAULT_MAX */
  int failed;
} dt__tb;

void dt__tb_printf(dt__tb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends S with control bytes as \xNN: header values and URLs can hold any
 * byte, and a hostile server must not drive the user's terminal. */
void dt__tb_safe(dt__tb *b, const char *s);
/* The NUL-terminated text ("" when nothing was appended; free() it), or
 * NULL after a failure (the buffer is freed). */
char *dt__tb_finish(dt__tb *b);

#endif
