/* set_cookie.c — see set_cookie.h. Step numbers are RFC 6265bis-15's. */
#include "engine/cookie/set_cookie.h"

#include "hsts/base/ascii.h"
#include "hsts/base/time.h"

#include <string.h>

/* §5.6 step 1: CTLs other than HTAB make the whole field void. */
static int has_ctl(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return 1;
  }
  return 0;
}

static int wsp(char c) { return c == ' ' || c == '\t'; }

/* Trims SP and HTAB on both sides of [*s, *s + *n). */
static void trim(const char **s, size_t *n) {
  while (*n && wsp(**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n && wsp((*s)[*n - 1]))
    (*n)--;
}

static int ieq(const char *s, size_t n, const char *lit) {
  return dt__ascii_nieq(s, n, lit, strlen(lit));
}

/* ---- §5.1.1 the cookie date ---------------------------------------------- */

static int delimiter(unsigned char c) {
  return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
         (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

static int digit(char c) { return c >= '0' && c <= '9'; }

/* 1*MAX DIGIT then (end or a non-digit and anything): the value, or -1. */
static int digits_then(const char *t, size_t n, size_t min, size_t max,
                       size_t *used) {
  size_t i = 0;
  int v = 0;
  while (i < n && digit(t[i])) {
    if (i == max) return -1; /* too many digits */
    v = v * 10 + (t[i] - '0');
    i++;
  }
  if (i < min) return -1;
  *used = i;
  return v;
}

/* time = hms-time [ non-digit *OCTET ]; hms-time = time-field ":"
 * time-field ":" time-field; time-field = 1*2DIGIT */
static int parse_time(const char *t, size_t n, int *h, int *m, int *s) {
  int v[3];
  size_t p = 0;
  for (int k = 0; k < 3; k++) {
    size_t used;
    v[k] = digits_then(t + p, n - p, 1, 2, &used);
    if (v[k] < 0) return -1;
    p += used;
    if (k < 2) {
      if (p >= n || t[p] != ':') return -1;
      p++;
    }
  }
  if (p < n && digit(t[p])) return -1;
  *h = v[0];
  *m = v[1];
  *s = v[2];
  return 0;
}

static int parse_month(const char *t, size_t n) {
  static const char mon[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (n < 3) return -1;
  for (int i = 0; i < 12; i++)
    if (dt__ascii_nieq(t, 3, mon + 3 * i, 3)) return i + 1;
  return -1;
}

int64_t dt__cookie_date(const char *s, size_t n) {
  int have_time = 0, have_day = 0, have_month = 0, have_year = 0;
  int hh = 0, mm = 0, ss = 0, day = 0, month = 0, year = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && delimiter((unsigned char)s[i]))
      i++;
    size_t b = i;
    while (i < n && !delimiter((unsigned char)s[i]))
      i++;
    if (i == b) break;
    const char *t = s + b;
    size_t tn = i - b, used;
    int v;
    if (!have_time && parse_time(t, tn, &hh, &mm, &ss) == 0) {
      have_time = 1;
    } else if (!have_day && (v = digits_then(t, tn, 1, 2, &used)) >= 0) {
      have_day = 1;
      day = v;
    } else if (!have_month && (v = parse_month(t, tn)) > 0) {
      have_month = 1;
      month = v;
    } else if (!have_year && (v = digits_then(t, tn, 2, 4, &used)) >= 0) {
      have_year = 1;
      year = v;
    }
  }
  if (have_year && year >= 70 && year <= 99) year += 1900;
  if (have_year && year >= 0 && year <= 69) year += 2000;
  if (!have_time || !have_day || !have_month || !have_year) return -1;
  if (day < 1 || day > 31 || year < 1601 || hh > 23 || mm > 59 || ss > 59)
    return -1;
  if (!dt__civil_valid(year, month, day)) return -1; /* no such date */
  dt__civil c = {year, month, day, hh, mm, ss};
  return dt__ms_from_civil(&c);
}

/* ---- §5.6 the field ------------------------------------------------------ */

/* §5.6.2: Max-Age = ["-"] 1*DIGIT; anything else is ignored. */
static int parse_max_age(const char *v, size_t n, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (n && v[0] == '-') {
    neg = 1;
    i = 1;
  }
  if (i == n) return -1;
  int64_t cap = DT__COOKIE_MAX_AGE_MS / 1000, x = 0;
  for (; i < n; i++) {
    if (!digit(v[i])) return -1;
    if (x <= cap) x = x * 10 + (v[i] - '0'); /* saturates past the cap */
  }
  if (x > cap) x = cap;
  *out = neg ? (x ? -1 : 0) : x;
  return 0;
}

static void attribute(dt__set_cookie *c, const char *a, size_t an,
                      const char *v, size_t vn) {
  if (ieq(a, an, "expires")) {
    int64_t t = dt__cookie_date(v, vn);
    if (t >= 0) {
      c->has_expires = 1;
      c->expires_ms = t;
    }
  } else if (ieq(a, an, "max-age")) {
    int64_t x;
    if (parse_max_age(v, vn, &x) == 0) {
      c->has_max_age = 1;
      c->max_age_s = x;
    }
  } else if (ieq(a, an, "domain")) {
    /* §5.6.3: an empty value is ignored; a leading dot is dropped */
    if (vn && v[0] == '.') {
      v++;
      vn--;
    }
    if (vn) {
      c->has_domain = 1;
      c->domain = v;
      c->domain_len = vn;
    }
  } else if (ieq(a, an, "path")) {
    /* §5.6.4: not starting with '/' means the default path */
    c->has_path = vn && v[0] == '/';
    c->path = c->has_path ? v : NULL;
    c->path_len = c->has_path ? vn : 0;
  } else if (ieq(a, an, "secure")) {
    c->secure = 1;
  } else if (ieq(a, an, "httponly")) {
    c->http_only = 1;
  } else if (ieq(a, an, "samesite")) {
    /* §5.6.7: unknown values leave it unspecified ("Default") */
    c->samesite = ieq(v, vn, "none")     ? DT__SAMESITE_NONE
                  : ieq(v, vn, "lax")    ? DT__SAMESITE_LAX
                  : ieq(v, vn, "strict") ? DT__SAMESITE_STRICT
                                         : DT__SAMESITE_UNSPECIFIED;
  } else if (ieq(a, an, "priority")) {
    /* Chromium's extension; unknown values are Medium */
    c->priority = ieq(v, vn, "low")    ? DT__PRIORITY_LOW
                  : ieq(v, vn, "high") ? DT__PRIORITY_HIGH
                                       : DT__PRIORITY_MEDIUM;
  } else if (ieq(a, an, "partitioned")) {
    c->partitioned = 1; /* CHIPS: noted, not partitioned (docs/cookies.md) */
  }
}

dt__cookie_reason dt__set_cookie_parse(const char *s, size_t n,
                                       dt__set_cookie *out) {
  memset(out, 0, sizeof *out);
  out->priority = DT__PRIORITY_MEDIUM;
  if (has_ctl(s, n)) return DT__COOKIE_DISALLOWED_CHARACTER; /* step 1 */
  const char *semi = memchr(s, ';', n);
  size_t pair_n = semi ? (size_t)(semi - s) : n;
  /* step 2: no '=' — an empty name and the whole pair as the value */
  const char *eq = memchr(s, '=', pair_n);
  const char *name = s, *value = s;
  size_t name_n = 0, value_n = pair_n;
  if (eq) {
    name_n = (size_t)(eq - s);
    value = eq + 1;
    value_n = pair_n - name_n - 1;
  }
  trim(&name, &name_n);
  trim(&value, &value_n);
  if (name_n + value_n > DT__COOKIE_MAX_NAME_VALUE)
    return DT__COOKIE_NAME_VALUE_TOO_BIG; /* step 3 */
  if (name_n + value_n == 0) return DT__COOKIE_NO_CONTENT;
  out->name = name;
  out->name_len = name_n;
  out->value = value;
  out->value_len = value_n;
  /* §5.6 step 6: the attributes, each "name[=value]" between semicolons */
  const char *p = semi ? semi + 1 : s + n, *end = s + n;
  while (p < end) {
    const char *e = memchr(p, ';', (size_t)(end - p));
    if (!e) e = end;
    const char *aeq = memchr(p, '=', (size_t)(e - p));
    const char *a = p, *v = aeq ? aeq + 1 : e;
    size_t an = (size_t)((aeq ? aeq : e) - p), vn = (size_t)(e - v);
    trim(&a, &an);
    trim(&v, &vn);
    if (vn > DT__COOKIE_MAX_ATTRIBUTE)
      out->attributes_ignored++; /* §5.6 step 6: ignored, not fatal */
    else if (an)
      attribute(out, a, an, v, vn);
    p = e < end ? e + 1 : end;
  }
  return DT__COOKIE_OK;
}
