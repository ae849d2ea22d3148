/* jsonw.h — a small JSON writer over the kit's growable buffer (internal;
 * detour.h's dt_json_* are its public face).
 * Errors are sticky: after an allocation failure every call is a no-op and
 * dt__jw_finish() returns NULL. Commas are inserted automatically. */
#ifndef DT_ENGINE_JSONW_H
#define DT_ENGINE_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "hsts/base/buf.h"

#define DT_JW_MAX_DEPTH 32

typedef struct dt__jw {
  dt__buf b;
  int failed;
  int depth;
  int after_key; /* the next value follows a key: no comma */
  unsigned char need_comma[DT_JW_MAX_DEPTH];
  int pretty; /* 1 → newline + two-space indentation */
} dt__jw;

void dt__jw_init(dt__jw *w, int pretty);
void dt__jw_obj_open(dt__jw *w);
void dt__jw_obj_close(dt__jw *w);
void dt__jw_arr_open(dt__jw *w);
void dt__jw_arr_close(dt__jw *w);
void dt__jw_key(dt__jw *w, const char *key);
/* Strings: bytes that are not valid UTF-8 are written as \u00XX (their
 * Latin-1 reading, as browser devtools show raw header bytes). NULL → null. */
void dt__jw_str(dt__jw *w, const char *s);
void dt__jw_strn(dt__jw *w, const char *s, size_t n);
void dt__jw_int(dt__jw *w, int64_t v);
void dt__jw_uint(dt__jw *w, uint64_t v);
void dt__jw_double(dt__jw *w, double v); /* fixed 3 decimals */
void dt__jw_bool(dt__jw *w, int v);
void dt__jw_null(dt__jw *w);
/* Writes pre-serialised JSON as a value (trusted: from the library). */
void dt__jw_raw(dt__jw *w, const char *json);
/* Returns the NUL-terminated text (caller frees with dt_free), or NULL on
 * failure; the writer is reset. */
char *dt__jw_finish(dt__jw *w);
void dt__jw_discard(dt__jw *w);

/* Unix ms as an RFC 3339 string, or null for INT64_MAX ("never"). */
void dt__jw_time(dt__jw *w, int64_t unix_ms);

#endif
