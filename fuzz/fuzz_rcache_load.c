/* fuzz_rcache_load.c — the redirect cache's file loader
 * (engine/nav/redirect_cache.c) takes any bytes: a clear error or the
 * good lines, bad ones skipped and counted, within its bounds; every entry
 * it keeps is a redirect with its fields and URL in bounds. A file is a
 * base and a journal (entries and clears appended by saves, read in order:
 * hsts/base/journal.h); its compaction writes what it says, which loads
 * back to as many entries with no bad line. */
#include "engine/nav/redirect_cache.h"

#include <stdint.h>
#include <stdio.h>
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
  if (rc == 0) {
    char *out = NULL;
    size_t olen = 0, count = 0;
    int64_t now = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f) abort();
    dt__file_report crep;
    dt__file_report_start(&crep, "compaction", NULL);
    int crc = dt__rc_journal_kind()->compact(&now, (const char *)data, size, f,
                                             &count, &crep);
    fclose(f);
    if (crc == 0) {
      dt__redirect_cache m = {0};
      if (dt__rc_load_mem(&m, out, olen, 0, &rep) || rep.skipped ||
          m.n != c.n || count != c.n)
        abort();
      dt__rc_free(&m);
    }
    free(out);
  }
  dt__rc_free(&c);
  return 0;
}
