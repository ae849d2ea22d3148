/* address_bar.c — what a browser's address bar makes of the text typed
 * into it (dt_address_bar_url, include/detour.h; docs/cli.md "Scheme-less
 * input"). A kiosk or a test harness has an address bar too, so the rule
 * lives in the library, not in the CLI.
 *
 * Both browsers add `http://` to text without a scheme: Chromium's omnibox
 * (components/url_formatter/url_fixer.cc, SegmentURLInternal picks http
 * when it finds no scheme) and Firefox's URI fixup, which marks the load
 * scheme-less so that HTTPS-First may try https first
 * (nsILoadInfo::SchemelessInputTypeSchemeless). Whether https is tried
 * first is the navigation's business (engine/nav/https_upgrades.c), not
 * the address bar's. curl adds `http://` too, so the fetch profile, which
 * has no address bar, does the same. */
#include "detour.h"
#include "hsts/base/error.h"

#include <stdlib.h>
#include <string.h>

/* 2 MiB: Chromium's url::kMaxURLChars — longer text is no URL anyway. */
#define MAX_TEXT (2u * 1024 * 1024)

/* What the URL Standard strips before parsing, so the bar reads the text
 * as the parser will: C0 controls and space at either end, ASCII tab and
 * newline anywhere ("basic URL parser" steps 1-3). */
static int is_c0_or_space(char c) { return (unsigned char)c <= 0x20; }
static int is_tab_or_newline(char c) {
  return c == '\t' || c == '\n' || c == '\r';
}

static int is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Does T (N bytes) begin with a scheme the address bar believes? Chromium
 * url_fixer.cc GetValidScheme: the text before the first ':' must be a
 * scheme (a letter, then letters, digits, '+', '-', '.'), but a "scheme"
 * with a '.' is a host (`www.example.com:/`, `a.test:8080/x`), and one
 * followed by a port — digits up to '/', '\', '?', '#' or the end — is a
 * host with its port (`www:123/`, `localhost:3000`; HasPort). */
static int has_scheme(const char *t, size_t n) {
  size_t colon = 0;
  while (colon < n && t[colon] != ':')
    colon++;
  if (colon == n || colon == 0 || !is_alpha(t[0])) return 0;
  for (size_t i = 1; i < colon; i++) {
    char c = t[i];
    if (c == '.') return 0; /* a host */
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-') return 0;
  }
  size_t p = colon + 1, e = p;
  while (e < n && t[e] != '/' && t[e] != '\\' && t[e] != '?' && t[e] != '#')
    e++;
  if (e == p) return 1;
  for (size_t i = p; i < e; i++)
    if (!is_digit(t[i])) return 1;
  return 0; /* host:port */
}

static int address_bar(const char *text, size_t n, size_t lead, char **url,
                       int *schemeless, dt_error *err);

int dt_address_bar_url(const char *text, char **url, int *schemeless,
                       dt_error *err) {
  if (url) *url = NULL;
  if (schemeless) *schemeless = 0;
  if (!text || !url) return dt__fail(err, DT_EINVAL, "no text or no result");
  size_t n = strnlen(text, MAX_TEXT + 1);
  if (n > MAX_TEXT)
    return dt__fail(err, DT_EURL,
                    "the typed text is longer than 2 MiB (Chromium's URL "
                    "limit)");
  size_t lead = 0; /* bytes dropped before the text */
  while (n && is_c0_or_space(text[0])) {
    text++;
    n--;
    lead++;
  }
  while (n && is_c0_or_space(text[n - 1]))
    n--;
  if (!n) return dt__fail(err, DT_EURL, "nothing typed: no URL");
  char *clean = malloc(n + 1);
  if (!clean) return dt__fail(err, DT_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!is_tab_or_newline(text[i])) clean[k++] = text[i];
  clean[k] = 0;
  int rc = address_bar(clean, k, lead, url, schemeless, err);
  free(clean);
  return rc;
}

/* The text, trimmed and without tabs or newlines (TEXT, N bytes), made a
 * URL. LEAD: the bytes trimmed before it, for the error's column (a tab or
 * newline dropped inside is not counted). */
static int address_bar(const char *text, size_t n, size_t lead, char **url,
                       int *schemeless, dt_error *err) {
  int added = !has_scheme(text, n);
  /* `//host/x` is scheme-relative: the bar gives it its scheme too */
  const char *prefix = !added                                       ? ""
                       : n >= 2 && text[0] == '/' && text[1] == '/' ? "http:"
                                                                    : "http://";
  size_t plen = strlen(prefix);
  char *typed = malloc(plen + n + 1);
  if (!typed) return dt__fail(err, DT_ENOMEM, "out of memory");
  memcpy(typed, prefix, plen);
  memcpy(typed + plen, text, n);
  typed[plen + n] = 0;
  dt_url *u = NULL;
  dt_error pe = {0};
  int rc = dt_url_parse_err(&u, typed, plen + n, NULL, &pe);
  if (rc) {
    /* the parser's cause, and its column in the text as typed */
    const char *cause = strstr(pe.message, " is not a URL: ");
    cause = cause ? cause + strlen(" is not a URL: ") : pe.message;
    rc = rc == DT_ENOMEM ? DT_ENOMEM : DT_EURL;
    dt__fail(err, rc, "'%.200s' is not a URL%s: %s", typed + plen,
             added ? ", even with http:// before it" : "", cause);
    if (err && pe.column > plen) err->column = pe.column - plen + lead;
    free(typed);
    return rc;
  }
  free(typed);
  const char *href = dt_url_get(u, DT_URL_HREF);
  size_t hn = strlen(href);
  *url = malloc(hn + 1);
  if (*url) memcpy(*url, href, hn + 1);
  dt_url_free(u);
  if (!*url) return dt__fail(err, DT_ENOMEM, "out of memory");
  if (schemeless) *schemeless = added;
  return 0;
}
