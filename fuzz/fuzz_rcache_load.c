/* fuzz_rcache_load.c — the redirect cache's file loader
 * (engine/nav/redirect_cache.c) takes any bytes: a clear error or the
 * good lines, bad ones skipped and counted, within its bounds; every entry
 * it keeps is a redirect with its fields and URL in bounds. */
#include "engine/nav/redirect_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dt__redirect_cache c = {0};
  dt__file_report rep;
  int rc = dt__rc_load_mem(&c, (const char *)data, size, 0, &rep);
  if (rc && rc != DT_ESTORE && rc != DT_ENOMEM) abort();
  if (c.n > DT__RC_MAX || rep.nbad > DT__FILE_BAD_KEPT) abort();
  for (size_t i = 0; i < c.n; i++) {
    const dt__rc_entry *e = &c.e[i];
    if (e->nfields > DT__RC_MAX_FIELDS || e->status < 300 || e->status > 399 ||
        strlen(e->url) >= DT__RC_MAX_URL)
      abort();
  }
  dt__rc_free(&c);
  return 0;
}
