/* fuzz_hsts_sts_header.c — the Strict-Transport-Security parser
 * (hsts/sts_header.c) must accept or reject any bytes without crashing or
 * allocating, and its result must keep its promises: a valid max-age is
 * within the cap (rule 10), spans and the offset lie inside the value, and
 * noting the header in a store agrees with the parse (rules 8, 15, 16).
 * The first input byte picks the cap: bit 0 → none (ceiling only), else
 * Chromium's one year. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/store.h"
#include "hsts/sts_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint64_t cap = (data[0] & 1) ? 0 : DT__STS_CHROMIUM_CAP;
  size_t n = size - 1;
  char *v = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
  if (!v) return 0;
  memcpy(v, data + 1, n);
  dt__sts_result r;
  int rc = dt__sts_parse(v, n, cap, &r);
  if ((rc == 0) != (r.code == DT__STS_OK)) abort();
  if (r.offset > n) abort();
  if (rc == 0) {
    if (cap && r.max_age > cap) abort();
    if (r.max_age > DT__STS_MAX_AGE_CEIL) abort();
    unsigned kept = r.unknown_count < DT__STS_MAX_UNKNOWN ? r.unknown_count
                                                          : DT__STS_MAX_UNKNOWN;
    for (unsigned i = 0; i < kept; i++)
      if ((uint64_t)r.unknown[i].off + r.unknown[i].len > n) abort();
  }
  (void)dt__sts_code_name(r.code);
  (void)dt__sts_code_message(r.code);
  /* Through the store: an invalid header changes nothing (rule 8). */
  dt__hsts_store *s = NULL;
  if (dt__hsts_store_new(&s, 0, NULL)) abort();
  int64_t now = 1700000000000;
  dt__hsts_store_add(s, "fuzz.test", 9, 1, now + 1000, now - 1, NULL);
  dt__hsts_note_result nr;
  int nrc = dt__hsts_note(s, "fuzz.test", 9, v, n, now, cap, &nr);
  if (rc != 0 && (nrc != DT_EPARSE || dt__hsts_store_count(s) != 1)) abort();
  if (rc == 0 && r.max_age == 0 && nr.outcome != DT__HSTS_DELETED) abort();
  if (rc == 0 && r.max_age > 0 &&
      (nr.outcome != DT__HSTS_NOTED || nr.entry.expires_ms <= now))
    abort();
  dt__hsts_store_free(s);
  free(v);
  return 0;
}
