/* audit_header.c — Strict-Transport-Security verdicts as the HSTS preload
 * checker gives them (docs/redirects.md §4), plus what browsers
 * do with the same header.
 *
 * Two parsers meet here on purpose:
 *  - the checker's (chromium/hstspreload header.go ParseHeaderString): split
 *    on ';', trim each piece, compare names case-insensitively, max-age as
 *    plain digits. It is looser than browsers in places (a repeated max-age
 *    is only a warning) and stricter in others (a quoted max-age is an
 *    error). Its verdicts decide the hstspreload codes below, byte for byte,
 *    including Go's Unicode rules for TrimSpace, EqualFold and ToLower,
 *    because a report that disagrees with hstspreload.org on a header string
 *    would send people in circles;
 *  - the browser's (hsts/sts_header.c, Chromium's ParseHSTSHeader): it
 *    decides header.browser.rejected, the case the checker cannot see — a
 *    header it passes that no browser will ever note.
 *
 * Pure: no I/O, no allocation; every list is bounded. */
#include "engine/audit/audit_header.h"
#include "hsts/base/ascii.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hsts/sts_header.h"

/* ---- the table --------------------------------------------------------- */

static const struct {
  const char *code, *msg, *fix, *src;
  dt__audit_severity sev;
} table[] = {
#define DT__AUDIT_ROW(e, code, sev, msg, fix, src)                             \
  {code, msg, fix, src, DT__AUDIT_##sev},
    DT__AUDIT_CODE_MAP(DT__AUDIT_ROW)
#undef DT__AUDIT_ROW
};

static int code_ok(dt__audit_code c) {
  return (unsigned)c < (unsigned)DT__AUDIT_CODE_COUNT;
}
const char *dt__audit_code_name(dt__audit_code c) {
  return code_ok(c) ? table[c].code : "";
}
const char *dt__audit_code_message(dt__audit_code c) {
  return code_ok(c) ? table[c].msg : "";
}
const char *dt__audit_code_fix(dt__audit_code c) {
  return code_ok(c) ? table[c].fix : "";
}
const char *dt__audit_code_source(dt__audit_code c) {
  return code_ok(c) ? table[c].src : "";
}
dt__audit_severity dt__audit_code_severity(dt__audit_code c) {
  return code_ok(c) ? table[c].sev : (dt__audit_severity)-1;
}
const char *dt__audit_severity_name(dt__audit_severity s) {
  switch (s) {
  case DT__AUDIT_ERROR: return "error";
  case DT__AUDIT_WARNING: return "warning";
  case DT__AUDIT_INFO: return "info";
  }
  return "";
}
int dt__audit_code_from_name(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < (int)DT__AUDIT_CODE_COUNT; i++)
    if (strcmp(table[i].code, name) == 0) return i;
  return -1;
}

/* ---- the findings list ------------------------------------------------- */

void dt__audit_findings_init(dt__audit_findings *out) {
  if (out) memset(out, 0, sizeof *out);
}

size_t dt__audit_count(const dt__audit_findings *f, dt__audit_severity sev) {
  size_t n = 0;
  if (!f) return 0;
  for (size_t i = 0; i < f->count && i < DT__AUDIT_MAX_FINDINGS; i++)
    if (f->items[i].severity == sev) n++;
  return n;
}

/* Copies SRC (N bytes) into DST as printable ASCII: a detail may end up on
 * a terminal or in JSON, so server bytes never go there raw. */
static void sanitize(char *dst, size_t cap, const char *src, size_t n,
                     int truncated) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  const size_t room = cap - 4; /* keep space for "..." and the NUL */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)src[i];
    size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;
    if (o + need > room) {
      truncated = 1;
      break;
    }
    if (need == 1) {
      dst[o++] = (char)c;
    } else {
      dst[o++] = '\\';
      dst[o++] = 'x';
      dst[o++] = hex[c >> 4];
      dst[o++] = hex[c & 15];
    }
  }
  if (truncated) {
    memcpy(dst + o, "...", 3);
    o += 3;
  }
  dst[o] = '\0';
}

static int vadd(dt__audit_findings *out, dt__audit_code code, const char *fmt,
                va_list ap) {
  if (!out || !code_ok(code)) return DT_EINVAL;
  if (out->count >= DT__AUDIT_MAX_FINDINGS) {
    out->dropped++;
    return 0;
  }
  dt__audit_finding *f = &out->items[out->count++];
  f->code = code;
  f->severity = table[code].sev;
  f->detail[0] = '\0';
  if (fmt) {
    char tmp[2 * DT__AUDIT_DETAIL_MAX];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) n = 0;
    size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    sanitize(f->detail, sizeof f->detail, tmp, len, (size_t)n >= sizeof tmp);
  }
  return 0;
}

int dt__audit_add(dt__audit_findings *out, dt__audit_code code, const char *fmt,
                  ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vadd(out, code, fmt, ap);
  va_end(ap);
  return rc;
}

/* The checker's addUniqueErrorf/addUniqueWarningf: add only if this check
 * has not reported the code yet (findings from before FROM are another
 * check's and do not count). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
add_unique(dt__audit_findings *out, size_t from, dt__audit_code code,
           const char *fmt, ...) {
  for (size_t i = from; i < out->count && i < DT__AUDIT_MAX_FINDINGS; i++)
    if (out->items[i].code == code) return;
  va_list ap;
  va_start(ap, fmt);
  vadd(out, code, fmt, ap);
  va_end(ap);
}

/* ---- Go's string semantics, as far as header.go depends on them ------- */

typedef struct span {
  const char *p;
  size_t n;
} span;

/* utf8.DecodeRune: an invalid or short sequence is U+FFFD of width 1. */
static uint32_t decode_rune(const unsigned char *p, size_t n, size_t *w) {
  *w = 1;
  if (n == 0) return 0xFFFD;
  unsigned c = p[0];
  if (c < 0x80) return c;
  size_t len;
  uint32_t r;
  unsigned lo = 0x80, hi = 0xBF; /* accepted range of the second byte */
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    r = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    r = c & 0x0F;
    if (c == 0xE0)
      lo = 0xA0; /* no overlongs */
    else if (c == 0xED)
      hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    r = c & 0x07;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F; /* nothing past U+10FFFF */
  } else {
    return 0xFFFD;
  }
  if (n < len) return 0xFFFD;
  if (p[1] < lo || p[1] > hi) return 0xFFFD;
  for (size_t i = 1; i < len; i++) {
    if (i > 1 && (p[i] < 0x80 || p[i] > 0xBF)) return 0xFFFD;
    r = (r << 6) | (p[i] & 0x3F);
  }
  *w = len;
  return r;
}

/* strings.TrimSpace trims Unicode White_Space, not only SP/HTAB (the
 * checker's own TODO, crbug.com/596561#c10); these are its UTF-8 forms. */
static size_t space_prefix(const unsigned char *p, size_t n) {
  if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))) return 1;
  if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0)) return 2;
  if (n >= 3) {
    if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3; /* U+1680 */
    if (p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 ||
         p[2] == 0xAF))
      return 3; /* U+2000-200A, U+2028, U+2029, U+202F */
    if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3; /* U+205F */
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3; /* U+3000 */
  }
  return 0;
}
static size_t space_suffix(const unsigned char *p, size_t n) {
  /* A space rune at the end is exactly one of the encodings above. */
  for (size_t w = 1; w <= 3 && w <= n; w++)
    if (space_prefix(p + n - w, w) == w) return w;
  return 0;
}
static span trim_space(span s) {
  const unsigned char *p = (const unsigned char *)s.p;
  size_t n = s.n, w;
  while (n && (w = space_prefix(p, n)) != 0) {
    p += w;
    n -= w;
  }
  while (n && (w = space_suffix(p, n)) != 0)
    n -= w;
  return (span){(const char *)p, n};
}

/* strings.EqualFold(s, LIT) for an ASCII literal: ASCII letters fold, and
 * Unicode simple folding adds U+017F (long s) ~ s and U+212A (Kelvin) ~ k. */
static int equal_fold(span s, const char *lit) {
  const unsigned char *p = (const unsigned char *)s.p;
  size_t n = s.n;
  for (; *lit; lit++) {
    if (!n) return 0;
    size_t w;
    uint32_t r = decode_rune(p, n, &w);
    unsigned char t = (unsigned char)*lit;
    unsigned char tl = dt__ascii_lower(t);
    int ok;
    if (r < 0x80) {
      uint32_t rl = dt__ascii_lower((unsigned char)r);
      ok = (tl >= 'a' && tl <= 'z') ? rl == tl : r == t;
    } else {
      ok = (r == 0x17F && tl == 's') || (r == 0x212A && tl == 'k');
    }
    if (!ok) return 0;
    p += w;
    n -= w;
  }
  return n == 0;
}

/* strings.HasPrefix(strings.ToLower(s), LIT) for a lower-case ASCII
 * literal: unicode.ToLower maps only A-Z, U+0130 (I with dot) and U+212A
 * (Kelvin) into ASCII. */
static int has_prefix_lower(span s, const char *lit) {
  const unsigned char *p = (const unsigned char *)s.p;
  size_t n = s.n;
  for (; *lit; lit++) {
    if (!n) return 0;
    size_t w;
    uint32_t r = decode_rune(p, n, &w);
    uint32_t l = r < 0x80 ? dt__ascii_lower((unsigned char)r) : r;
    if (r == 0x130)
      l = 'i';
    else if (r == 0x212A)
      l = 'k';
    if (l != (unsigned char)*lit) return 0;
    p += w;
    n -= w;
  }
  return 1;
}

/* ---- the checker's parser ---------------------------------------------- */

typedef struct parse_state {
  dt__audit_findings *out;
  size_t from;       /* first finding of this header */
  int keep_warnings; /* RemovableHeaderString drops parse warnings */
  dt__audit_sts hdr;
} parse_state;

#define PCT_S(sp) (int)((sp).n > 400 ? 400 : (sp).n), (sp).p

static void warn(parse_state *st, int unique, dt__audit_code c, const char *fmt,
                 span d) {
  if (!st->keep_warnings) return;
  if (unique)
    add_unique(st->out, st->from, c, fmt, PCT_S(d));
  else
    dt__audit_add(st->out, c, fmt, PCT_S(d));
}

/* header.go parseMaxAge: DIRECTIVE starts with "max-age=" (any case). */
static void parse_max_age(parse_state *st, span d) {
  span v = {d.p + 8, d.n - 8};
  /* The leading-zero warning comes first, from the first character only. */
  if (v.n > 1 && v.p[0] == '0')
    warn(st, 0, DT__AUDIT_HEADER_PARSE_MAX_AGE_LEADING_ZERO, "`%.*s`", d);
  /* Every rune must be '0'..'9': checking bytes is the same, since no byte
   * of a multi-byte rune is an ASCII digit. */
  for (size_t i = 0; i < v.n; i++) {
    if (v.p[i] < '0' || v.p[i] > '9') {
      dt__audit_add(st->out, DT__AUDIT_HEADER_PARSE_MAX_AGE_NON_DIGIT, "`%.*s`",
                    PCT_S(d));
      return;
    }
  }
  /* strconv.ParseUint(v, 10, 64): empty and > 2^64-1 are errors. */
  uint64_t x = 0;
  int bad = v.n == 0;
  for (size_t i = 0; i < v.n && !bad; i++) {
    unsigned dig = (unsigned)(v.p[i] - '0');
    if (x > (UINT64_MAX - dig) / 10)
      bad = 1;
    else
      x = x * 10 + dig;
  }
  if (bad) {
    dt__audit_add(st->out, DT__AUDIT_HEADER_PARSE_MAX_AGE_PARSE_INT, "`%.*s`",
                  PCT_S(v));
    return;
  }
  if (!st->hdr.has_max_age) {
    st->hdr.has_max_age = 1;
    st->hdr.max_age = x;
  } else {
    warn(st, 1, DT__AUDIT_HEADER_PARSE_REPEATED_MAX_AGE, "`%.*s`", d);
  }
}

/* header.go ParseHeaderString, case by case in its order. */
static void parse_header(parse_state *st, const char *value, size_t len) {
  memset(&st->hdr, 0, sizeof st->hdr);
  span all = {value ? value : "", value ? len : 0};

  /* strings.Split with no ';' gives one piece; if it trims to nothing the
   * header is "empty" and nothing else is said. */
  if (!memchr(all.p, ';', all.n) && trim_space(all).n == 0) {
    if (st->keep_warnings)
      dt__audit_add(st->out, DT__AUDIT_HEADER_PARSE_EMPTY, NULL);
    return;
  }

  const char *p = all.p, *end = all.p + all.n;
  for (;;) {
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *stop = semi ? semi : end;
    span d = trim_space((span){p, (size_t)(stop - p)});

    if (equal_fold(d, "preload")) {
      if (st->hdr.preload)
        warn(st, 1, DT__AUDIT_HEADER_PARSE_REPEATED_PRELOAD, "`%.*s`", d);
      else
        st->hdr.preload = 1;
    } else if (has_prefix_lower(d, "preload")) {
      warn(st, 1, DT__AUDIT_HEADER_PARSE_INVALID_PRELOAD, "`%.*s`", d);
    } else if (equal_fold(d, "includesubdomains")) {
      if (st->hdr.include_subdomains)
        warn(st, 1, DT__AUDIT_HEADER_PARSE_REPEATED_INCLUDE_SUB_DOMAINS,
             "`%.*s`", d);
      else
        st->hdr.include_subdomains = 1;
    } else if (has_prefix_lower(d, "includesubdomains")) {
      warn(st, 1, DT__AUDIT_HEADER_PARSE_INVALID_INCLUDE_SUB_DOMAINS, "`%.*s`",
           d);
    } else if (has_prefix_lower(d, "max-age=")) {
      parse_max_age(st, d);
    } else if (has_prefix_lower(d, "max-age")) {
      add_unique(st->out, st->from,
                 DT__AUDIT_HEADER_PARSE_INVALID_MAX_AGE_NO_VALUE, "`%.*s`",
                 PCT_S(d));
    } else if (d.n == 0) {
      warn(st, 1, DT__AUDIT_HEADER_PARSE_EMPTY_DIRECTIVE, "%.*s", d);
    } else {
      warn(st, 0, DT__AUDIT_HEADER_PARSE_UNKNOWN_DIRECTIVE, "`%.*s`", d);
    }
    if (!semi) break;
    p = semi + 1;
  }
}

/* header.go EligibleHeader: includeSubDomains, preload, then max-age. */
static void eligible(const dt__audit_sts *h, dt__audit_policy policy,
                     dt__audit_findings *out) {
  if (!h->include_subdomains)
    dt__audit_add(out, DT__AUDIT_HEADER_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING,
                  NULL);
  if (!h->preload)
    dt__audit_add(out, DT__AUDIT_HEADER_PRELOADABLE_PRELOAD_MISSING, NULL);
  uint64_t floor = policy == DT__AUDIT_POLICY_BULK_18_WEEKS
                       ? DT__AUDIT_EIGHTEEN_WEEKS
                       : DT__AUDIT_ONE_YEAR;
  if (!h->has_max_age) {
    dt__audit_add(out, DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_MISSING, NULL);
  } else if (h->max_age < floor) {
    dt__audit_code c = h->max_age == 0
                           ? DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_ZERO
                       : policy == DT__AUDIT_POLICY_BULK_18_WEEKS
                           ? DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_BELOW_18_WEEKS
                           : DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_BELOW_1_YEAR;
    dt__audit_add(out, c, "max-age=%llu, at least %llu needed",
                  (unsigned long long)h->max_age, (unsigned long long)floor);
  } else if (h->max_age > DT__AUDIT_TEN_YEARS) {
    dt__audit_add(out, DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_OVER_10_YEARS,
                  "max-age=%llu", (unsigned long long)h->max_age);
  }
}

/* header.go RemovableHeader. */
static void removable(const dt__audit_sts *h, dt__audit_findings *out) {
  if (h->preload)
    dt__audit_add(out, DT__AUDIT_HEADER_REMOVABLE_CONTAINS_PRELOAD, NULL);
  if (!h->has_max_age)
    dt__audit_add(out, DT__AUDIT_HEADER_REMOVABLE_MISSING_MAX_AGE, NULL);
}

/* What Chromium does with the field (the first one, RFC 6797 §8.1). */
static void browser_check(const char *value, size_t len,
                          dt__audit_findings *out) {
  dt__sts_result r;
  if (dt__sts_parse(value, len, DT__STS_CHROMIUM_CAP, &r) == 0) return;
  dt__audit_add(out, DT__AUDIT_HEADER_BROWSER_REJECTED, "%s (%s) at byte %zu",
                dt__sts_code_name(r.code), dt__sts_code_message(r.code),
                r.offset);
}

static const dt__audit_header_opts default_opts = {
    DT__AUDIT_CHECK_PRELOADABLE, DT__AUDIT_POLICY_BULK_1_YEAR, 1};

int dt__audit_sts_value(const char *value, size_t len,
                        const dt__audit_header_opts *opts,
                        dt__audit_sts *parsed, dt__audit_findings *out) {
  if (!out) return DT_EINVAL;
  if (!opts) opts = &default_opts;
  if (!value) len = 0;
  parse_state st = {
      out, out->count, opts->check != DT__AUDIT_CHECK_REMOVABLE, {0, 0, 0, 0}};
  parse_header(&st, value, len);
  if (opts->check == DT__AUDIT_CHECK_PRELOADABLE)
    eligible(&st.hdr, opts->policy, out);
  else if (opts->check == DT__AUDIT_CHECK_REMOVABLE)
    removable(&st.hdr, out);
  if (opts->browser_checks) browser_check(value ? value : "", len, out);
  if (parsed) *parsed = st.hdr;
  return 0;
}

int dt__audit_sts_header_ex(const char *const *values, const size_t *lens,
                            size_t nvalues, const dt__audit_header_opts *opts,
                            dt__audit_sts *parsed, dt__audit_findings *out) {
  if (!out || (!values && nvalues)) return DT_EINVAL;
  if (!opts) opts = &default_opts;
  if (parsed) memset(parsed, 0, sizeof *parsed);
  /* response.go checkSingleHeader: none, or more than one, ends the check
   * before the header is looked at. */
  if (nvalues == 0)
    return dt__audit_add(out, DT__AUDIT_RESPONSE_NO_HEADER, NULL);
  const char *v0 = values[0] ? values[0] : "";
  size_t l0 = lens ? lens[0] : strlen(v0);
  if (!values[0]) l0 = 0;
  if (nvalues > 1) {
    dt__audit_add(out, DT__AUDIT_RESPONSE_MULTIPLE_HEADERS,
                  "%zu fields; browsers use the first: `%.*s`", nvalues,
                  (int)(l0 > 200 ? 200 : l0), v0);
    if (opts->browser_checks) browser_check(v0, l0, out);
    return 0;
  }
  return dt__audit_sts_value(v0, l0, opts, parsed, out);
}

int dt__audit_sts_header(const char *const *values, size_t nvalues,
                         dt__audit_findings *out) {
  return dt__audit_sts_header_ex(values, NULL, nvalues, NULL, NULL, out);
}
