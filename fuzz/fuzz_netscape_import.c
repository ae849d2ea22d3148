/* fuzz_netscape_import.c — curl's Netscape cookie file reader
 * (engine/cookie/jar_file.c) takes any bytes: cookies or counted bad
 * lines; what it took exports and imports again to the same text. */
#include "engine/cookie/jar_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dt__cookie_jar *j = dt__jar_new();
  if (!j) abort();
  dt__file_report rep;
  dt__file_report_start(&rep, "Netscape cookie file", NULL);
  int rc = dt__jar_import_netscape(j, (const char *)data, size, 0, &rep);
  if (rc && rc != DT_ENOMEM) abort();
  if (rep.loaded + rep.skipped + rep.expired > rep.lines) abort();
  char *a = dt__jar_export_netscape(j, 0);
  if (a) {
    dt__cookie_jar *k = dt__jar_new();
    dt__file_report r2;
    dt__file_report_start(&r2, "Netscape cookie file", NULL);
    if (!k || dt__jar_import_netscape(k, a, strlen(a), 0, &r2)) abort();
    char *b = dt__jar_export_netscape(k, 0);
    if (b && strcmp(a, b) != 0) abort();
    free(b);
    dt__jar_free(k);
  }
  free(a);
  dt__jar_free(j);
  return 0;
}
