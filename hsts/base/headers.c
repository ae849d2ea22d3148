/* headers.c — see headers.h. */
#include "hsts/base/headers.h"

#include "hsts/base/ascii.h"

const dt_header *dt__header_find(const dt_header *h, size_t n,
                                 const char *name) {
  for (size_t i = 0; h && i < n; i++)
    if (dt__ascii_ieq(h[i].name, name)) return &h[i];
  return NULL;
}

const char *dt__header_value(const dt_header *h, size_t n, const char *name) {
  const dt_header *f = dt__header_find(h, n, name);
  return f ? f->value : NULL;
}

const dt_header *dt__header_next(const dt_header *h, size_t n, const char *name,
                                 size_t *pos) {
  for (; h && *pos < n; (*pos)++)
    if (dt__ascii_ieq(h[*pos].name, name)) return &h[(*pos)++];
  return NULL;
}

size_t dt__header_count(const dt_header *h, size_t n, const char *name) {
  size_t c = 0;
  for (size_t i = 0; h && i < n; i++)
    c += (size_t)dt__ascii_ieq(h[i].name, name);
  return c;
}
