/* set_cookie.h — a Set-Cookie field value parsed (internal), before any
 * context: RFC 6265bis §5.6 (the parsing algorithm) and §5.1.1 (the cookie
 * date). Pure: bytes in, views and numbers out; what the URL, the jar and
 * the request decide is jar.c's. Fuzzed (fuzz/fuzz_set_cookie.c). */
#ifndef DT_COOKIE_SET_COOKIE_H
#define DT_COOKIE_SET_COOKIE_H

#include "engine/cookie/cookie.h"

typedef struct dt__set_cookie {
  const char *name, *value; /* views into the field, trimmed */
  size_t name_len, value_len;
  /* §5.6.2: Max-Age in seconds, capped at 400 days (<= 0: expired) */
  int has_max_age;
  int64_t max_age_s;
  /* §5.6.1: Expires as ms since the epoch (an unparsable date: absent) */
  int has_expires;
  int64_t expires_ms;
  /* §5.6.3: the last Domain with a value, its leading dot gone (a view) */
  int has_domain;
  const char *domain;
  size_t domain_len;
  /* §5.6.4: the last Path; has_path 0 when absent or not starting '/' */
  int has_path;
  const char *path;
  size_t path_len;
  int secure, http_only, partitioned;
  dt__samesite samesite; /* the last SameSite; unknown values: unspecified */
  dt__cookie_priority priority;
  int attributes_ignored; /* attribute values over 1024 bytes skipped */
} dt__set_cookie;

/* Parses S (N bytes). DT__COOKIE_OK, or DT__COOKIE_DISALLOWED_CHARACTER,
 * DT__COOKIE_NO_CONTENT, DT__COOKIE_NAME_VALUE_TOO_BIG: the field is
 * ignored entirely (§5.6 steps 1–3). */
dt__cookie_reason dt__set_cookie_parse(const char *s, size_t n,
                                       dt__set_cookie *out);

/* §5.1.1: a cookie-date (Expires) to ms since the epoch, or -1. Years 70–99
 * are 19xx, 0–69 20xx; before 1601, impossible days and times fail. */
int64_t dt__cookie_date(const char *s, size_t n);

#endif
