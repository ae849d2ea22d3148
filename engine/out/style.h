/* style.h — colour for text people read (internal): the one table of SGR
 * sequences (dt_text_style_sgr in detour.h) and the two calls every
 * formatter uses, so a plain run never holds an escape byte and a styled
 * one always closes what it opens. */
#ifndef DT_OUT_STYLE_H
#define DT_OUT_STYLE_H

#include "detour.h"
#include "hsts/base/buf.h"

/* The caller's options read as far as its size says, over plain
 * defaults (NULL: plain). */
void dt__text_options_read(dt_text_options *out, const dt_text_options *in);
/* Starts STYLE in B when COLOR is on; nothing otherwise. */
void dt__style_on(dt__buf *b, int color, dt_text_style style);
/* Back to the default when COLOR is on. */
void dt__style_off(dt__buf *b, int color);
/* 2xx OK, 3xx REDIRECT, 4xx and 5xx ERROR, others RESET (unstyled). */
dt_text_style dt__style_for_status(int status);

#endif
