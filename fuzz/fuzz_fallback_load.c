/* fuzz_fallback_load.c — the HTTPS-Upgrades fallback list's file loader
 * (engine/nav/https_upgrades.c) takes any bytes: a clear error or the
 * good lines, bad ones skipped and counted, the list within its bound.
 * A file is a base and a journal (records appended by saves, clears among
 * them, read in order: hsts/base/journal.h); its compaction writes what it
 * says, which loads back to the same hosts with no bad line. */
#include "engine/nav/https_upgrades.h"

#include <stdint.h>
#include <stdio.h>
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
  if (rc == 0) {
    char *out = NULL;
    size_t olen = 0, count = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f) abort();
    dt__file_report crep;
    dt__file_report_start(&crep, "compaction", NULL);
    int crc = dt__fallback_journal_kind()->compact(NULL, (const char *)data,
                                                   size, f, &count, &crep);
    fclose(f);
    if (crc == 0) {
      dt__fallback_list m = {0};
      if (dt__fallback_load_mem(&m, out, olen, &rep) || rep.skipped ||
          m.n != l.n || count != l.n)
        abort();
      for (size_t i = 0; i < m.n; i++)
        if (!dt__fallback_has(&l, m.host[i])) abort();
      dt__fallback_clear(&m);
    }
    free(out);
  }
  dt__fallback_clear(&l);
  return 0;
}
