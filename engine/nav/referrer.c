/* referrer.c — Referrer Policy: header parsing and "determine request's
 * referrer" (W3C Referrer Policy §8.3, §8.4, §11.1; Secure Contexts §3).
 *
 * Pure: URLs in, a URL (or none) out. Used by engine/nav/redirect.c for the
 * first request of a navigation and again at every hop (Fetch main fetch
 * step "set request's referrer to the result of determine request's
 * referrer", which HTTP-redirect fetch re-enters). */
#include "engine/nav/referrer.h"
#include "hsts/base/ascii.h"

#include <stdlib.h>
#include <string.h>

/* §8.3 step 6: longer serialisations fall back to the origin. */
#define REFERRER_MAX_BYTES 4096u

static const char *const policy_names[] = {
    [DT__RP_EMPTY] = "",
    [DT__RP_NO_REFERRER] = "no-referrer",
    [DT__RP_NO_REFERRER_WHEN_DOWNGRADE] = "no-referrer-when-downgrade",
    [DT__RP_SAME_ORIGIN] = "same-origin",
    [DT__RP_ORIGIN] = "origin",
    [DT__RP_STRICT_ORIGIN] = "strict-origin",
    [DT__RP_ORIGIN_WHEN_CROSS_ORIGIN] = "origin-when-cross-origin",
    [DT__RP_STRICT_ORIGIN_WHEN_CROSS_ORIGIN] =
        "strict-origin-when-cross-origin",
    [DT__RP_UNSAFE_URL] = "unsafe-url",
};
#define POLICY_COUNT (sizeof policy_names / sizeof policy_names[0])

const char *dt__referrer_policy_name(dt__referrer_policy p) {
  return (unsigned)p < POLICY_COUNT ? policy_names[p] : "";
}

dt__referrer_policy dt__referrer_policy_effective(dt__referrer_policy p) {
  return p == DT__RP_EMPTY ? DT__RP_DEFAULT : p;
}

static int token_equals(const char *tok, size_t len, const char *name, int ci) {
  if (strlen(name) != len) return 0;
  for (size_t i = 0; i < len; i++) {
    int a = (unsigned char)tok[i], b = (unsigned char)name[i];
    if (ci) a = dt__ascii_lower((unsigned char)a);
    if (a != b) return 0;
  }
  return 1;
}

int dt__referrer_policy_from_token(const char *token, size_t len,
                                   int case_insensitive,
                                   dt__referrer_policy *out) {
  /* The empty string is a referrer policy but "token is not the empty
   * string" is required by §11.1, so it never changes anything. */
  if (token == NULL || len == 0) return 0;
  for (size_t i = 1; i < POLICY_COUNT; i++) {
    if (token_equals(token, len, policy_names[i], case_insensitive)) {
      *out = (dt__referrer_policy)i;
      return 1;
    }
  }
  return 0;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int name_is(const char *name, const char *want) {
  return name != NULL && token_equals(name, strlen(name), want, 1);
}

int dt__referrer_policy_parse_header(const dt_header *headers, size_t count,
                                     int case_insensitive,
                                     dt__referrer_policy *out) {
  int found = 0;
  /* Fields are taken in order, as if combined with ", " (RFC 9110 §5.3),
   * so the last recognised token of the last field wins. */
  for (size_t h = 0; h < count; h++) {
    if (!name_is(headers[h].name, "referrer-policy") || !headers[h].value)
      continue;
    const char *p = headers[h].value;
    const char *end = p + strlen(p);
    while (p < end) {
      const char *comma = memchr(p, ',', (size_t)(end - p));
      const char *tend = comma ? comma : end;
      const char *a = p, *b = tend;
      while (a < b && is_ows(*a))
        a++;
      while (b > a && is_ows(b[-1]))
        b--;
      dt__referrer_policy pol;
      if (dt__referrer_policy_from_token(a, (size_t)(b - a), case_insensitive,
                                         &pol)) {
        *out = pol;
        found = 1;
      }
      p = comma ? comma + 1 : end;
    }
  }
  return found;
}

static int str_eq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int host_is_localhost(const char *host) {
  /* Secure Contexts §3.2 step 5 with "let localhost be localhost":
   * "localhost" and any name under ".localhost". */
  size_t n = strlen(host);
  if (n > 0 && host[n - 1] == '.') n--; /* a trailing dot is the same name */
  static const char loc[] = "localhost";
  const size_t ln = sizeof loc - 1;
  if (n == ln) return token_equals(host, n, loc, 1);
  return n > ln && host[n - ln - 1] == '.' &&
         token_equals(host + n - ln, ln, loc, 1);
}

int dt__url_is_potentially_trustworthy(const dt_url *url) {
  if (url == NULL) return 0;
  const char *scheme = dt_url_scheme(url);
  const char *href = dt_url_get(url, DT_URL_HREF);
  /* §3.2 "is url potentially trustworthy" steps 1-2. */
  if (str_eq(href, "about:blank") || str_eq(href, "about:srcdoc")) return 1;
  if (str_eq(scheme, "data")) return 1;
  /* §3.1 "is origin potentially trustworthy". */
  if (str_eq(scheme, "https") || str_eq(scheme, "wss")) return 1;
  if (str_eq(scheme, "file")) return 1;
  const char *host = dt_url_get(url, DT_URL_HOSTNAME);
  switch (dt_url_host_kind(url)) {
  case DT_HOST_IPV4:
    return host != NULL && strncmp(host, "127.", 4) == 0; /* 127.0.0.0/8 */
  case DT_HOST_IPV6: return str_eq(host, "[::1]");
  case DT_HOST_DOMAIN: return host != NULL && host_is_localhost(host);
  default: return 0;
  }
}

/* Builds "proto//host" + tail into a new string; NULL on ENOMEM. */
static char *join3(const char *a, const char *b, const char *c, const char *d) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
  char *s = malloc(la + lb + lc + ld + 1);
  if (s == NULL) return NULL;
  memcpy(s, a, la);
  memcpy(s + la, b, lb);
  memcpy(s + la + lb, c, lc);
  memcpy(s + la + lb + lc, d, ld);
  s[la + lb + lc + ld] = '\0';
  return s;
}

/* The serialisation of "strip url for use as a referrer" (§8.4), or NULL
 * with *err = 0 for "no referrer". */
static char *strip_string(const dt_url *url, int origin_only, int *err) {
  *err = 0;
  const char *scheme = dt_url_scheme(url);
  /* §8.4 step 2: local schemes give no referrer. */
  if (scheme == NULL || str_eq(scheme, "about") || str_eq(scheme, "blob") ||
      str_eq(scheme, "data"))
    return NULL;
  const char *proto = dt_url_get(url, DT_URL_PROTOCOL);
  const char *host = dt_url_get(url, DT_URL_HOST);
  if (!dt_url_is_special(url) && (host == NULL || host[0] == '\0')) {
    /* An opaque-path URL ("foo:bar") has no origin to reduce to; detour's
     * initiators are web pages, so such a referrer is simply not sent. */
    return NULL;
  }
  /* Steps 3-5: username and password emptied, fragment null: rebuilt from
   * the parts that remain, which leaves both out. Step 6: origin-only
   * also nulls path and query; a special URL then serialises with "/". */
  char *s = origin_only ? join3(proto, "//", host ? host : "", "/")
                        : join3(proto, "//", host ? host : "",
                                dt_url_get(url, DT_URL_PATHNAME));
  if (s == NULL) {
    *err = DT_ENOMEM;
    return NULL;
  }
  if (!origin_only) {
    const char *search = dt_url_get(url, DT_URL_SEARCH);
    if (search && search[0]) {
      char *t = join3(s, search, "", "");
      free(s);
      if (t == NULL) *err = DT_ENOMEM;
      s = t;
    }
  }
  return s;
}

int dt__referrer_strip(const dt_url *url, int origin_only, dt_url **out) {
  *out = NULL;
  if (url == NULL) return 0;
  int err;
  char *s = strip_string(url, origin_only, &err);
  if (s == NULL) return err;
  err = dt_url_parse(out, s, strlen(s), NULL);
  free(s);
  if (err) *out = NULL;
  return err;
}

static int same_origin_or_zero(const dt_url *a, const dt_url *b) {
  return a && b && dt_url_same_origin(a, b);
}

int dt__referrer_compute(const dt_url *referrer, dt__referrer_policy policy,
                         const dt_url *target, dt_url **out) {
  *out = NULL;
  if (referrer == NULL || target == NULL) return 0; /* no-referrer stays */
  policy = dt__referrer_policy_effective(policy);
  if (policy == DT__RP_NO_REFERRER) return 0;

  int err;
  char *full = strip_string(referrer, 0, &err); /* §8.3 step 4 */
  if (full == NULL) return err;
  char *orig = strip_string(referrer, 1, &err); /* step 5 */
  if (orig == NULL) {
    free(full);
    return err;
  }
  if (strlen(full) > REFERRER_MAX_BYTES) { /* step 6 */
    free(full);
    full = NULL;
  }
  dt_url *url_full = NULL;
  const char *use_full = full ? full : orig;
  err = dt_url_parse(&url_full, use_full, strlen(use_full), NULL);
  if (err) goto done;

  int same = same_origin_or_zero(url_full, target);
  int downgrade = dt__url_is_potentially_trustworthy(url_full) &&
                  !dt__url_is_potentially_trustworthy(target);
  const char *pick = NULL; /* NULL: no referrer */
  switch (policy) {        /* step 8 */
  case DT__RP_UNSAFE_URL: pick = use_full; break;
  case DT__RP_ORIGIN: pick = orig; break;
  case DT__RP_NO_REFERRER_WHEN_DOWNGRADE:
    pick = downgrade ? NULL : use_full;
    break;
  case DT__RP_STRICT_ORIGIN: pick = downgrade ? NULL : orig; break;
  case DT__RP_SAME_ORIGIN: pick = same ? use_full : NULL; break;
  case DT__RP_ORIGIN_WHEN_CROSS_ORIGIN: pick = same ? use_full : orig; break;
  case DT__RP_STRICT_ORIGIN_WHEN_CROSS_ORIGIN:
    pick = same ? use_full : downgrade ? NULL : orig;
    break;
  default: pick = NULL; break;
  }
  if (pick == use_full) {
    *out = url_full;
    url_full = NULL;
  } else if (pick != NULL) {
    err = dt_url_parse(out, pick, strlen(pick), NULL);
    if (err) *out = NULL;
  }
done:
  if (url_full) dt_url_free(url_full);
  free(full);
  free(orig);
  return err;
}
