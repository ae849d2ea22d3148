/* fuzz_hsts_store_load.c — the store file loader and the curl --hsts
 * importer must accept or refuse any bytes without crashing, and what they
 * accept must survive a write and a re-read unchanged in size.
 * The first input byte selects the reader: bit 0 clear → the detour store
 * format (dt__hsts_file_load_mem), set → curl's format. Bit 1 → a store
 * limited to 4 entries (exercises eviction while loading). Bits 2-3: the
 * clock (below). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/store_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bits 2-3 of the mode byte pick the clock: a normal time (whole
 * seconds, so curl's stamps round-trip), or the extremes an embedder's
 * clock could return (saturation paths). */
static int64_t fixed_now(void *ud) { return *(const int64_t *)ud; }
static const int64_t clocks[4] = {1700000000000, INT64_MIN, INT64_MAX, 0};

static const char *const hosts[] = {"a.test",  "www.a.test", "example.com",
                                    "x.y.z.w", "localhost",  "1.2.3.4",
                                    "",        "b.a.test.",  "ExAmPle.CoM"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  unsigned mode = data[0];
  size_t n = size - 1;
  char *b = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
  if (!b) return 0;
  memcpy(b, data + 1, n);
  int64_t now = clocks[(mode >> 2) & 3];
  dt_clock clk = {fixed_now, &now};
  size_t max = (mode & 2) ? 4 : 0;
  dt__hsts_store *s = NULL, *t = NULL;
  if (dt__hsts_store_new(&s, max, &clk) || dt__hsts_store_new(&t, max, &clk))
    abort();
  dt__hsts_file_report rep;
  int rc = (mode & 1) ? dt__hsts_file_import_curl_mem(s, b, n, &rep)
                      : dt__hsts_file_load_mem(s, b, n, &rep);
  if (rc == 0 && rep.err) abort();
  if (rep.nbad > DT__HSTS_FILE_BAD_KEPT || rep.nbad > rep.skipped) abort();
  for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
    dt__hsts_decision d;
    dt__hsts_store_lookup(s, hosts[i], strlen(hosts[i]), &d);
  }
  /* Round trip through the writer of the same format. */
  char *out = NULL;
  size_t olen = 0;
  FILE *mf = open_memstream(&out, &olen);
  if (!mf) abort();
  if (mode & 1)
    dt__hsts_file_export_curl(s, mf, NULL);
  else
    dt__hsts_file_write(s, mf, NULL);
  fclose(mf);
  dt__hsts_file_report rep2;
  rc = (mode & 1) ? dt__hsts_file_import_curl_mem(t, out, olen, &rep2)
                  : dt__hsts_file_load_mem(t, out, olen, &rep2);
  /* The round trip is exact at a normal time; at the extremes curl's
   * stamps cannot say every expiry (years before 1970). */
  if (((mode >> 2) & 3) == 0) {
    if (rc != 0 || rep2.skipped != 0) abort();
    if (dt__hsts_store_count(t) != dt__hsts_store_count(s)) abort();
  }
  free(out);
  dt__hsts_store_free(s);
  dt__hsts_store_free(t);
  free(b);
  return 0;
}
