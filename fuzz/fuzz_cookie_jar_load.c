/* fuzz_cookie_jar_load.c — the cookie jar's file loader
 * (engine/cookie/jar_file.c) takes any bytes: a clear error or the good
 * records, bad ones skipped and counted, within the jar's bounds; what it
 * loaded exports as a Netscape file that imports again to the same. A file
 * is a base and a journal (cookies, deletions and clears appended by
 * saves, read in order: hsts/base/journal.h); its compaction writes what
 * it says, which loads back to as many cookies with no bad line. */
#include "engine/cookie/jar_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compaction (no bounds, as a save's) loads back to what the input
 * says when read with no bounds either. */
static void compaction(const uint8_t *data, size_t size) {
  dt__cookie_jar *j = dt__jar_new();
  if (!j) abort();
  dt__jar_set_bounds(j, SIZE_MAX, SIZE_MAX);
  dt__file_report rep;
  if (dt__jar_load_mem(j, (const char *)data, size, 0, &rep) == 0) {
    char *out = NULL;
    size_t olen = 0, count = 0;
    int64_t now = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f) abort();
    dt__file_report crep;
    dt__file_report_start(&crep, "compaction", NULL);
    int crc = dt__jar_journal_kind()->compact(&now, (const char *)data, size, f,
                                              &count, &crep);
    fclose(f);
    if (crc == 0) {
      dt__cookie_jar *k = dt__jar_new();
      if (!k) abort();
      dt__jar_set_bounds(k, SIZE_MAX, SIZE_MAX);
      if (dt__jar_load_mem(k, out, olen, 0, &rep) || rep.skipped ||
          dt__jar_count(k) != dt__jar_count(j) || count != dt__jar_count(j))
        abort();
      dt__jar_free(k);
    }
    free(out);
  }
  dt__jar_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dt__cookie_jar *j = dt__jar_new();
  if (!j) abort();
  dt__file_report rep;
  int rc = dt__jar_load_mem(j, (const char *)data, size, 0, &rep);
  if (rc && rc != DT_ESTORE && rc != DT_ENOMEM) abort();
  if (dt__jar_count(j) > DT__JAR_TOTAL_MAX || rep.nbad > DT__FILE_BAD_KEPT)
    abort();
  char *a = dt__jar_export_netscape(j, 0);
  if (a) {
    dt__cookie_jar *k = dt__jar_new();
    if (!k) abort();
    dt__file_report r2;
    dt__file_report_start(&r2, "Netscape cookie file", NULL);
    if (dt__jar_import_netscape(k, a, strlen(a), 0, &r2)) abort();
    char *b = dt__jar_export_netscape(k, 0);
    /* a cookie the Netscape format cannot carry (a tab or newline in a
     * value) is skipped on the way back, never changed */
    if (b && r2.skipped == 0 && strcmp(a, b) != 0) abort();
    free(b);
    dt__jar_free(k);
  }
  free(a);
  dt__jar_free(j);
  compaction(data, size);
  return 0;
}
