/* test_audit_memory.c — the audit's findings about what a browser remembers
 * (engine/audit/judge.c judge_memory; docs/audit.md): judged on browser
 * chains built by hand, so each finding is shown to fire and not to fire.
 * integration.test_cookies (AuditMemory) runs the cookie ones through
 * sockets. */
#include "engine/audit/audit.h"
#include "engine/chain.h"

#include "dt_test.h"

#include <stdlib.h>
#include <string.h>

static dt_hop *hop(dt_chain *c, const char *url, int status) {
  dt_hop *h = dt__chain_add_hop(c);
  h->method = "GET";
  h->url = dt__chain_strdup(c, url);
  h->has_response = 1;
  h->status = status;
  h->reason = "";
  return h;
}

static void set_cookie(dt_chain *c, dt_hop *h, const char *name,
                       const char *outcome, const char *reason, int secure) {
  dt_hop_set_cookie s = {.field = "x",
                         .outcome = outcome,
                         .reason = reason,
                         .why = "because",
                         .name = name,
                         .expires_ms = -1,
                         .secure = secure};
  dt__hop_add_set_cookie(c, h, &s);
}

/* Judges CH as a target's browser chain; how many findings have CODE. */
static size_t count(dt_chain *ch, const char *code) {
  dt__audit_result r;
  memset(&r, 0, sizeof r);
  dt__audit_findings_init(&r.findings);
  r.chains[DT__AUDIT_CHAIN_BROWSER] = ch;
  dt__audit_judge(&r, 1);
  size_t n = 0;
  for (size_t i = 0; i < r.findings.count; i++)
    n += strcmp(dt__audit_code_name(r.findings.items[i].code), code) == 0;
  return n;
}

static dt_chain *upgraded_chain(int with_hsts, int fell_back) {
  dt_chain *c = dt__chain_new("GET", "http://example.com/");
  dt_hop *h = hop(c, "http://example.com/", 307);
  h->synthetic = 1;
  dt__hop_add_resp_header(c, h, "Non-Authoritative-Reason", 24, "HttpsUpgrades",
                          13);
  h = hop(c, "https://example.com/", fell_back ? 0 : 200);
  if (fell_back) {
    h->has_response = 0;
    dt_hop *back = hop(c, "https://example.com/", 307);
    back->synthetic = 1;
    dt__hop_add_resp_header(c, back, "Non-Authoritative-Reason", 24,
                            "HttpsUpgrades", 13);
    hop(c, "http://example.com/", 200);
  } else if (with_hsts) {
    dt_sts_note *n = dt__hop_sts(h);
    n->outcome = DT_STS_NOTED;
  }
  return c;
}

int main(void) {
  /* cookies: refused, set over http, set over https without Secure */
  dt_chain *c = dt__chain_new("GET", "http://a.test/");
  dt_hop *h = hop(c, "http://a.test/", 301);
  set_cookie(c, h, "early", "stored", NULL, 0);
  h = hop(c, "https://a.test/", 200);
  set_cookie(c, h, "plain", "stored", NULL, 0);
  set_cookie(c, h, "safe", "stored", NULL, 1);
  set_cookie(c, h, "n", "rejected", "SameSiteNoneInsecure", 0);
  set_cookie(c, h, "gone", "deleted", NULL, 0);
  CHECK_INT(count(c, "cookies.refused"), 1);
  CHECK_INT(count(c, "cookies.over_http"), 1);
  CHECK_INT(count(c, "cookies.not_secure"), 1);
  CHECK_INT(count(c, "redirects.https_upgrades_no_hsts"), 0);
  dt_chain_free(c);
  /* https only by HTTPS-Upgrades, no HSTS: found; with HSTS, or when the
   * attempt fell back to http, not */
  c = upgraded_chain(0, 0);
  CHECK_INT(count(c, "redirects.https_upgrades_no_hsts"), 1);
  dt_chain_free(c);
  c = upgraded_chain(1, 0);
  CHECK_INT(count(c, "redirects.https_upgrades_no_hsts"), 0);
  dt_chain_free(c);
  c = upgraded_chain(0, 1);
  CHECK_INT(count(c, "redirects.https_upgrades_no_hsts"), 0);
  dt_chain_free(c);
  return dt_test_summary("test_audit_memory");
}
