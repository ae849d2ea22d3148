/* judge.c — the audit's verdicts: a site's chains judged the way the HSTS
 * preload checker (hstspreload.go PreloadableDomain) and a browser see
 * them, into findings with evidence. Pure: chains in, findings out; the
 * navigations are run by audit.c.
 *
 * The order is the checker's (docs/redirects.md §4; docs/audit.md "How
 * the checker judges a site"): domain; the https response (stop if it
 * failed); the http redirects; the first redirect's header (only if the
 * response passed); the https redirects; www. The report is the checker's
 * errors, then its warnings, then detour's browser-side codes. */
#include "engine/audit/audit.h"

#include "engine/nav/redirect.h"
#include "engine/net/tls.h"
#include "hsts/base/ascii.h"
#include "hsts/base/headers.h"
#include "hsts/base/host.h"

#include <libpsl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define STS_NAME "Strict-Transport-Security"
#define MAX_STS_FIELDS 8
#define MAX_TARGETS (DT__AUDIT_CHECKER_MAX_REDIRECTS + 1)

static const char *const chain_names[DT__AUDIT_CHAIN_COUNT] = {
    "https", "http", "www", "browser"};

const char *dt__audit_chain_name(int chain) {
  return chain >= 0 && chain < DT__AUDIT_CHAIN_COUNT ? chain_names[chain] : "";
}

/* ---- findings with evidence ------------------------------------------- */

typedef struct coll {
  dt__audit_findings f;
  dt__audit_evidence ev[DT__AUDIT_MAX_FINDINGS];
} coll;

static void coll_init(coll *c) {
  dt__audit_findings_init(&c->f);
  for (size_t i = 0; i < DT__AUDIT_MAX_FINDINGS; i++)
    c->ev[i] = (dt__audit_evidence){-1, -1};
}

/* Points findings [FROM, count) at one hop. */
static void mark(coll *c, size_t from, int chain, int hop) {
  for (size_t i = from; i < c->f.count && i < DT__AUDIT_MAX_FINDINGS; i++)
    c->ev[i] = (dt__audit_evidence){chain, hop};
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
addf(coll *c, int chain, int hop, dt__audit_code code, const char *fmt, ...) {
  char buf[DT__AUDIT_DETAIL_MAX * 2];
  buf[0] = 0;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
  }
  size_t before = c->f.count;
  dt__audit_add(&c->f, code, fmt ? "%s" : NULL, buf);
  mark(c, before, chain, hop);
}

static int has_code(const coll *c, dt__audit_code code) {
  for (size_t i = 0; i < c->f.count && i < DT__AUDIT_MAX_FINDINGS; i++)
    if (c->f.items[i].code == code) return 1;
  return 0;
}

static int is_detour_code(dt__audit_code code) {
  return strncmp(dt__audit_code_source(code), "detour", 6) == 0;
}

/* Errors among [FROM, count) that are the checker's own (not detour's
 * header.browser.*): hstspreload only looks at its own issues. */
static size_t checker_errors_since(const coll *c, size_t from) {
  size_t n = 0;
  for (size_t i = from; i < c->f.count && i < DT__AUDIT_MAX_FINDINGS; i++)
    if (c->f.items[i].severity == DT__AUDIT_ERROR &&
        !is_detour_code(c->f.items[i].code))
      n++;
  return n;
}

/* ---- domain (hstspreload domain.go) ------------------------------------ */

static const psl_ctx_t *psl(void) {
  /* psl_builtin() is the list compiled into libpsl; Debian also ships it as
   * a file, used when the build has none. Loaded once, never freed. */
  static const psl_ctx_t *p;
  static int tried;
  if (!tried) {
    tried = 1;
    p = psl_builtin();
    if (!p) p = psl_latest(NULL);
  }
  return p;
}

static int is_ip_literal(const char *d) {
  if (strchr(d, ':')) return 1; /* an IPv6 literal, bracketed or not */
  unsigned char buf[4];
  return uv_inet_pton(AF_INET, d, buf) == 0;
}

int dt__audit_domain(const char *domain, dt__audit_findings *out,
                     dt__audit_evidence *ev, int *etld1) {
  coll c;
  coll_init(&c);
  if (etld1) *etld1 = 0;
  size_t len = strlen(domain);
  int stop = 0;
  if (len == 0) {
    addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_ONLY_ONE_LABEL, "empty input");
    stop = 1;
  } else if (is_ip_literal(domain)) {
    addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_IS_IP_ADDRESS, "%s", domain);
    stop = 1;
  } else {
    /* checkDomainFormat, in its order. */
    if (domain[0] == '.')
      addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_BEGINS_WITH_DOT, "%s", domain);
    if (domain[len - 1] == '.')
      addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_ENDS_WITH_DOT, "%s", domain);
    if (strstr(domain, ".."))
      addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_CONTAINS_DOUBLE_DOT, "%s",
           domain);
    if (!strchr(domain, '.'))
      addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_ONLY_ONE_LABEL, "%s", domain);
    for (size_t i = 0; i < len; i++) {
      unsigned char ch = (unsigned char)domain[i];
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '.')) {
        addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_INVALID_CHARACTERS,
             "byte %zu of %s", i, domain);
        break;
      }
    }
    stop = c.f.count > 0;
  }
  if (!stop) {
    /* checkEffectiveTLDPlusOne: these do not stop the checker. */
    const psl_ctx_t *p = psl();
    if (p && psl_is_public_suffix(p, domain)) {
      addf(&c, -1, -1, DT__AUDIT_DOMAIN_FORMAT_PUBLIC_SUFFIX,
           "%s is on the public suffix list", domain);
    } else if (p) {
      const char *reg = psl_registrable_domain(p, domain);
      if (reg && strcmp(reg, domain) != 0)
        addf(&c, -1, -1, DT__AUDIT_DOMAIN_IS_SUBDOMAIN,
             "%s is under %s (its eTLD+1)", domain, reg);
      else if (reg && etld1)
        *etld1 = 1;
    }
  }
  for (size_t i = 0; i < c.f.count && i < DT__AUDIT_MAX_FINDINGS; i++) {
    size_t before = out->count;
    dt__audit_add(out, c.f.items[i].code, "%s", c.f.items[i].detail);
    if (ev && out->count > before) ev[before] = c.ev[i];
  }
  return stop;
}

/* ---- reading chains ---------------------------------------------------- */

static const char *resp_header(const dt_hop *h, const char *name) {
  return dt__header_value(h->resp_headers, h->resp_header_count, name);
}

static const char *req_header(const dt_hop *h, const char *name) {
  return dt__header_value(h->req_headers, h->req_header_count, name);
}

/* The STS field values of a response (at most MAX_STS_FIELDS kept; the
 * count is the real one). */
static size_t sts_values(const dt_hop *h, const char **vals) {
  size_t n = 0, pos = 0;
  for (const dt_header *f;
       (f = dt__header_next(h->resp_headers, h->resp_header_count, STS_NAME,
                            &pos));
       n++)
    if (n < MAX_STS_FIELDS) vals[n] = f->value;
  return n;
}

static int is_redirect(const dt_hop *h) {
  return h->has_response &&
         (h->status == 301 || h->status == 302 || h->status == 303 ||
          h->status == 307 || h->status == 308) &&
         resp_header(h, "Location") != NULL;
}

/* The redirect chain as the checker's Go client records it: the URL each
 * redirect points to, in order (redirects.go preloadableRedirects). */
typedef struct redirect_list {
  size_t n;
  dt_url *url[MAX_TARGETS];
  int hop[MAX_TARGETS]; /* the hop that answered with the redirect */
} redirect_list;

static void redirects_of(const dt_chain *ch, redirect_list *rl) {
  memset(rl, 0, sizeof *rl);
  size_t n = ch ? dt_chain_hop_count(ch) : 0;
  for (size_t i = 0; i < n && rl->n < MAX_TARGETS; i++) {
    const dt_hop *h = dt_chain_hop(ch, i);
    if (h->synthetic || !is_redirect(h)) break;
    dt_url *base = NULL, *u = NULL;
    if (dt_url_parse(&base, h->url, strlen(h->url), NULL) != 0) break;
    const char *loc = resp_header(h, "Location");
    int rc = dt_url_parse(&u, loc, strlen(loc), base);
    dt_url_free(base);
    if (rc != 0) break;
    rl->url[rl->n] = u;
    rl->hop[rl->n] = (int)i;
    rl->n++;
  }
}

static void redirects_free(redirect_list *rl) {
  for (size_t i = 0; i < rl->n; i++)
    dt_url_free(rl->url[i]);
  rl->n = 0;
}

static const char *href(const dt_url *u) { return dt_url_get(u, DT_URL_HREF); }

/* The last hop of a chain, or -1. */
static int last_hop(const dt_chain *ch) {
  size_t n = ch ? dt_chain_hop_count(ch) : 0;
  return n ? (int)n - 1 : -1;
}

/* preloadableRedirects' error and preloadableRedirectChain's verdict, for
 * the chain CH (id CID). too_many / follow_error come first. */
static void judge_follow_errors(coll *c, int cid, const dt_chain *ch) {
  int err = dt_chain_error(ch);
  if (!err) return;
  const char *msg = dt_chain_error_message(ch);
  if (err == DT_EREDIRECT_LIMIT)
    addf(c, cid, last_hop(ch), DT__AUDIT_REDIRECTS_TOO_MANY,
         "%s redirects more than %u times", dt_chain_url(ch),
         DT__AUDIT_CHECKER_MAX_REDIRECTS);
  else
    addf(c, cid, last_hop(ch), DT__AUDIT_REDIRECTS_FOLLOW_ERROR, "%s: %s",
         dt_err_name(err), msg ? msg : dt_strerror(err));
}

static void judge_insecure(coll *c, int cid, const redirect_list *rl) {
  for (size_t i = 0; i < rl->n; i++) {
    if (strcmp(dt_url_scheme(rl->url[i]), "https") != 0) {
      addf(c, cid, rl->hop[i],
           i == 0 ? DT__AUDIT_REDIRECTS_INSECURE_INITIAL
                  : DT__AUDIT_REDIRECTS_INSECURE_SUBSEQUENT,
           "redirect %zu goes to %s", i + 1, href(rl->url[i]));
      return; /* the checker reports the first insecure hop only */
    }
  }
}

/* The Strict-Transport-Security verdict on one https response. */
static void judge_response(coll *c, int cid, int hop, const dt_hop *h,
                           int browser_checks) {
  const char *vals[MAX_STS_FIELDS];
  size_t n = sts_values(h, vals);
  dt__audit_header_opts o = {DT__AUDIT_CHECK_PRELOADABLE,
                             DT__AUDIT_POLICY_BULK_1_YEAR, browser_checks};
  size_t before = c->f.count;
  dt__audit_sts_header_ex(vals, NULL, n < MAX_STS_FIELDS ? n : MAX_STS_FIELDS,
                          &o, NULL, &c->f);
  mark(c, before, cid, hop);
}

/* hstspreload checkHSTSOverHTTP + preloadableHTTPRedirects. FIRST gets the
 * first redirect's header verdict (reported by the caller only if the
 * https response passed). */
static void judge_http(coll *c, coll *first, const char *domain,
                       const dt_chain *ch) {
  const int cid = DT__AUDIT_CHAIN_HTTP;
  const dt_hop *h0 = ch && dt_chain_hop_count(ch) ? dt_chain_hop(ch, 0) : NULL;
  if (!h0 || !h0->has_response) {
    int err = ch ? dt_chain_error(ch) : DT_EINTERNAL;
    addf(c, cid, h0 ? 0 : -1, DT__AUDIT_REDIRECTS_HTTP_DOES_NOT_EXIST,
         "http://%s/: %s", domain, dt_err_name(err));
    return;
  }
  const char *vals[MAX_STS_FIELDS];
  if (sts_values(h0, vals))
    addf(c, cid, 0, DT__AUDIT_REDIRECTS_HTTP_USELESS_HEADER, "%s: %s", h0->url,
         vals[0]);
  judge_follow_errors(c, cid, ch);
  redirect_list rl;
  redirects_of(ch, &rl);
  if (rl.n == 0) {
    addf(c, cid, 0, DT__AUDIT_REDIRECTS_HTTP_NO_REDIRECT, "%s answers %d",
         h0->url, h0->status);
    return;
  }
  const dt_url *u = rl.url[0];
  const char *host = dt_url_get(u, DT_URL_HOSTNAME);
  if (strcmp(dt_url_scheme(u), "https") == 0 && strcmp(host, domain) == 0) {
    /* The port is not compared (TestExplicitPortFirstRedirect). The first
     * redirect's own first response is hop 1 of this chain. */
    const dt_hop *h1 = dt_chain_hop_count(ch) > 1 ? dt_chain_hop(ch, 1) : NULL;
    if (!h1 || !h1->has_response) {
      addf(c, cid, h1 ? 1 : 0, DT__AUDIT_REDIRECTS_HTTP_FIRST_REDIRECT_INVALID,
           "%s: %s", href(u), dt_err_name(dt_chain_error(ch)));
    } else {
      coll tmp;
      coll_init(&tmp);
      judge_response(&tmp, cid, 1, h1, 0);
      if (checker_errors_since(&tmp, 0)) {
        size_t k = 0; /* name the first error: it says what is missing */
        while (tmp.f.items[k].severity != DT__AUDIT_ERROR)
          k++;
        addf(first, cid, 1, DT__AUDIT_REDIRECTS_HTTP_FIRST_REDIRECT_NO_HSTS,
             "%s: %s", href(u), dt__audit_code_name(tmp.f.items[k].code));
      }
      judge_insecure(c, cid, &rl);
    }
  } else {
    char www[DT_MAX_HOST_BYTES + 8];
    snprintf(www, sizeof www, "www.%s", domain);
    if (strcmp(host, www) == 0)
      addf(c, cid, rl.hop[0], DT__AUDIT_REDIRECTS_HTTP_WWW_FIRST,
           "http://%s/ redirects to %s", domain, href(u));
    else
      addf(c, cid, rl.hop[0], DT__AUDIT_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE,
           "http://%s/ redirects to %s", domain, href(u));
  }
  redirects_free(&rl);
}

/* hstspreload tls.go: suites it calls obsolete (CBC, RC4, 3DES, NULL). */
static int obsolete_cipher(const char *name) {
  return name && (strstr(name, "CBC") || strstr(name, "RC4") ||
                  strstr(name, "3DES") || strstr(name, "NULL"));
}

static int is_cert_error(int err) {
  return err == DT_ECERT_UNTRUSTED || err == DT_ECERT_EXPIRED ||
         err == DT_ECERT_NAME || err == DT_ECERT_OTHER || err == DT_EHSTS_CERT;
}

/* The checker's walks, in PreloadableDomain's order. When the https
 * response failed the checker stops there, and so does this. */
static void judge_checker(coll *c, const dt__audit_result *r, int etld1) {
  const char *d = r->domain;
  const dt_chain *hs = r->chains[DT__AUDIT_CHAIN_HTTPS];
  const dt_hop *h0 = hs && dt_chain_hop_count(hs) ? dt_chain_hop(hs, 0) : NULL;
  if (!h0 || !h0->has_response) {
    int err = hs ? dt_chain_error(hs) : DT_EINTERNAL;
    const char *msg = hs ? dt_chain_error_message(hs) : NULL;
    if (err == DT_ETLS_NEED13) return; /* detour's limit: judge_tls says */
    addf(c, DT__AUDIT_CHAIN_HTTPS, h0 ? 0 : -1,
         is_cert_error(err) ? DT__AUDIT_DOMAIN_TLS_INVALID_CERT_CHAIN
                            : DT__AUDIT_DOMAIN_TLS_CANNOT_CONNECT,
         "https://%s/: %s: %s", d, dt_err_name(err),
         msg ? msg : dt_strerror(err));
    return;
  }
  if (h0->conn && obsolete_cipher(h0->conn->tls_cipher))
    addf(c, DT__AUDIT_CHAIN_HTTPS, 0, DT__AUDIT_TLS_OBSOLETE_CIPHER_SUITE, "%s",
         h0->conn->tls_cipher);
  size_t before = c->f.count;
  judge_response(c, DT__AUDIT_CHAIN_HTTPS, 0, h0, 1);
  int response_ok = checker_errors_since(c, before) == 0;
  coll first;
  coll_init(&first);
  judge_http(c, &first, d, r->chains[DT__AUDIT_CHAIN_HTTP]);
  if (response_ok)
    for (size_t i = 0; i < first.f.count; i++)
      addf(c, first.ev[i].chain, first.ev[i].hop, first.f.items[i].code, "%s",
           first.f.items[i].detail);
  /* preloadableHTTPSRedirects */
  judge_follow_errors(c, DT__AUDIT_CHAIN_HTTPS, hs);
  redirect_list rl;
  redirects_of(hs, &rl);
  judge_insecure(c, DT__AUDIT_CHAIN_HTTPS, &rl);
  redirects_free(&rl);
  /* www: TCP accepted but TLS failed (skipped for non-eTLD+1 input). */
  const dt_chain *w = r->chains[DT__AUDIT_CHAIN_WWW];
  if (etld1 && w) {
    int err = dt_chain_error(w);
    const dt_hop *wh = dt_chain_hop_count(w) ? dt_chain_hop(w, 0) : NULL;
    if ((!wh || !wh->has_response) &&
        (err == DT_ETLS || err == DT_ETIMEOUT_TLS || is_cert_error(err)))
      addf(c, DT__AUDIT_CHAIN_WWW, wh ? 0 : -1, DT__AUDIT_DOMAIN_WWW_NO_TLS,
           "https://www.%s/: %s", d, dt_err_name(err));
  }
}

/* A host whose STS field no browser notes whatever the transport: an IP
 * literal (RFC 6797 §8.1.1), localhost or *.localhost (docs/hsts.md rule
 * 3) — the store's own eligibility test, as the engine applies it. */
static int url_host_never_hsts(const char *url) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, strlen(url), NULL) != 0) return 0;
  int never = dt_url_host_kind(u) != DT_HOST_DOMAIN;
  if (!never) {
    const char *h = dt_url_get(u, DT_URL_HOSTNAME);
    char key[DT_MAX_HOST_BYTES + 1];
    size_t n;
    never = dt__host_canon(h, strlen(h), key, &n) != DT__HOST_OK;
  }
  dt_url_free(u);
  return never;
}

static int same_origin_urls(const char *a, const char *b) {
  dt_url *x = NULL, *y = NULL;
  int same = 0;
  if (dt_url_parse(&x, a, strlen(a), NULL) == 0 &&
      dt_url_parse(&y, b, strlen(b), NULL) == 0)
    same = dt_url_same_origin(x, y);
  dt_url_free(x);
  dt_url_free(y);
  return same;
}

/* 1 when hop I's URL was already requested by an earlier real hop (a
 * finding about that URL was made then: say it once). */
/* http://H[:80]/p?q -> https://H/p?q (Location resolved against URL). */
static int is_plain_upgrade(const char *url, const char *location) {
  if (!location) return 0;
  dt_url *a = NULL, *b = NULL, *up = NULL;
  int yes = 0;
  if (dt_url_parse(&a, url, strlen(url), NULL) == 0 &&
      dt_url_parse(&b, location, strlen(location), a) == 0 &&
      strcmp(dt_url_scheme(a), "http") == 0 &&
      (up = dt_url_with(a, DT_URL_PROTOCOL, "https")) != NULL) {
    dt_url *norm = dt_url_with(up, DT_URL_PORT, "");
    yes = norm && strcmp(dt_url_get(norm, DT_URL_HREF),
                         dt_url_get(b, DT_URL_HREF)) == 0;
    dt_url_free(norm);
  }
  dt_url_free(up);
  dt_url_free(b);
  dt_url_free(a);
  return yes;
}

static int seen_before(const dt_chain *ch, size_t i) {
  const dt_hop *h = dt_chain_hop(ch, i);
  for (size_t j = 0; j < i; j++) {
    const dt_hop *p = dt_chain_hop(ch, j);
    if (!p->synthetic && strcmp(p->url, h->url) == 0) return 1;
  }
  return 0;
}

/* The browser navigation: what a user's browser does beyond the checker.
 * Codes in the order they arise along the chain. */
/* The checker's http chain starts with the site's own redirect to https on
 * the same host and path. */
static int site_upgrades(const dt_chain *http) {
  if (!http || dt_chain_hop_count(http) == 0) return 0;
  const dt_hop *h0 = dt_chain_hop(http, 0);
  return h0->has_response && dt__redirect_is_redirect_status(h0->status) &&
         is_plain_upgrade(h0->url, resp_header(h0, "Location"));
}

/* What the TLS of https://DOMAIN/ means for a browser: versions it
 * refuses, and facts worth knowing that break nothing (no TLS 1.3, no h2).
 * A build without TLS 1.3 says so instead of blaming the server. */
static void judge_tls(coll *c, const dt__audit_result *r) {
  const int cid = DT__AUDIT_CHAIN_HTTPS;
  const dt_chain *hs = r->chains[cid];
  if (!hs) return;
  const dt_hop *h0 = dt_chain_hop_count(hs) ? dt_chain_hop(hs, 0) : NULL;
  int err = dt_chain_error(hs);
  const char *msg = dt_chain_error_message(hs);
  if ((!h0 || !h0->has_response) &&
      (err == DT_ETLS_OBSOLETE || err == DT_ETLS_NEED13)) {
    addf(c, cid, h0 ? 0 : -1,
         err == DT_ETLS_OBSOLETE ? DT__AUDIT_TLS_OBSOLETE_VERSION
                                 : DT__AUDIT_AUDIT_TLS13_UNAVAILABLE,
         "https://%s/: %s", r->domain, msg ? msg : dt_strerror(err));
    return;
  }
  const dt_hop_connection *hc = h0 ? h0->conn : NULL;
  if (!hc || !hc->tls_version) return;
  if (dt__tls_backend_has_tls13() && strcmp(hc->tls_version, "TLSv1.2") == 0)
    addf(c, cid, 0, DT__AUDIT_TLS_NO_TLS13, "https://%s/: %s %s", r->domain,
         hc->tls_version, hc->tls_cipher ? hc->tls_cipher : "");
  if (!hc->alpn || strcmp(hc->alpn, "h2") != 0)
    addf(c, cid, 0, DT__AUDIT_TLS_NO_H2, "https://%s/: ALPN %s", r->domain,
         hc->alpn ? hc->alpn : "none");
}

/* What the browser remembers from the chain (docs/cookies.md,
 * docs/https-upgrades.md): cookies it refuses, cookies exposed to plain
 * http, and https reached only by HTTPS-Upgrades with no HSTS to keep it. */
static void judge_memory(coll *c, const dt_chain *ch) {
  const int cid = DT__AUDIT_CHAIN_BROWSER;
  size_t n = dt_chain_hop_count(ch);
  int upgraded = 0, hsts = 0, fell_back = 0;
  for (size_t i = 0; i < n; i++) {
    const dt_hop *h = dt_chain_hop(ch, i);
    const char *why = resp_header(h, "Non-Authoritative-Reason");
    if (h->synthetic && why && strcmp(why, "HttpsUpgrades") == 0) {
      if (strncmp(h->url, "http:", 5) == 0)
        upgraded = 1;
      else
        fell_back = 1; /* the 307 back to http after a failed attempt */
    }
    if (h->sts && h->sts->outcome == DT_STS_NOTED) hsts = 1;
    int https = strncmp(h->url, "https:", 6) == 0;
    for (size_t k = 0; k < h->set_cookie_count; k++) {
      const dt_hop_set_cookie *sc = &h->set_cookies[k];
      const char *name = sc->name ? sc->name : "(unparsed)";
      if (sc->reason)
        addf(c, cid, (int)i, DT__AUDIT_COOKIES_REFUSED, "%s on %s: %s (%s)",
             name, h->url, sc->reason, sc->why ? sc->why : "");
      else if (!strcmp(sc->outcome, "stored") ||
               !strcmp(sc->outcome, "replaced")) {
        if (!https)
          addf(c, cid, (int)i, DT__AUDIT_COOKIES_OVER_HTTP, "%s on %s", name,
               h->url);
        else if (!sc->secure)
          addf(c, cid, (int)i, DT__AUDIT_COOKIES_NOT_SECURE, "%s on %s", name,
               h->url);
      }
    }
  }
  if (upgraded && !fell_back && !hsts)
    addf(c, cid, 0, DT__AUDIT_REDIRECTS_HTTPS_UPGRADES_NO_HSTS, "%s",
         dt_chain_url(ch));
}

static void judge_browser(coll *c, const coll *checker, const dt_chain *ch,
                          const dt_chain *http_chain) {
  const int cid = DT__AUDIT_CHAIN_BROWSER;
  if (!ch) return;
  size_t n = dt_chain_hop_count(ch);
  int loop = 0, internal = 0;
  for (size_t i = 0; i < n; i++) {
    const dt_hop *h = dt_chain_hop(ch, i);
    if (h->synthetic) {
      /* HSTS's internal redirect (HTTPS-Upgrades makes synthetic 307s
       * too: docs/https-upgrades.md) */
      const char *why = resp_header(h, "Non-Authoritative-Reason");
      if (!why || strcmp(why, "HSTS") != 0) continue;
      if (!internal++)
        addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_HSTS_INTERNAL, "%s -> %s",
             h->url,
             resp_header(h, "Location") ? resp_header(h, "Location") : "");
      /* The "redirect not needed because the host is preloaded":
       * the navigation's own http URL went to https from the list, so
       * browsers never see the site's http -> https redirect. */
      if (i == 0 && h->upgrade &&
          h->upgrade->source == DT_HSTS_SOURCE_PRELOAD &&
          site_upgrades(http_chain))
        addf(c, cid, 0, DT__AUDIT_REDIRECTS_HTTP_PRELOADED,
             "HSTS: preload entry %s%s (list %s)", h->upgrade->entry,
             h->upgrade->include_subdomains ? ", includeSubDomains" : "",
             h->upgrade->list_date);
      continue;
    }
    /* RFC 9110 §15.4: a client ought to detect cycles. A URL already
     * requested (not counting internal upgrades) is one. */
    for (size_t j = 0; j < i && !loop; j++) {
      const dt_hop *p = dt_chain_hop(ch, j);
      if (!p->synthetic && strcmp(p->url, h->url) == 0) {
        loop = 1;
        addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_LOOP,
             "hop %zu requests %s again (first at hop %zu)", i + 1, h->url,
             j + 1);
      }
    }
    /* Authorization gone after a cross-origin hop (Fetch step 13). */
    if (i > 0) {
      const dt_hop *p = dt_chain_hop(ch, i - 1);
      if (req_header(p, "Authorization") && !req_header(h, "Authorization") &&
          !same_origin_urls(p->url, h->url))
        addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_AUTHORIZATION_DROPPED,
             "%s -> %s", p->url, h->url);
    }
    if (!h->has_response) continue;
    /* An STS field where a browser does not note it (RFC 6797 §8.1,
     * §8.1.1): over http, from an IP address or localhost, or without a
     * verified certificate. */
    const char *vals[MAX_STS_FIELDS];
    if (sts_values(h, vals)) {
      int http = strncmp(h->url, "http:", 5) == 0;
      int ignored = http || url_host_never_hsts(h->url) || !h->conn ||
                    !h->conn->cert_verified;
      if (ignored &&
          !(http && has_code(checker, DT__AUDIT_REDIRECTS_HTTP_USELESS_HEADER)))
        addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_HSTS_NOT_NOTED, "%s: %s",
             h->url, vals[0]);
    }
    if (!is_redirect(h)) continue;
    if (h->method && strcmp(h->method, "POST") == 0 &&
        (h->status == 301 || h->status == 302))
      addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_POST_BECOMES_GET,
           "POST %s -> %d %s: the next request is a GET without the body",
           h->url, h->status, resp_header(h, "Location"));
    /* The engine's one rule (redirect.c, RFC 9111 §4.2.2): a 301/308
     * without freshness information is kept for good. The same-host
     * upgrade (http://H/p -> https://H/p) is meant to be kept for good,
     * so only other permanent redirects are worth a warning. */
    if (h->permanent_redirect_cached && !seen_before(ch, i) &&
        !is_plain_upgrade(h->url, resp_header(h, "Location")))
      addf(c, cid, (int)i, DT__AUDIT_REDIRECTS_PERMANENT_CACHED, "%d %s -> %s",
           h->status, h->url, resp_header(h, "Location"));
  }
  if (dt_chain_error(ch) == DT_EREDIRECT_LIMIT)
    addf(c, cid, last_hop(ch), DT__AUDIT_REDIRECTS_BROWSER_LIMIT, "%s",
         dt_chain_error_message(ch) ? dt_chain_error_message(ch) : "");
  judge_memory(c, ch);
}

/* Report order: checker errors, checker warnings (and info), then detour's
 * codes, each group in the order the checks ran. */
static void emit(dt__audit_result *r, const coll *c, int group) {
  for (size_t i = 0; i < c->f.count && i < DT__AUDIT_MAX_FINDINGS; i++) {
    const dt__audit_finding *f = &c->f.items[i];
    int g = is_detour_code(f->code)          ? 2
            : f->severity == DT__AUDIT_ERROR ? 0
                                             : 1;
    if (g != group) continue;
    size_t before = r->findings.count;
    dt__audit_add(&r->findings, f->code, "%s", f->detail);
    if (r->findings.count > before) r->ev[before] = c->ev[i];
  }
}

void dt__audit_judge(dt__audit_result *r, int etld1) {
  r->judged = 1;
  coll c;
  coll_init(&c);
  /* the domain findings already in R come first, as they ran first */
  for (size_t i = 0; i < r->findings.count && i < DT__AUDIT_MAX_FINDINGS; i++) {
    c.f.items[i] = r->findings.items[i];
    c.ev[i] = r->ev[i];
  }
  c.f.count = r->findings.count;
  c.f.dropped = r->findings.dropped;
  judge_checker(&c, r, etld1);
  judge_tls(&c, r);
  judge_browser(&c, &c, r->chains[DT__AUDIT_CHAIN_BROWSER],
                r->chains[DT__AUDIT_CHAIN_HTTP]);
  size_t dropped = c.f.dropped;
  dt__audit_findings_init(&r->findings);
  for (int g = 0; g < 3; g++)
    emit(r, &c, g);
  r->findings.dropped += dropped;
}

size_t dt__audit_errors(const dt__audit_result *r) {
  return r ? dt__audit_count(&r->findings, DT__AUDIT_ERROR) : 0;
}

void dt__audit_result_free(dt__audit_result *r) {
  if (!r) return;
  for (int i = 0; i < DT__AUDIT_CHAIN_COUNT; i++)
    dt_chain_free(r->chains[i]);
  free(r);
}
