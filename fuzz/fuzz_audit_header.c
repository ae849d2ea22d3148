/* fuzz_audit_header.c — libFuzzer target for the audit's HSTS header
 * verdicts (engine/audit/audit_header.c): the checker's parser with Go's string
 * rules, the browser check, the bounded findings list.
 *
 * Input: byte 0 picks the options (bits 0-1 check, bit 2 policy, bit 3
 * browser checks, bit 4 "response": the rest is split on '\n' into up to 8
 * Strict-Transport-Security fields); the rest is the value(s). Invariants
 * checked on every input: the call succeeds, the list stays in bounds, each
 * finding has a known code with its table severity and a NUL-terminated
 * printable detail. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/audit/audit_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES 8

static void check_findings(const dt__audit_findings *f) {
  if (f->count > DT__AUDIT_MAX_FINDINGS) abort();
  for (size_t i = 0; i < f->count; i++) {
    const dt__audit_finding *x = &f->items[i];
    if ((unsigned)x->code >= (unsigned)DT__AUDIT_CODE_COUNT) abort();
    if (x->severity != dt__audit_code_severity(x->code)) abort();
    const char *d = x->detail;
    size_t n = strnlen(d, DT__AUDIT_DETAIL_MAX);
    if (n >= DT__AUDIT_DETAIL_MAX) abort();
    for (size_t k = 0; k < n; k++)
      if ((unsigned char)d[k] < 0x20 || (unsigned char)d[k] >= 0x7f) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t sel = data[0];
  const char *p = (const char *)data + 1;
  size_t n = size - 1;
  dt__audit_header_opts o = {(dt__audit_check)((sel & 3) % 3),
                             (sel & 4) ? DT__AUDIT_POLICY_BULK_18_WEEKS
                                       : DT__AUDIT_POLICY_BULK_1_YEAR,
                             (sel >> 3) & 1};
  dt__audit_findings f;
  dt__audit_findings_init(&f);
  dt__audit_sts parsed;
  if (sel & 16) {
    const char *vals[MAX_VALUES];
    size_t lens[MAX_VALUES], nv = 0;
    const char *s = p, *end = p + n;
    while (nv < MAX_VALUES && s <= end) {
      const char *nl = memchr(s, '\n', (size_t)(end - s));
      const char *stop = nl ? nl : end;
      vals[nv] = s;
      lens[nv++] = (size_t)(stop - s);
      if (!nl) break;
      s = nl + 1;
    }
    /* An empty input means "no field at all" (response.no_header). */
    if (n == 0) nv = 0;
    if (dt__audit_sts_header_ex(vals, lens, nv, &o, &parsed, &f) != 0) abort();
  } else {
    if (dt__audit_sts_value(p, n, &o, &parsed, &f) != 0) abort();
    /* The same bytes again into the same list: appending must stay
     * bounded and "unique" must stay per call. */
    if (dt__audit_sts_value(p, n, &o, NULL, &f) != 0) abort();
  }
  check_findings(&f);
  return 0;
}
