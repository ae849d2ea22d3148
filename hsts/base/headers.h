/* headers.h — looking up a field in a list of dt_header, once (RFC 9110
 * §5.1: names compare ASCII case-insensitively; §5.3: a recipient may see
 * the same name more than once, so "first" is what a caller asks for).
 * Pure C. */
#ifndef DT_BASE_HEADERS_H
#define DT_BASE_HEADERS_H

#include <stddef.h>

#include "detour.h"

/* The first field named NAME in H[0..N), or NULL. */
const dt_header *dt__header_find(const dt_header *h, size_t n,
                                 const char *name);
/* Its value, or NULL. */
const char *dt__header_value(const dt_header *h, size_t n, const char *name);
/* The next field named NAME at or after *POS (then *POS is past it), or
 * NULL: every field of a name, in order (RFC 9110 §5.3). */
const dt_header *dt__header_next(const dt_header *h, size_t n, const char *name,
                                 size_t *pos);
/* How many fields are named NAME. */
size_t dt__header_count(const dt_header *h, size_t n, const char *name);

#endif
