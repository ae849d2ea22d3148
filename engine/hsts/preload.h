/* preload.h — the public preload handle (dt_preload in detour.h) over
 * hsts/preload's blob reader, shared by reference between contexts
 * (internal). */
#ifndef DT_ENGINE_HSTS_PRELOAD_H
#define DT_ENGINE_HSTS_PRELOAD_H

#include "detour.h"
#include "hsts/preload.h"

struct dt_preload {
  dt__preload *p;
  unsigned refs; /* the caller's handle + each context using it */
  int embedded;
};

/* Takes one more reference (a context keeps its list this way); NULL in,
 * NULL out. */
dt_preload *dt__preload_ref(dt_preload *p);
/* The reader, for lookups. */
static inline const dt__preload *dt__preload_of(const dt_preload *p) {
  return p ? p->p : NULL;
}
/* The list's verdict for the canonical HOST (N bytes) under MODE, with the
 * stale policy: a list older than DT_PRELOAD_STALE_DAYS matches nothing
 * when DISABLE_STALE is set. */
int dt__preload_match_host(const dt_preload *p, const char *host, size_t n,
                           dt__preload_mode mode, int disable_stale,
                           const dt_clock *clock, dt__preload_match *m);

#endif
