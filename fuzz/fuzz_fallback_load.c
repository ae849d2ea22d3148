/* fuzz_fallback_load.c — the HTTPS-Upgrades fallback list's file loader
 * (engine/nav/https_upgrades.c) takes any bytes: a clear error or the
 * good lines, bad ones skipped and counted, the list within its bound. */
#include "engine/nav/https_upgrades.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dt__fallback_list l = {0};
  dt__file_report rep;
  int rc = dt__fallback_load_mem(&l, (const char *)data, size, &rep);
  if (rc && rc != DT_ESTORE && rc != DT_ENOMEM) abort();
  if (l.n > DT__FALLBACK_MAX || rep.nbad > DT__FILE_BAD_KEPT) abort();
  for (size_t i = 0; i < l.n; i++)
    if (!dt__fallback_has(&l, l.host[i])) abort();
  dt__fallback_clear(&l);
  return 0;
}
