/* fuzz_cookie_jar_load.c — the cookie jar's file loader
 * (engine/cookie/jar_file.c) takes any bytes: a clear error or the good
 * records, bad ones skipped and counted, within the jar's bounds; what it
 * loaded exports as a Netscape file that imports again to the same. */
#include "engine/cookie/jar_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
  return 0;
}
