/* test_audit_domain.c — the audit's pure parts: the report for people
 * never passes a server's control bytes to the terminal; and the domain checks
 * (hstspreload checkDomainFormat / checkEffectiveTLDPlusOne, the public suffix
 * list via libpsl), one row per code: which codes, in which order, whether they
 * stop the audit, and whether the name is its own registrable domain. */
#include "dt_test.h"

#include "engine/audit/audit.h"
#include "engine/chain.h"

#include <stdlib.h>

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
    if (i) strncat(out, " ", cap - strlen(out) - 1);
    strncat(out, dt__audit_code_name(f->items[i].code), cap - strlen(out) - 1);
  }
}

/* A Location with an escape sequence, shown as evidence. */
static void report_escapes_server_bytes(void) {
  dt__audit_result *r = calloc(1, sizeof *r);
  snprintf(r->target, sizeof r->target, "a.test\x1b[2J");
  snprintf(r->domain, sizeof r->domain, "a.test");
  r->judged = 1;
  dt__audit_findings_init(&r->findings);
  dt_chain *c = dt__chain_new("GET", "http://a.test/");
  dt_hop *h = dt__chain_add_hop(c);
  h->method = "GET";
  h->url = "http://a.test/";
  h->has_response = 1;
  h->status = 301;
  const char *loc = "/x\x1b]0;pwned\x07";
  dt__hop_add_resp_header(c, h, "Location", 8, loc, strlen(loc));
  r->chains[DT__AUDIT_CHAIN_BROWSER] = c;
  dt__audit_add(&r->findings, DT__AUDIT_REDIRECTS_PERMANENT_CACHED, "301");
  r->ev[0] = (dt__audit_evidence){DT__AUDIT_CHAIN_BROWSER, 0};
  dt_audit_result pub;
  dt_audit_finding fs[DT__AUDIT_MAX_FINDINGS];
  dt__audit_result_view(r, &pub, fs);
  char *text = dt_audit_result_to_text(&pub);
  CHECK(text != NULL);
  CHECK(text && strchr(text, 0x1b) == NULL && strchr(text, 0x07) == NULL);
  CHECK(text && strstr(text, "/x\\x1b]0;pwned\\x07") != NULL);
  CHECK(text && strstr(text, "audit a.test\\x1b[2J:") != NULL);
  free(text);
  dt__audit_result_free(r);
}

/* redirects.hsts_not_noted: an STS field from a host no browser notes it
 * from — over a verified https connection still — is flagged: localhost
 * (rule 3) and an IP literal; a plain domain is not. */
static void sts_from_ineligible_hosts(void) {
  static const struct {
    const char *url;
    int flagged;
  } cases[] = {{"https://localhost/", 1},
               {"https://app.localhost/", 1},
               {"https://127.0.0.1/", 1},
               {"https://a.test/", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dt__audit_result *r = calloc(1, sizeof *r);
    snprintf(r->target, sizeof r->target, "%s", cases[i].url);
    snprintf(r->domain, sizeof r->domain, "a.test");
    dt__audit_findings_init(&r->findings);
    dt_chain *c = dt__chain_new("GET", cases[i].url);
    dt_hop *h = dt__chain_add_hop(c);
    h->method = "GET";
    h->url = cases[i].url;
    h->has_response = 1;
    h->status = 200;
    dt__hop_conn(h)->cert_verified = 1;
    const char *sts = "max-age=31536000";
    dt__hop_add_resp_header(c, h, "Strict-Transport-Security", 25, sts,
                            strlen(sts));
    r->chains[DT__AUDIT_CHAIN_BROWSER] = c;
    dt__audit_judge(r, 1);
    char got[512];
    codes_of(&r->findings, got, sizeof got);
    CHECK_INT(strstr(got, "redirects.hsts_not_noted") != NULL,
              cases[i].flagged);
    if ((strstr(got, "redirects.hsts_not_noted") != NULL) != cases[i].flagged)
      fprintf(stderr, "  row '%s': %s\n", cases[i].url, got);
    dt__audit_result_free(r);
  }
}

int main(void) {
  report_escapes_server_bytes();
  sts_from_ineligible_hosts();
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
    if (!rows[i].stops) CHECK_INT(etld1, rows[i].etld1);
    if (strcmp(got, rows[i].codes) || stops != rows[i].stops)
      fprintf(stderr, "  row '%s'\n", rows[i].domain);
  }
  return dt_test_summary("test_audit_domain");
}
