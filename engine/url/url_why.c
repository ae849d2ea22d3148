/* url_why.c — why a URL did not parse, said for people: the cause in words
 * (the URL Standard's validation error that made the parser fail), the byte
 * it stopped at, and the URL a host typed without a scheme most likely
 * means (an address bar's guess: dt_url_missing_scheme). */
#include "engine/url/url_internal.h"
#include "hsts/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *why_text(dt__url_why_code c) {
  switch (c) {
  case DT__URL_WHY_NO_SCHEME:
    return "it has no scheme (a URL starts with one, such as https:)";
  case DT__URL_WHY_HOST_MISSING: return "it has no host";
  case DT__URL_WHY_HOST_CODE_POINT:
    return "its host has a character no host can have";
  case DT__URL_WHY_HOST_INVALID:
    return "its host is not a valid domain name or IP address";
  case DT__URL_WHY_PORT_RANGE: return "its port is larger than 65535";
  case DT__URL_WHY_PORT_INVALID:
    return "its port has a character that is not a digit";
  case DT__URL_WHY_NONE: break;
  }
  return "it could not be parsed";
}

/* The byte of INPUT that byte AT of the preprocessed input came from: the
 * parser saw INPUT with leading C0 controls and spaces trimmed and tabs and
 * newlines removed (URL Standard §4.4 steps 1-3). SIZE_MAX when INPUT is
 * not valid UTF-8 (the sanitizer changed its length, so bytes do not line
 * up). */
static size_t input_byte(const char *in, size_t len, size_t at) {
  size_t n = 0;
  char *s = dt__utf8_sanitize(in, len, &n);
  int same = s && n == len && memcmp(s, in, len) == 0;
  free(s);
  if (!same) return SIZE_MAX;
  size_t i = 0, k = 0;
  while (i < len && (unsigned char)in[i] <= 0x20)
    i++;
  for (; i < len; i++) {
    if (in[i] == '\t' || in[i] == '\n' || in[i] == '\r') continue;
    if (k++ == at) return i;
  }
  return i; /* the end of the input */
}

/* INPUT quoted for a message: at most 200 bytes, control bytes as \xNN. */
static void quote(const char *in, size_t len, char *out, size_t cap) {
  size_t w = 0;
  for (size_t i = 0; i < len && w + 8 < cap; i++) {
    unsigned char c = (unsigned char)in[i];
    if (i == 200) {
      w += (size_t)snprintf(out + w, cap - w, "...");
      break;
    }
    if (c < 0x20 || c == 0x7f)
      w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
    else
      out[w++] = (char)c;
  }
  out[w] = '\0';
}

int dt_url_parse_err(dt_url **out, const char *input, size_t len,
                     const dt_url *base, dt_error *err) {
  dt__url_why why = {DT__URL_WHY_NONE, 0};
  int rc = dt__url_parse_why(out, input, len, base, &why);
  if (rc == 0 || !err) return rc;
  if (rc != DT_EURL && rc != DT_ELIMIT_URL) return dt__fail(err, rc, NULL);
  char q[256 * 4 + 16];
  quote(input ? input : "", input ? len : 0, q, sizeof q);
  if (rc == DT_ELIMIT_URL)
    return dt__fail(err, rc, "the URL is longer than %u bytes",
                    (unsigned)DT_DEFAULT_MAX_URL_BYTES);
  dt__fail(err, rc, "'%s' is not a URL: %s", q, why_text(why.code));
  size_t at = input_byte(input, len, why.at);
  err->offset = at == SIZE_MAX ? 0 : at;
  err->column = at == SIZE_MAX ? 0 : at + 1;
  if (why.code == DT__URL_WHY_NO_SCHEME) {
    char *z = malloc(len + 1);
    char guess[DT_ERROR_HINT_BYTES - 32];
    if (z) {
      memcpy(z, input, len);
      z[len] = '\0';
      if (dt_url_missing_scheme(z, guess, sizeof guess))
        dt__hint(err, "did you mean %s?", guess);
      else if (!base)
        dt__hint(err, "a relative reference needs a base URL to resolve "
                      "against");
      free(z);
    }
  }
  return rc;
}

/* A host a person would type into an address bar: an IP address,
 * "localhost", or a domain of two or more labels ("a.test"), so that a
 * relative path ("../x", "x") is not taken for one. */
static int looks_like_host(const dt_url *u) {
  dt_host_kind k = dt_url_host_kind(u);
  if (k == DT_HOST_IPV4 || k == DT_HOST_IPV6) return 1;
  if (k != DT_HOST_DOMAIN) return 0;
  const char *h = dt_url_get(u, DT_URL_HOSTNAME);
  if (strcmp(h, "localhost") == 0) return 1;
  const char *dot = strchr(h, '.');
  return dot && dot != h && dot[1] != '\0' && dot[1] != '.';
}

int dt_url_missing_scheme(const char *input, char *out, size_t cap) {
  if (!input || !out || cap == 0) return 0;
  out[0] = '\0';
  size_t len = strlen(input);
  while (len && (unsigned char)input[len - 1] <= 0x20)
    len--;
  while (len && (unsigned char)*input <= 0x20) {
    input++;
    len--;
  }
  if (len == 0 || len > DT_DEFAULT_MAX_URL_BYTES || input[0] == '/' ||
      input[0] == '\\' || memchr(input, '\0', len))
    return 0;
  /* A URL that parses keeps its scheme, unless that "scheme" is a host
   * ("a.test:8080/x", "localhost:3000": a dot in it, or a port after it). */
  dt_url *u = NULL;
  if (dt_url_parse(&u, input, len, NULL) == 0) {
    const char *sc = dt_url_scheme(u);
    size_t sl = strlen(sc);
    int hostish =
        !dt_url_is_special(u) && !dt_url_get(u, DT_URL_HOST)[0] &&
        (strchr(sc, '.') || (sl + 1 < len && input[sl] == ':' &&
                             input[sl + 1] >= '0' && input[sl + 1] <= '9'));
    dt_url_free(u);
    if (!hostish) return 0;
  }
  size_t n = len + 8;
  char *t = malloc(n);
  if (!t) return 0;
  memcpy(t, "http://", 7);
  memcpy(t + 7, input, len);
  t[n - 1] = '\0';
  int ok = dt_url_parse(&u, t, len + 7, NULL) == 0;
  free(t);
  if (!ok) return 0;
  const char *href = dt_url_get(u, DT_URL_HREF);
  ok = looks_like_host(u) && strlen(href) < cap;
  if (ok) memcpy(out, href, strlen(href) + 1);
  dt_url_free(u);
  return ok;
}
