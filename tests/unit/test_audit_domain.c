/* test_audit_domain.c — the audit's domain checks (hstspreload
 * checkDomainFormat / checkEffectiveTLDPlusOne, the public suffix list via
 * libpsl), one row per code: which codes, in which order, whether they stop
 * the audit, and whether the name is its own registrable domain. */
#include "dt_test.h"

#include "engine/audit.h"

#include <string.h>

typedef struct row {
  const char *domain;
  const char *codes; /* space-separated, in order; "" for none */
  int stops;
  int etld1;
} row;

static const row rows[] = {
    {"example.com", "", 0, 1},
    {"www.example.com", "domain.is_subdomain", 0, 0},
    {"a.b.example.co.uk", "domain.is_subdomain", 0, 0},
    {"example.co.uk", "", 0, 1},
    {"co.uk", "domain.format.public_suffix", 0, 0},
    {"com", "domain.format.only_one_label", 1, 0},
    {"192.168.0.1", "domain.format.is_ip_address", 1, 0},
    {".example.com", "domain.format.begins_with_dot", 1, 0},
    {"example.com.", "domain.format.ends_with_dot", 1, 0},
    {"example..com", "domain.format.contains_double_dot", 1, 0},
    {"exa_mple.com", "domain.format.invalid_characters", 1, 0},
    {"", "domain.format.only_one_label", 1, 0},
};

static void codes_of(const dt__audit_findings *f, char *out, size_t cap) {
  out[0] = 0;
  for (size_t i = 0; i < f->count; i++) {
    if (i)
      strncat(out, " ", cap - strlen(out) - 1);
    strncat(out, dt__audit_code_name(f->items[i].code), cap - strlen(out) - 1);
  }
}

int main(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    dt__audit_findings f;
    dt__audit_findings_init(&f);
    dt__audit_evidence ev[DT__AUDIT_MAX_FINDINGS];
    int etld1 = -1;
    int stops = dt__audit_domain(rows[i].domain, &f, ev, &etld1);
    char got[512];
    codes_of(&f, got, sizeof got);
    CHECK_STR(got, rows[i].codes);
    CHECK_INT(stops, rows[i].stops);
    if (!rows[i].stops)
      CHECK_INT(etld1, rows[i].etld1);
    if (strcmp(got, rows[i].codes) || stops != rows[i].stops)
      fprintf(stderr, "  row '%s'\n", rows[i].domain);
  }
  return dt_test_summary("test_audit_domain");
}
