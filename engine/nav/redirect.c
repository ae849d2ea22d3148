/* redirect.c — the pure redirect rules: Fetch §4.4 "HTTP-redirect fetch"
 * with the profile's knobs where Chromium and the standard part ways.
 *
 * Order of the checks (it decides which error a response gets when several
 * apply) follows HTTP-redirect fetch:
 *
 *   status not 301/302/303/307/308 ....... FINAL   (Fetch "redirect status")
 *   no Location ........................... FINAL   (step 4)
 *   manual mode (--no-follow) ............. FINAL   (HTTP fetch)
 *   several Location fields ............... knob 2/3 (location URL step 2)
 *   empty Location ........................ knob 1
 *   non-ASCII bytes ....................... %XX byte by byte (Chromium)
 *   parse against the current URL ......... fail → EREDIRECT_LOCATION (5)
 *   fragment null → current fragment ...... location URL step 4
 *   scheme not http(s) .................... EREDIRECT_SCHEME (step 6)
 *   redirect count at the limit ........... EREDIRECT_LIMIT (step 7, knob 4)
 *   streamed body, status not 303 ......... EINVAL (step 11)
 *   bad port .............................. EBADPORT (main fetch)
 *   method rewrite, body headers .......... step 12
 *   cross-origin: Authorization ........... step 13 (sticky)
 *   Referrer-Policy on the response ....... step 19
 *   Referer for the new URL ............... main fetch, Referrer Policy §8.3
 *   Origin ................................ knob 5
 *
 * A decision either commits entirely (FOLLOW) or leaves the state as it was
 * (FINAL, ERROR): every allocation happens before the first change. */
#include "engine/nav/redirect.h"
#include "hsts/base/ascii.h"
#include "hsts/base/headers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Small string helpers. */

static int ieq_n(const char *a, size_t n, const char *b) {
  return dt__ascii_nieq(a, n, b, strlen(b));
}

static int ieq(const char *a, const char *b) { return dt__ascii_ieq(a, b); }

static int str_eq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static char *dupn(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static char *dup(const char *s) { return dupn(s, strlen(s)); }

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* ------------------------------------------------------------------------ */
/* Ports. Fetch §2.9 "port blocking": the bad port list, sorted. */

static const unsigned short bad_ports[] = {
    0,    1,    7,    9,    11,   13,   15,   17,   19,   20,   21,   22,
    23,   25,   37,   42,   43,   53,   69,   77,   79,   87,   95,   101,
    102,  103,  104,  109,  110,  111,  113,  115,  117,  119,  123,  135,
    137,  139,  143,  161,  179,  389,  427,  465,  512,  513,  514,  515,
    526,  530,  531,  532,  540,  548,  554,  556,  563,  587,  601,  636,
    989,  990,  993,  995,  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060,
    5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080};

int dt__port_is_bad(int port) {
  size_t lo = 0, hi = sizeof bad_ports / sizeof bad_ports[0];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (bad_ports[mid] == port) return 1;
    if (bad_ports[mid] < port)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static int is_http_scheme(const dt_url *url) {
  const char *s = dt_url_scheme(url);
  return str_eq(s, "http") || str_eq(s, "https");
}

int dt__url_port_is_blocked(const dt_url *url) {
  /* Fetch main fetch: "if url's scheme is an HTTP(S) scheme and url's port
   * is a bad port". The default ports 80/443 are not on the list, so the
   * port to connect to gives the same answer as the explicit one. */
  return url != NULL && is_http_scheme(url) &&
         dt__port_is_bad(dt_url_port_or_default(url));
}

/* ------------------------------------------------------------------------ */
/* Statuses and caching. */

int dt__redirect_is_redirect_status(int status) {
  /* Fetch "redirect status": 301, 302, 303, 307 or 308. 300 is left out on
   * purpose (Chromium IsRedirectResponseCode: users see the choices page);
   * 304 is a cache answer, 305/306 are deprecated/reserved (RFC 9110
   * §15.4.6-7). */
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

/* Calls FN for every comma-separated element of every field NAME. */
typedef int (*element_fn)(const char *p, size_t n, void *arg);
static int each_element(const dt_header *h, size_t count, const char *name,
                        element_fn fn, void *arg) {
  size_t pos = 0;
  for (const dt_header *f; (f = dt__header_next(h, count, name, &pos));) {
    if (f->value == NULL) continue;
    const char *p = f->value, *end = p + strlen(p);
    while (p <= end) {
      const char *comma = memchr(p, ',', (size_t)(end - p));
      const char *e = comma ? comma : end;
      const char *a = p, *b = e;
      while (a < b && is_ows(*a))
        a++;
      while (b > a && is_ows(b[-1]))
        b--;
      if (b > a && fn(a, (size_t)(b - a), arg)) return 1;
      if (comma == NULL) break;
      p = comma + 1;
    }
  }
  return 0;
}

static int directive_stops_forever(const char *p, size_t n, void *arg) {
  (void)arg;
  size_t k = 0; /* directive name ends at '=' */
  while (k < n && p[k] != '=' && !is_ows(p[k]))
    k++;
  /* RFC 9111 §5.2.2: max-age gives explicit freshness; no-store and
   * no-cache forbid reuse without validation. s-maxage is for shared
   * caches and does not change a browser's private cache. */
  return ieq_n(p, k, "max-age") || ieq_n(p, k, "no-store") ||
         ieq_n(p, k, "no-cache");
}

static int pragma_no_cache(const char *p, size_t n, void *arg) {
  (void)arg;
  return ieq_n(p, n, "no-cache");
}

int dt__redirect_is_cacheable_permanent(int status, const dt_header *headers,
                                        size_t count) {
  if (status != 301 && status != 308) return 0;
  if (dt__header_find(headers, count, "Expires"))
    return 0; /* explicit (or past) */
  if (each_element(headers, count, "cache-control", directive_stops_forever,
                   NULL))
    return 0;
  if (each_element(headers, count, "pragma", pragma_no_cache, NULL)) return 0;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* The explanation: steps, then the note. */

static void out_reset(dt__redirect_out *out) {
  memset(out, 0, sizeof *out);
  out->verdict = DT__REDIRECT_FINAL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
step(dt__redirect_out *out, const char *rule, const char *fmt, ...) {
  if (out->step_count == DT__REDIRECT_MAX_STEPS) return;
  dt__redirect_step *s = &out->steps[out->step_count++];
  s->rule = rule;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->text, sizeof s->text, fmt, ap);
  va_end(ap);
  if (out->rule == NULL) out->rule = rule;
}

static dt__redirect_verdict finish(dt__redirect_out *out,
                                   dt__redirect_verdict v, int err) {
  out->verdict = v;
  out->err = err;
  size_t len = 0;
  out->note[0] = '\0';
  for (size_t i = 0; i < out->step_count; i++) {
    int n = snprintf(out->note + len, sizeof out->note - len, "%s%s",
                     i ? "; " : "", out->steps[i].text);
    if (n < 0 || (size_t)n >= sizeof out->note - len) break; /* truncated */
    len += (size_t)n;
  }
  return v;
}

/* ------------------------------------------------------------------------ */
/* Headers. */

/* Written by the client for every hop, never carried (docs/redirects.md
 * rule 19; RFC 9110 §7.6.1 connection-specific fields). */
static int header_is_rebuilt(const char *name) {
  static const char *const names[] = {"host",
                                      "connection",
                                      "content-length",
                                      "transfer-encoding",
                                      "keep-alive",
                                      "proxy-connection",
                                      "te",
                                      "trailer",
                                      "upgrade"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (ieq(name, names[i])) return 1;
  return 0;
}

/* Never sent at all: Proxy-Authorization is for the next inbound proxy
 * (RFC 9110 §11.7.2) and detour connects directly, so an origin server —
 * any origin a redirect leads to — would receive the proxy's credentials
 * (issue 18). */
static int header_is_never_sent(const char *name) {
  return ieq(name, "proxy-authorization");
}

/* Fetch "request-body-header name" (step 12.2); Content-Length is never
 * carried in the first place. */
static int header_is_request_body(const char *name) {
  return ieq(name, "content-type") || ieq(name, "content-encoding") ||
         ieq(name, "content-language") || ieq(name, "content-location");
}

/* Dropped at the first cross-origin hop. Authorization: Fetch step 13 (the
 * CORS non-wildcard request-header name). Cookie: detour's choice — a
 * caller-set Cookie stands for the jar's cookies of the first URL, and a
 * browser recomputes cookies for every URL (rule 19; curl t317 drops it). */
static int header_is_credential(const char *name) {
  return ieq(name, "authorization") || ieq(name, "cookie");
}

static void free_headers(dt_header *h, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free((char *)h[i].name);
    free((char *)h[i].value);
  }
  free(h);
}

/* Removes (in place) the carried headers PRED selects; returns how many. */
static size_t remove_headers(dt__redirect_state *st,
                             int (*pred)(const char *)) {
  size_t w = 0, removed = 0;
  for (size_t r = 0; r < st->header_count; r++) {
    if (pred(st->headers[r].name)) {
      free((char *)st->headers[r].name);
      free((char *)st->headers[r].value);
      removed++;
    } else {
      st->headers[w++] = st->headers[r];
    }
  }
  st->header_count = w;
  return removed;
}

static size_t count_headers(const dt__redirect_state *st,
                            int (*pred)(const char *)) {
  size_t n = 0;
  for (size_t i = 0; i < st->header_count; i++)
    if (pred(st->headers[i].name)) n++;
  return n;
}

static int method_is_get_or_head(const char *m) {
  return str_eq(m, "GET") || str_eq(m, "HEAD");
}

/* Fetch "append a request Origin header" (HTTP-network-or-cache fetch), for
 * a navigation (mode "navigate", tainting "basic"): sent only when the
 * method is neither GET nor HEAD, as the serialised request origin ("null"
 * once the redirect-taint is not same-origin), masked to "null" by the
 * referrer policy. A caller-set Origin is sent whatever the method. */
static const char *fetch_origin_value(const dt__redirect_state *st,
                                      const dt_url *url, const char *method,
                                      int tainted) {
  if (st->origin == NULL) return NULL;
  /* cors mode: a response tainting of "cors" sends Origin whatever the
   * method (Fetch §4.6 HTTP-network-or-cache fetch, "append a request
   * Origin header" step 2) */
  if (method_is_get_or_head(method) && !st->origin_explicit &&
      !(st->cors && st->cors_tainted))
    return NULL;
  const char *v = tainted ? "null" : st->origin;
  switch (dt__referrer_policy_effective(st->referrer_policy)) {
  case DT__RP_NO_REFERRER: v = "null"; break;
  case DT__RP_NO_REFERRER_WHEN_DOWNGRADE:
  case DT__RP_STRICT_ORIGIN:
  case DT__RP_STRICT_ORIGIN_WHEN_CROSS_ORIGIN:
    if (strncmp(st->origin, "https://", 8) == 0 &&
        !str_eq(dt_url_scheme(url), "https"))
      v = "null";
    break;
  case DT__RP_SAME_ORIGIN:
    if (!str_eq(st->origin, dt_url_get(url, DT_URL_ORIGIN))) v = "null";
    break;
  default: break;
  }
  return v;
}

/* The Origin header for the state's current request. */
static const char *origin_for_current(const dt__redirect_state *st) {
  if (st->profile->origin_rule == DT__ORIGIN_REDIRECT_TAINT)
    return fetch_origin_value(st, st->url, st->method, st->origin_tainted);
  /* Chromium: the header computed for the first request is carried and
   * edited by RedirectUtil::UpdateHttpRequest at every hop. */
  return st->origin_value;
}

/* Rebuilds st->req_headers into NEWARR (capacity header_count + 2, already
 * allocated so this cannot fail). */
static void build_request_headers(dt__redirect_state *st, dt_header *newarr) {
  size_t n = 0;
  for (size_t i = 0; i < st->header_count; i++)
    newarr[n++] = st->headers[i];
  if (st->referrer != NULL)
    newarr[n++] = (dt_header){"Referer", dt_url_get(st->referrer, DT_URL_HREF)};
  const char *origin = origin_for_current(st);
  if (origin != NULL) newarr[n++] = (dt_header){"Origin", origin};
  free(st->req_headers);
  st->req_headers = newarr;
  st->req_header_count = n;
}

static dt_header *alloc_request_headers(const dt__redirect_state *st) {
  return malloc((st->header_count + 2) * sizeof(dt_header));
}

/* ------------------------------------------------------------------------ */
/* Methods. */

/* RFC 9110 §5.6.2 token characters. */
static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Fetch "normalize a method": the six standard methods are upper-cased;
 * anything else is kept byte for byte (so the POST test of step 12 is an
 * exact match afterwards). NULL when METHOD is not a token. */
static char *normalize_method(const char *method) {
  static const char *const std_methods[] = {"DELETE",  "GET",  "HEAD",
                                            "OPTIONS", "POST", "PUT"};
  size_t n = strlen(method);
  if (n == 0 || n > 64) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!is_tchar((unsigned char)method[i])) return NULL;
  for (size_t i = 0; i < sizeof std_methods / sizeof std_methods[0]; i++)
    if (ieq(method, std_methods[i])) return dup(std_methods[i]);
  return dup(method);
}

/* ------------------------------------------------------------------------ */
/* Init and cleanup. */

void dt__redirect_cleanup(dt__redirect_state *st) {
  if (st == NULL) return;
  if (st->url) dt_url_free(st->url);
  if (st->referrer) dt_url_free(st->referrer);
  free(st->method);
  free_headers(st->headers, st->header_count);
  free(st->origin);
  free(st->req_headers);
  memset(st, 0, sizeof *st);
}

int dt__redirect_init(dt__redirect_state *st, const dt__redirect_params *p) {
  memset(st, 0, sizeof *st);
  if (p == NULL || p->url == NULL) return DT_EINVAL;
  if (p->header_count > DT__REDIRECT_MAX_HEADERS ||
      (p->header_count > 0 && p->headers == NULL))
    return DT_EINVAL;
  if (!is_http_scheme(p->url)) return DT_ESCHEME;
  if (dt__url_port_is_blocked(p->url)) return DT_EBADPORT;

  int err = DT_ENOMEM;
  st->profile = p->profile ? p->profile : dt__profile_default();
  st->has_body = p->has_body != 0;
  st->body_streamed = p->has_body && p->body_streamed;
  st->referrer_policy = p->referrer_policy;
  st->max_url_bytes =
      p->max_url_bytes ? p->max_url_bytes : DT_DEFAULT_MAX_URL_BYTES;
  st->max_redirects =
      p->max_redirects_set ? p->max_redirects : st->profile->max_redirects;
  st->manual = p->manual != 0;
  st->method = normalize_method(p->method ? p->method : "GET");
  if (st->method == NULL) {
    err = DT_EINVAL; /* not a token (or ENOMEM, indistinguishable here) */
    goto fail;
  }
  st->url = dt_url_dup(p->url);
  if (st->url == NULL) goto fail;

  const char *caller_referer = NULL, *caller_origin = NULL;
  st->headers =
      calloc(p->header_count ? p->header_count : 1, sizeof(dt_header));
  if (st->headers == NULL) goto fail;
  for (size_t i = 0; i < p->header_count; i++) {
    const dt_header *h = &p->headers[i];
    if (h->name == NULL || h->value == NULL || h->name[0] == '\0') {
      err = DT_EINVAL;
      goto fail;
    }
    if (header_is_rebuilt(h->name) || header_is_never_sent(h->name)) continue;
    if (ieq(h->name, "referer")) {
      caller_referer = h->value; /* the last one wins */
      continue;
    }
    if (ieq(h->name, "origin")) {
      caller_origin = h->value;
      continue;
    }
    dt_header *d = &st->headers[st->header_count];
    d->name = dup(h->name);
    d->value = dup(h->value);
    st->header_count++;
    if (d->name == NULL || d->value == NULL) goto fail;
  }

  /* The request's referrer: the initiating page; else a caller-set Referer
   * (detour's extension: -H Referer behaves like --initiator for the
   * Referer alone); else none — a typed navigation has no referrer (rule
   * 24). Then Fetch main fetch: "set request's referrer to the result of
   * determine request's referrer". */
  dt_url *source = NULL;
  if (p->initiator == NULL && caller_referer != NULL) {
    err = dt_url_parse(&source, caller_referer, strlen(caller_referer), NULL);
    if (err) {
      err = DT_EINVAL;
      goto fail;
    }
  }
  err = dt__referrer_compute(p->initiator ? p->initiator : source,
                             st->referrer_policy, st->url, &st->referrer);
  if (source) dt_url_free(source);
  if (err) goto fail;
  err = DT_ENOMEM;

  /* The request's origin: the initiator's; a caller-set Origin stands in
   * when there is no initiator. */
  if (p->initiator != NULL) {
    const char *o = dt_url_get(p->initiator, DT_URL_ORIGIN);
    st->origin = dup(o ? o : "null");
  } else if (caller_origin != NULL) {
    st->origin = dup(caller_origin);
    st->origin_explicit = 1;
  }
  if ((p->initiator != NULL || caller_origin != NULL) && st->origin == NULL)
    goto fail;
  /* fetch() run by the initiator's page — DT_MODE_CORS, or the profile's
   * default (the fetch profile's) — is cors mode; tainting is "cors" once
   * a URL is not same-origin with the request's origin (Fetch §4.1 main
   * fetch step 12). */
  st->cors =
      p->initiator != NULL &&
      (p->mode == DT_MODE_CORS || (p->mode == DT_MODE_DEFAULT &&
                                   st->profile->request.cors_with_initiator));
  st->cors_tainted = st->cors && st->origin &&
                     !str_eq(st->origin, dt_url_get(st->url, DT_URL_ORIGIN));
  /* Chromium's first request carries what Blink computed, which is the
   * Fetch computation; later hops edit that header. */
  st->origin_value = fetch_origin_value(st, st->url, st->method, 0);

  dt_header *arr = alloc_request_headers(st);
  if (arr == NULL) goto fail;
  build_request_headers(st, arr);
  return 0;

fail:
  dt__redirect_cleanup(st);
  return err;
}

void dt__redirect_current(const dt__redirect_state *st,
                          dt__redirect_request *out) {
  out->url = st->url;
  out->method = st->method;
  out->send_body = st->has_body;
  out->headers = st->req_headers;
  out->header_count = st->req_header_count;
}

/* ------------------------------------------------------------------------ */
/* Location. */

/* Collects the Location fields. Returns the count; *first is the first
 * value (OWS-trimmed span) and *identical tells whether all are equal. */
static size_t find_locations(const dt_header *h, size_t count,
                             const char **first, size_t *first_len,
                             int *identical) {
  size_t n = 0;
  *identical = 1;
  *first = NULL;
  *first_len = 0;
  size_t pos = 0;
  for (const dt_header *f; (f = dt__header_next(h, count, "Location", &pos));) {
    const char *a = f->value ? f->value : "";
    const char *b = a + strlen(a);
    while (a < b && is_ows(*a))
      a++;
    while (b > a && is_ows(b[-1]))
      b--;
    if (n == 0) {
      *first = a;
      *first_len = (size_t)(b - a);
    } else if ((size_t)(b - a) != *first_len ||
               memcmp(a, *first, *first_len) != 0) {
      *identical = 0;
    }
    n++;
  }
  return n;
}

/* Chromium IsRedirect (crbug 942073) and WPT redirect-location-escape:
 * bytes >= 0x80 become %XX one by one before the URL parser sees them, so
 * invalid UTF-8 survives as %FF instead of U+FFFD. Returns a new string or
 * NULL (ENOMEM); *escaped counts the bytes changed. */
static char *escape_non_ascii(const char *s, size_t n, size_t *out_len,
                              size_t *escaped) {
  static const char hex[] = "0123456789ABCDEF";
  size_t high = 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) high++;
  *escaped = high;
  *out_len = n + 2 * high;
  char *d = malloc(*out_len + 1);
  if (d == NULL) return NULL;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) {
      d[w++] = '%';
      d[w++] = hex[c >> 4];
      d[w++] = hex[c & 15];
    } else {
      d[w++] = (char)c;
    }
  }
  d[w] = '\0';
  return d;
}

/* ------------------------------------------------------------------------ */
/* The decision. */

static const char R_STATUS[] =
    "Fetch §2.2.3 redirect status; §2.2.6 location URL step 1";
static const char R_NO_LOC[] = "Fetch §4.4 HTTP-redirect fetch step 4";
static const char R_MANUAL[] = "Fetch §4.3 HTTP fetch: redirect mode manual";
static const char R_DUP_FETCH[] =
    "Fetch §2.2.2 extract header list values; §2.2.6 location URL step 2";
static const char R_DUP_CHROMIUM[] =
    "Chromium HttpUtil::HeadersContainMultipleCopiesOfField (docs/decisions.md "
    "knob "
    "2/3)";
static const char R_EMPTY_FINAL[] =
    "Chromium HttpResponseHeaders::IsRedirect (docs/decisions.md knob 1)";
static const char R_EMPTY_SELF[] =
    "Fetch §2.2.6 location URL step 3 (docs/decisions.md knob 1)";
static const char R_ESCAPE[] =
    "Chromium IsRedirect escaping (crbug 942073); WPT redirect-location-escape";
static const char R_PARSE[] =
    "Fetch §2.2.6 location URL step 3; §4.4 HTTP-redirect fetch step 5";
static const char R_FRAGMENT[] = "Fetch §2.2.6 location URL step 4";
static const char R_SCHEME[] = "Fetch §4.4 HTTP-redirect fetch step 6";
static const char R_CREDENTIALS[] =
    "Fetch §4.4 HTTP-redirect fetch steps 9-10 (docs/decisions.md knob 17)";
static const char R_CREDENTIALS_ANY[] =
    "Chromium 156 fetch(), measured (docs/decisions.md knob 17)";
static const char R_HSTS_ORIGIN[] =
    "Chromium RedirectUtil::UpdateHttpRequest on the internal 307; measured";
static const char R_LIMIT[] =
    "Fetch §4.4 HTTP-redirect fetch step 7 (docs/decisions.md knob 4)";
static const char R_STREAM[] = "Fetch §4.4 HTTP-redirect fetch step 11";
static const char R_BADPORT[] = "Fetch §4.1 main fetch (§2.9 bad port)";
static const char R_METHOD[] = "Fetch §4.4 HTTP-redirect fetch step 12";
static const char R_KEEP[] = "Fetch §4.4 HTTP-redirect fetch steps 12 and 14";
static const char R_AUTH[] = "Fetch §4.4 HTTP-redirect fetch step 13";
static const char R_AUTH_RETRY[] =
    "RFC 7617 Basic; Chromium 156, measured: credentials of the URL after a "
    "401";
static const char R_AUTH_RETRY_API[] =
    "RFC 7617 Basic; Firefox ESR 153 fetch(), measured (docs/decisions.md "
    "knob 17b)";
static const char R_POLICY[] =
    "Fetch §4.4 HTTP-redirect fetch step 19; Referrer Policy §11.1";
static const char R_REFERER[] =
    "Referrer Policy §8.3 determine request's referrer";
static const char R_ORIGIN_TAINT[] =
    "Fetch serializing a request origin (redirect-taint) (docs/decisions.md "
    "knob 5)";
static const char R_ORIGIN_NULL[] =
    "Chromium RedirectUtil::UpdateHttpRequest (docs/decisions.md knob 5)";
static const char R_HSTS[] = "RFC 6797 §8.3; Fetch §4.1 main fetch (HSTS)";
static const char R_HSTS_COUNT[] = "docs/decisions.md knob 4b";
static const char R_UPGRADES[] =
    "docs/https-upgrades.md: knob 11, measured on Chromium 156 and Firefox "
    "ESR 153";

/* Knob 11's name for the profile's mechanism, in the steps' words. */
static const char *upgrades_name(const dt__profile *p) {
  return p->https_upgrades.name ? p->https_upgrades.name : "HTTPS-Upgrades";
}

/* Who set the limit, for the note: the profile (knob 4) or the caller. */
static const char *limit_source(const dt__redirect_state *st) {
  return st->max_redirects == st->profile->max_redirects ? st->profile->name
                                                         : "caller's limit";
}

static const char *why_no_referrer(const dt__redirect_state *st,
                                   dt__referrer_policy pol, const dt_url *to) {
  pol = dt__referrer_policy_effective(pol);
  if (pol == DT__RP_NO_REFERRER) return "policy no-referrer";
  if (pol == DT__RP_SAME_ORIGIN) return "policy same-origin, cross-origin hop";
  if (st->referrer && dt__url_is_potentially_trustworthy(st->referrer) &&
      !dt__url_is_potentially_trustworthy(to))
    return "downgrade to a non-secure URL";
  return "policy";
}

/* The Referer step text for a new referrer NEWREF going to TO. */
static void referer_step(dt__redirect_out *out, const dt__redirect_state *st,
                         dt__referrer_policy pol, const dt_url *newref,
                         const dt_url *to) {
  if (st->referrer == NULL) return; /* none before, none after: no news */
  if (newref != NULL)
    step(out, R_REFERER, "Referer %.120s (%s)", dt_url_get(newref, DT_URL_HREF),
         dt__referrer_policy_name(dt__referrer_policy_effective(pol)));
  else
    step(out, R_REFERER, "no Referer (%s)", why_no_referrer(st, pol, to));
}

dt__redirect_verdict dt__redirect_next(dt__redirect_state *st, int status,
                                       const dt_header *headers, size_t count,
                                       dt__redirect_out *out) {
  out_reset(out);
  out->cacheable_permanent =
      dt__redirect_is_cacheable_permanent(status, headers, count);
  if (st == NULL || st->url == NULL || (count > 0 && headers == NULL))
    return finish(out, DT__REDIRECT_ERROR, DT_EINVAL);
  const dt__profile *prof = st->profile;

  const char *loc;
  size_t loc_len;
  int identical;
  size_t nloc = find_locations(headers, count, &loc, &loc_len, &identical);

  if (!dt__redirect_is_redirect_status(status)) {
    if (nloc > 0)
      step(out, R_STATUS, "%d is not a redirect status: Location ignored",
           status);
    return finish(out, DT__REDIRECT_FINAL, 0);
  }
  if (nloc == 0) {
    step(out, R_NO_LOC, "%d without Location: final response", status);
    return finish(out, DT__REDIRECT_FINAL, 0);
  }
  if (st->manual) {
    step(out, R_MANUAL, "%d not followed (manual redirect mode)", status);
    return finish(out, DT__REDIRECT_FINAL, 0);
  }
  if (nloc > 1) {
    if ((!identical && prof->differing_locations_error) ||
        (identical && !prof->follow_identical_locations)) {
      step(out, prof->follow_identical_locations ? R_DUP_CHROMIUM : R_DUP_FETCH,
           "%zu %s Location fields: network error", nloc,
           identical ? "identical" : "differing");
      return finish(out, DT__REDIRECT_ERROR, DT_EREDIRECT_LOCATION);
    }
    step(out, R_DUP_CHROMIUM, "%zu %s Location fields: the first is followed",
         nloc, identical ? "identical" : "differing");
  }
  if (loc_len == 0) {
    if (prof->empty_location == DT__EMPTY_LOCATION_FINAL) {
      step(out, R_EMPTY_FINAL, "empty Location: %d is the final response",
           status);
      return finish(out, DT__REDIRECT_FINAL, 0);
    }
    step(out, R_EMPTY_SELF, "empty Location: resolves to the current URL");
  }

  /* Resolve. Everything allocated from here is freed at `fail` unless it
   * was moved into the state. */
  int err = 0;
  dt_url *next = NULL, *newref = NULL;
  char *newmethod = NULL;
  dt_header *arr = NULL;
  size_t elen, escaped;
  if (loc_len > st->max_url_bytes) {
    step(out, R_PARSE, "Location longer than %zu bytes: network error",
         st->max_url_bytes);
    return finish(out, DT__REDIRECT_ERROR, DT_EREDIRECT_LOCATION);
  }
  char *enc = escape_non_ascii(loc, loc_len, &elen, &escaped);
  if (enc == NULL) return finish(out, DT__REDIRECT_ERROR, DT_ENOMEM);
  if (escaped)
    step(out, R_ESCAPE, "%zu non-ASCII byte(s) in Location percent-encoded",
         escaped);
  if (elen > st->max_url_bytes) {
    free(enc);
    step(out, R_PARSE, "Location longer than %zu bytes: network error",
         st->max_url_bytes);
    return finish(out, DT__REDIRECT_ERROR, DT_EREDIRECT_LOCATION);
  }
  err = dt_url_parse(&next, enc, elen, st->url);
  if (err) {
    next = NULL;
    if (err == DT_ENOMEM) {
      free(enc);
      return finish(out, DT__REDIRECT_ERROR, DT_ENOMEM);
    }
    step(out, R_PARSE, "Location \"%.100s\" is not a valid URL: network error",
         enc);
    free(enc);
    return finish(out, DT__REDIRECT_ERROR, DT_EREDIRECT_LOCATION);
  }
  free(enc);

  /* Location URL step 4: a null fragment takes the current URL's (which
   * may itself be empty, "#"); an empty "#" on the Location wins. */
  if (!dt_url_has_fragment(next) && dt_url_has_fragment(st->url)) {
    const char *h = dt_url_get(st->url, DT_URL_HASH);
    dt_url *withfrag = dt_url_with(next, DT_URL_HASH, h && h[0] ? h : "#");
    if (withfrag == NULL) {
      err = DT_ENOMEM;
      goto fail;
    }
    dt_url_free(next);
    next = withfrag;
    step(out, R_FRAGMENT, "fragment %s kept from the current URL",
         h && h[0] ? h : "#");
  }

  if (!is_http_scheme(next)) {
    step(out, R_SCHEME,
         "redirect to a %.20s URL: not http or https, a network error",
         dt_url_get(next, DT_URL_PROTOCOL));
    err = DT_EREDIRECT_SCHEME;
    goto fail;
  }
  /* fetch() (cors mode) and a Location with credentials: knob 17. A
   * navigation follows it, without them. */
  if (st->cors && (dt_url_get(next, DT_URL_USERNAME)[0] ||
                   dt_url_get(next, DT_URL_PASSWORD)[0])) {
    if (prof->api_location_credentials == DT__API_CREDENTIALS_ERROR) {
      step(out, R_CREDENTIALS_ANY,
           "fetch(): a redirect to a URL with credentials is a network "
           "error, to any origin");
      err = DT_EREDIRECT_LOCATION;
      goto fail;
    }
    /* Fetch step 9: to another origin than the request's; step 10: the
     * response tainting is already "cors" (a cross-origin resource
     * redirecting back to a same-origin URL). */
    int other =
        !st->origin || !str_eq(st->origin, dt_url_get(next, DT_URL_ORIGIN));
    if (other || st->cors_tainted) {
      step(out, R_CREDENTIALS,
           other ? "fetch() (cors mode): a redirect to a URL with credentials "
                   "on another origin than the page's is a network error"
                 : "fetch() (cors mode): a redirect to a URL with credentials "
                   "after the chain left the page's origin is a network error");
      err = DT_EREDIRECT_LOCATION;
      goto fail;
    }
    step(out, R_CREDENTIALS,
         "fetch() (cors mode): a redirect to a URL with credentials on the "
         "page's own origin is followed, without them");
  }
  if (st->redirect_count >= st->max_redirects) {
    step(out, R_LIMIT, "redirect %u: at most %u are followed (%s)",
         st->redirect_count + 1, st->max_redirects, limit_source(st));
    err = DT_EREDIRECT_LIMIT;
    goto fail;
  }
  if (status != 303 && st->has_body && st->body_streamed) {
    step(out, R_STREAM,
         "%d: the request body is a stream and cannot be sent again", status);
    err = DT_EINVAL;
    goto fail;
  }
  if (dt__url_port_is_blocked(next)) {
    step(out, R_BADPORT, "port %d is a bad port: blocked",
         dt_url_port_or_default(next));
    err = DT_EBADPORT;
    goto fail;
  }

  /* Step 12: 301/302 turn POST (exactly) into GET; 303 turns everything but
   * GET and HEAD into GET. 307/308 keep method and body (step 14). */
  int to_get =
      ((status == 301 || status == 302) && str_eq(st->method, "POST")) ||
      (status == 303 && !method_is_get_or_head(st->method));
  if (to_get) {
    newmethod = dup("GET");
    if (newmethod == NULL) {
      err = DT_ENOMEM;
      goto fail;
    }
    step(out, R_METHOD, "%d: %s became GET%s", status, st->method,
         st->has_body ? ", body dropped" : "");
  } else if (st->has_body) {
    step(out, R_KEEP, "%d: method and body kept", status);
  } else {
    step(out, R_KEEP, "%d: %s kept", status, st->method);
  }

  int cross = !dt_url_same_origin(st->url, next);

  /* Step 19: a Referrer-Policy on the redirect changes the policy. */
  dt__referrer_policy pol = st->referrer_policy, parsed;
  if (dt__referrer_policy_parse_header(
          headers, count, prof->referrer_policy_case_insensitive, &parsed)) {
    pol = parsed;
    step(out, R_POLICY, "Referrer-Policy %s from here on",
         dt__referrer_policy_name(pol));
  }
  /* Main fetch, re-entered: the referrer for the new URL, stored back. */
  err = dt__referrer_compute(st->referrer, pol, next, &newref);
  if (err) goto fail;
  referer_step(out, st, pol, newref, next);

  /* Allocate the new header array before the first change: capacity for
   * every carried header, Referer and Origin. */
  arr = alloc_request_headers(st);
  if (arr == NULL) {
    err = DT_ENOMEM;
    goto fail;
  }

  /* ---- commit: nothing below can fail ---- */
  if (to_get) {
    size_t removed = remove_headers(st, header_is_request_body);
    if (removed)
      step(out, R_METHOD, "%zu request-body header(s) removed", removed);
    free(st->method);
    st->method = newmethod;
    newmethod = NULL;
    st->has_body = 0;
    st->body_streamed = 0;
  }
  if (cross && count_headers(st, header_is_credential) > 0) {
    size_t removed = remove_headers(st, header_is_credential);
    st->authorization_dropped = 1;
    step(out, R_AUTH,
         "cross-origin hop: %zu credential header(s) dropped for good",
         removed);
  }
  /* Origin. Fetch taint: the hop goes between two origins and the request's
   * origin is not the one it leaves (A→B keeps A; B→A taints). */
  const char *origin_before = origin_for_current(st);
  if (cross && st->origin != NULL &&
      !str_eq(st->origin, dt_url_get(st->url, DT_URL_ORIGIN)))
    st->origin_tainted = 1;
  if (prof->origin_rule == DT__ORIGIN_NULL_ON_CROSS_ORIGIN) {
    if (to_get)
      st->origin_value = NULL; /* removed with the body headers */
    else if (cross && st->origin_value != NULL)
      st->origin_value = "null";
  }
  dt_url_free(st->url);
  st->url = next;
  next = NULL;
  if (st->cors && st->origin &&
      !str_eq(st->origin, dt_url_get(st->url, DT_URL_ORIGIN)))
    st->cors_tainted = 1;
  if (st->referrer) dt_url_free(st->referrer);
  st->referrer = newref;
  newref = NULL;
  st->referrer_policy = pol;
  st->redirect_count++;
  build_request_headers(st, arr);
  arr = NULL;
  const char *origin_after = origin_for_current(st);
  if (origin_before != NULL && origin_after == NULL)
    step(out,
         prof->origin_rule == DT__ORIGIN_REDIRECT_TAINT ? R_ORIGIN_TAINT
                                                        : R_ORIGIN_NULL,
         "Origin no longer sent (%s)", st->method);
  else if (origin_after != NULL && !str_eq(origin_before, origin_after))
    step(out,
         prof->origin_rule == DT__ORIGIN_REDIRECT_TAINT ? R_ORIGIN_TAINT
                                                        : R_ORIGIN_NULL,
         "Origin: %.100s%s", origin_after,
         str_eq(origin_after, "null") ? " (cross-origin redirect)" : "");
  dt__redirect_current(st, &out->next);
  return finish(out, DT__REDIRECT_FOLLOW, 0);

fail:
  if (next) dt_url_free(next);
  if (newref) dt_url_free(newref);
  free(newmethod);
  free(arr);
  return finish(out, DT__REDIRECT_ERROR, err);
}

dt__redirect_verdict dt__redirect_upgrade(dt__redirect_state *st,
                                          const dt_url *upgraded,
                                          dt__redirect_out *out) {
  return dt__redirect_internal(st, upgraded, DT__INTERNAL_HSTS, out);
}

dt__redirect_verdict dt__redirect_internal(dt__redirect_state *st,
                                           const dt_url *upgraded,
                                           dt__internal_why why,
                                           dt__redirect_out *out) {
  out_reset(out);
  if (st == NULL || st->url == NULL || upgraded == NULL)
    return finish(out, DT__REDIRECT_ERROR, DT_EINVAL);
  const dt__profile *prof = st->profile;
  if (why == DT__INTERNAL_HSTS)
    step(out, R_HSTS,
         "HSTS: %s → https, 307 Internal Redirect; method and body kept",
         dt_url_get(st->url, DT_URL_HOST));
  else if (why == DT__INTERNAL_HTTPS_UPGRADE)
    step(out, R_UPGRADES,
         "%s: %s tried over https first, 307 (nothing sent in plaintext)",
         upgrades_name(prof), dt_url_get(st->url, DT_URL_HOST));
  else
    step(out, R_UPGRADES,
         "%s fallback: https did not work, back to http (the host is not "
         "upgraded again%s)",
         upgrades_name(prof),
         prof->https_upgrades.session_exemptions ? " in this session" : "");
  if (prof->synthetic_hops_count) {
    if (st->redirect_count >= st->max_redirects) {
      step(out, R_LIMIT, "internal redirect %u: at most %u are followed (%s)",
           st->redirect_count + 1, st->max_redirects, limit_source(st));
      return finish(out, DT__REDIRECT_ERROR, DT_EREDIRECT_LIMIT);
    }
    step(out, R_HSTS_COUNT, "counts as redirect %u of %u",
         st->redirect_count + 1, st->max_redirects);
  }
  dt_url *copy = dt_url_dup(upgraded);
  dt_url *newref = NULL;
  dt_header *arr = alloc_request_headers(st);
  int err = copy && arr ? 0 : DT_ENOMEM;
  /* R2: Chromium's int307 runs ComputeRedirectInfo, which recomputes the
   * referrer; in Fetch the upgrade only sets the scheme. */
  if (!err && prof->synthetic_hop_recomputes_referrer && st->referrer) {
    err =
        dt__referrer_compute(st->referrer, st->referrer_policy, copy, &newref);
    if (!err) referer_step(out, st, st->referrer_policy, newref, copy);
  }
  if (err) {
    if (copy) dt_url_free(copy);
    free(arr);
    return finish(out, DT__REDIRECT_ERROR, err);
  }
  if (prof->synthetic_hop_recomputes_referrer) {
    if (st->referrer) dt_url_free(st->referrer);
    st->referrer = newref;
  }
  /* Chromium runs its internal 307 through RedirectUtil::UpdateHttpRequest
   * like any redirect, and http→https is cross-origin: an Origin the
   * request carries becomes "null" (measured on a cross-origin form POST).
   * In Fetch the upgrade is not a redirect: the origin stays. */
  if (prof->origin_rule == DT__ORIGIN_NULL_ON_CROSS_ORIGIN &&
      st->origin_value != NULL && !str_eq(st->origin_value, "null")) {
    st->origin_value = "null";
    step(out, R_HSTS_ORIGIN,
         "Origin: null (the internal 307 is a cross-origin redirect)");
  }
  dt_url_free(st->url);
  st->url = copy;
  if (prof->synthetic_hops_count) st->redirect_count++;
  st->synthetic_count++;
  build_request_headers(st, arr);
  dt__redirect_current(st, &out->next);
  return finish(out, DT__REDIRECT_FOLLOW, 0);
}

int dt__redirect_referrer_from(dt__redirect_state *st, const dt_url *source) {
  dt_url *newref = NULL;
  dt_header *arr = alloc_request_headers(st);
  int err =
      arr ? dt__referrer_compute(source, st->referrer_policy, st->url, &newref)
          : DT_ENOMEM;
  if (err) {
    free(arr);
    return err;
  }
  if (st->referrer) dt_url_free(st->referrer);
  st->referrer = newref;
  build_request_headers(st, arr);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* A 401 answered with the URL's credentials. */

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* S, percent-decoded (the URL keeps userinfo percent-encoded), appended to
 * OUT at *N (bounded by CAP). */
static void put_decoded(char *out, size_t cap, size_t *n, const char *s) {
  for (; *s && *n + 1 < cap; s++) {
    if (s[0] == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
      out[(*n)++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
      s += 2;
    } else {
      out[(*n)++] = *s;
    }
  }
}

static void base64(const unsigned char *in, size_t n, char *out) {
  static const char t[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = t[(v >> 18) & 63];
    out[o++] = t[(v >> 12) & 63];
    out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? t[v & 63] : '=';
  }
  out[o] = 0;
}

static int basic_challenge(const dt_header *h, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (dt__ascii_ieq(h[i].name, "WWW-Authenticate")) {
      const char *v = h[i].value;
      while (*v == ' ' || *v == '\t')
        v++;
      if (dt__ascii_istarts(v, strlen(v), "basic") &&
          (v[5] == 0 || v[5] == ' ' || v[5] == ','))
        return 1;
    }
  return 0;
}

dt__redirect_verdict dt__redirect_auth_retry(dt__redirect_state *st, int status,
                                             const dt_header *headers,
                                             size_t count,
                                             dt__redirect_out *out) {
  /* when it does not apply, OUT stays as the redirect rules left it */
  const char *user = dt_url_get(st->url, DT_URL_USERNAME);
  const char *pass = dt_url_get(st->url, DT_URL_PASSWORD);
  /* fetch(): only where the profile answers it (knob 17b), and never once
   * the response tainting is "cors" (Fetch HTTP-network-or-cache fetch,
   * the 401 step) */
  int api = st->cors;
  if (api && (!st->profile->api_auth_retry || st->cors_tainted))
    return DT__REDIRECT_FINAL;
  if (status != 401 || st->auth_retried || (!user[0] && !pass[0]) ||
      !basic_challenge(headers, count))
    return DT__REDIRECT_FINAL;
  for (size_t i = 0; i < st->header_count; i++)
    if (dt__ascii_ieq(st->headers[i].name, "Authorization"))
      return DT__REDIRECT_FINAL; /* the caller's own */
  out_reset(out);
  char plain[512];
  size_t n = 0;
  put_decoded(plain, sizeof plain, &n, user);
  if (n + 1 < sizeof plain) plain[n++] = ':';
  put_decoded(plain, sizeof plain, &n, pass);
  char value[8 + 4 * (sizeof plain / 3 + 1) + 1] = "Basic ";
  base64((const unsigned char *)plain, n, value + 6);
  dt_header *grown =
      realloc(st->headers, (st->header_count + 1) * sizeof(dt_header));
  if (!grown) return finish(out, DT__REDIRECT_ERROR, DT_ENOMEM);
  st->headers = grown;
  char *nm = dup("Authorization"), *vv = dup(value);
  dt_header *arr = NULL;
  if (!nm || !vv || !(arr = malloc((st->header_count + 3) * sizeof *arr))) {
    free(nm);
    free(vv);
    return finish(out, DT__REDIRECT_ERROR, DT_ENOMEM);
  }
  st->headers[st->header_count].name = nm;
  st->headers[st->header_count].value = vv;
  st->header_count++;
  st->auth_retried = 1;
  step(out, api ? R_AUTH_RETRY_API : R_AUTH_RETRY,
       "401 with WWW-Authenticate: Basic: the same request once more, with "
       "the URL's credentials as Authorization");
  build_request_headers(st, arr);
  dt__redirect_current(st, &out->next);
  return finish(out, DT__REDIRECT_FOLLOW, 0);
}
