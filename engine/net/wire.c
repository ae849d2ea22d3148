/* wire.c — see wire.h. */
#include "engine/net/wire.h"

#include "hsts/base/error.h"

#include <string.h>

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
static int tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int dt__wire_token(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++)
    if (!tchar((unsigned char)*s)) return 0;
  return 1;
}

int dt__wire_value(const char *s) {
  /* NUL cannot occur inside a C string; CR and LF are what remain. */
  return s && !strpbrk(s, "\r\n");
}

int dt__wire_target(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x21 || c > 0x7e || c == '#') return 0;
  }
  return 1;
}

/* A short, printable rendering of a bad value for a message. */
static void shown(const char *s, char *out, size_t cap) {
  size_t w = 0;
  for (; s && *s && w + 5 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789ABCDEF";
      out[w++] = '\\';
      out[w++] = 'x';
      out[w++] = hex[c >> 4];
      out[w++] = hex[c & 15];
    } else {
      out[w++] = (char)c;
    }
  }
  out[w] = 0;
}

int dt__wire_check(const char *method, const dt_header *headers, size_t n,
                   const char *what, dt_error *err) {
  char b[80];
  if (method && !dt__wire_token(method)) {
    shown(method, b, sizeof b);
    return dt__fail(err, DT_EINVAL,
                    "the method '%s' is not a token (RFC 9110 §9.1): not sent",
                    b);
  }
  for (size_t i = 0; i < n; i++) {
    if (!headers[i].name || !headers[i].value)
      return dt__fail(err, DT_EINVAL, "%s %zu has no name or value", what,
                      i + 1);
    if (!dt__wire_token(headers[i].name)) {
      shown(headers[i].name, b, sizeof b);
      return dt__fail(err, DT_EINVAL,
                      "%s name '%s' is not a token (RFC 9110 §5.1): not sent",
                      what, b);
    }
    if (!dt__wire_value(headers[i].value))
      return dt__fail(err, DT_EINVAL,
                      "%s %s holds CR or LF, which would split the request: "
                      "not sent",
                      what, headers[i].name);
  }
  return 0;
}
