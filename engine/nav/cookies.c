/* cookies.c — see cookies.h. The rules are the jar's; this file says what
 * kind of request each hop is (RFC 6265bis §5.2 "same-site" and "top-level
 * navigation", Fetch §4.5's credentials) and records the jar's answers. */
#include "engine/nav/cookies.h"

#include "engine/chain.h"
#include "engine/cookie/set_cookie.h"
#include "engine/nav/identity.h"
#include "engine/nav/referrer.h"
#include "hsts/base/ascii.h"
#include "hsts/base/buf.h"
#include "hsts/base/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt__cookie_nav_free(dt__cookie_nav *cn) {
  for (size_t i = 0; i < cn->nurls; i++)
    dt_url_free(cn->urls[i]);
  cn->nurls = 0;
}

static int same_site(const dt_url *a, const dt_url *b) {
  return dt__identity_site_rank(a, b) <= 2; /* schemeful (HTML "same site") */
}

void dt__cookie_nav_req(dt__cookie_nav *cn, const dt_url *url,
                        const char *method, int64_t now_ms, dt__cookie_req *r,
                        char *why, size_t cap) {
  const dt__profile *p = cn->profile;
  memset(r, 0, sizeof *r);
  r->url = url;
  r->method = method;
  r->now_ms = now_ms;
  r->secure = dt__url_is_potentially_trustworthy(url);
  r->top_level = !cn->api;
  r->lax_by_default = p->samesite_lax_by_default;
  /* §5.2: a navigation the user typed has no initiator and is same-site;
   * otherwise the initiator's site against this URL's (schemeful) */
  int init_same = !cn->initiator || same_site(cn->initiator, url);
  /* knob 13: Firefox and the RFC also want every URL of the chain
   * same-site with this one; Chromium does not (measured) */
  int chain_same = 1;
  for (size_t i = 0; p->samesite_whole_chain && i < cn->nurls; i++)
    if (!same_site(cn->urls[i], url)) chain_same = 0;
  r->same_site = init_same && chain_same;
  if (cn->nurls < DT__COOKIE_NAV_MAX_URLS) {
    dt_url *d = dt_url_dup(url);
    if (d) cn->urls[cn->nurls++] = d;
  }
  /* fetch(): the credentials mode (Fetch §4.5 "HTTP-network-or-cache
   * fetch" step 8.4: same-origin only while the response tainting is
   * basic — every URL so far the page's origin) and the third-party rule
   * (knob 15: another site than the page's) */
  if (cn->api && cn->initiator) {
    if (!dt_url_same_origin(cn->initiator, url)) cn->tainted = 1;
    int cred = cn->credentials;
    r->no_credentials =
        cred == DT_CREDENTIALS_OMIT || ((cred == DT_CREDENTIALS_DEFAULT ||
                                         cred == DT_CREDENTIALS_SAME_ORIGIN) &&
                                        cn->tainted);
    r->third_party = p->block_third_party_cookies && !init_same;
  }
  snprintf(why, cap, "%s%s, %s%s%s",
           cn->api ? "fetch() from the page" : "a top-level navigation",
           cn->initiator ? "" : " typed by the user",
           r->same_site ? "same-site" : "cross-site",
           !init_same    ? " (the initiator is another site)"
           : !chain_same ? " (an earlier URL of the chain is another "
                           "site: knob 13)"
                         : "",
           r->no_credentials ? "; credentials omitted"
           : r->third_party  ? "; third-party, blocked (knob 15)"
                             : "");
}

/* "a.test" for a host-only cookie, ".a.test" for a domain one (as
 * DevTools and curl show them). */
static void shown_domain(const char *domain, int host_only, char *out,
                         size_t cap) {
  snprintf(out, cap, "%s%s", host_only ? "" : ".", domain);
}

int dt__cookies_for_request(dt__cookie_jar *jar, const dt__cookie_req *r,
                            const char *why, dt_chain *chain, dt_hop *hop,
                            char **value) {
  *value = NULL;
  dt__cookie_pick pk[256];
  size_t n = dt__jar_pick(jar, r, pk, sizeof pk / sizeof pk[0]);
  if (n > sizeof pk / sizeof pk[0]) n = sizeof pk / sizeof pk[0];
  dt__buf b = dt__buf_make(0);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const dt__cookie *c = pk[i].c;
    if (!pk[i].withheld) {
      /* §5.8.3 step 4: "name=value" joined by "; "; a nameless cookie is
       * its value alone (Chromium's BuildCookieLine) */
      if (b.len) dt__buf_put(&b, "; ", 2);
      if (c->name[0]) {
        dt__buf_str(&b, c->name);
        dt__buf_put(&b, "=", 1);
      }
      dt__buf_str(&b, c->value);
    }
    if (!hop) continue;
    char dom[DT_MAX_HOST_BYTES + 2];
    shown_domain(c->domain, c->host_only, dom, sizeof dom);
    dt_hop_cookie rec = {
        .name = c->name,
        .value = c->value,
        .domain = dom,
        .path = c->path,
        .blocked =
            pk[i].withheld ? dt__cookie_reason_name(pk[i].withheld) : NULL,
        .why = pk[i].withheld ? dt__cookie_reason_message(pk[i].withheld) : why,
    };
    rc = dt__hop_add_cookie(chain, hop, &rec);
  }
  if (b.failed) rc = DT_ENOMEM;
  if (!rc && b.len) *value = dt__buf_finish(&b);
  dt__buf_free(&b);
  return rc;
}

static const char *outcome_name(dt__cookie_outcome o) {
  switch (o) {
  case DT__COOKIE_STORED: return "stored";
  case DT__COOKIE_REPLACED: return "replaced";
  case DT__COOKIE_DELETED: return "deleted";
  case DT__COOKIE_NOTHING: return "nothing-to-delete";
  default: return "rejected";
  }
}

/* An IMF-fixdate or another cookie-date in the Date field, as ms. */
static int64_t server_date(const dt_hop *hop) {
  const char *d =
      dt__header_value(hop->resp_headers, hop->resp_header_count, "Date");
  int64_t t = d ? dt__cookie_date(d, strlen(d)) : -1;
  return t > 0 ? t : 0;
}

int dt__cookies_from_response(dt__cookie_jar *jar, dt__cookie_req *r,
                              dt_chain *chain, dt_hop *hop) {
  r->server_date_ms = server_date(hop);
  for (size_t i = 0; i < hop->resp_header_count; i++) {
    const dt_header *f = &hop->resp_headers[i];
    if (!dt__ascii_ieq(f->name, "Set-Cookie")) continue;
    dt__cookie_set_result res;
    int rc = dt__jar_set(jar, r, f->value, strlen(f->value), &res);
    if (rc) return rc;
    char name[DT__COOKIE_MAX_NAME_VALUE + 1], dom[DT_MAX_HOST_BYTES + 2];
    int parsed = res.name != NULL;
    if (parsed) {
      memcpy(name, res.name, res.name_len);
      name[res.name_len] = 0;
    }
    int placed = parsed && res.domain[0];
    if (placed) shown_domain(res.domain, res.host_only, dom, sizeof dom);
    const char *why =
        res.outcome == DT__COOKIE_REJECTED
            ? dt__cookie_reason_message(res.reason)
        : res.outcome == DT__COOKIE_DELETED
            ? "expired: the cookie with this name, domain and path is gone "
              "(RFC 6265bis §5.7)"
        : res.outcome == DT__COOKIE_NOTHING
            ? "expired, and no cookie had this name, domain and path"
        : res.outcome == DT__COOKIE_REPLACED
            ? "replaced the cookie with this name, domain and path"
            : "stored before the next hop (RFC 6265bis §5.7)";
    dt_hop_set_cookie rec = {
        .field = f->value,
        .outcome = outcome_name(res.outcome),
        .reason = res.outcome == DT__COOKIE_REJECTED
                      ? dt__cookie_reason_name(res.reason)
                      : NULL,
        .why = why,
        .name = parsed ? name : NULL,
        .domain = placed ? dom : NULL,
        .path = placed && res.path[0] ? res.path : NULL,
        .expires_ms = !res.persistent      ? -1
                      : res.expires_ms < 0 ? 0
                                           : res.expires_ms,
        .same_site = dt__samesite_name(res.samesite),
        .secure = res.secure,
        .http_only = res.http_only,
    };
    if (dt__hop_add_set_cookie(chain, hop, &rec)) return DT_ENOMEM;
  }
  return 0;
}
