/* sts_header.c — Strict-Transport-Security parsing (RFC 6797 §6.1).
 *
 * Grammar (RFC 6797 §6.1, RFC 7230 token / quoted-string):
 *   value     = [ directive ] *( ";" [ directive ] )
 *   directive = OWS name OWS [ "=" OWS ( token / quoted-string ) OWS ]
 * Chromium's ParseHSTSHeader is the reference for strictness
 * (docs/hsts.md §2 rules 6–15): any malformed directive, known or not,
 * invalidates the whole header; unknown well-formed ones are ignored.
 *
 * A cursor walks the bytes once; a ';' inside a quoted-string does not end
 * the directive (rule 14). */
#include "hsts/sts_header.h"
#include "hsts/base/ascii.h"

#include <string.h>

static const struct {
  const char *tag, *msg;
} code_info[] = {
#define DT__STS_INFO(name, tag, msg) {tag, msg},
    DT__STS_CODE_MAP(DT__STS_INFO)
#undef DT__STS_INFO
};

const char *dt__sts_code_name(dt__sts_code c) {
  return (unsigned)c < DT__STS_CODE_COUNT ? code_info[c].tag : "STSUnknown";
}
const char *dt__sts_code_message(dt__sts_code c) {
  return (unsigned)c < DT__STS_CODE_COUNT ? code_info[c].msg : "unknown code";
}

/* RFC 7230 §3.2.6 tchar. */
static int is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return 1;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}
static int is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

static int name_is(const char *p, size_t n, const char *lit) {
  return dt__ascii_nieq(p, n, lit, strlen(lit));
}
static int name_starts(const char *p, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n > l && name_is(p, l, lit);
}

static int fail(dt__sts_result *r, dt__sts_code c, size_t off) {
  r->code = c;
  r->offset = off;
  r->max_age = 0;
  r->include_subdomains = 0;
  return DT_EPARSE;
}

/* Digits only, saturating at CEIL: overflow clamps, never wraps (rule 10;
 * Chromium's MaxAgeToLimitedInt). Returns 0 if not all digits or empty. */
static int parse_digits(const char *p, size_t n, uint64_t ceil, uint64_t *out,
                        int *saturated) {
  if (n == 0) return 0;
  uint64_t v = 0;
  *saturated = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return 0;
    unsigned d = (unsigned)(p[i] - '0');
    if (v > (ceil - d) / 10) {
      v = ceil;
      *saturated = 1;
    } else {
      v = v * 10 + d;
    }
  }
  *out = v;
  return 1;
}

int dt__sts_parse(const char *value, size_t len, uint64_t cap,
                  dt__sts_result *r) {
  memset(r, 0, sizeof *r);
  if (!value) len = 0;
  if (len > DT__STS_MAX_VALUE_BYTES)
    return fail(r, DT__STS_TOO_LONG, DT__STS_MAX_VALUE_BYTES);
  const char *p = value, *end = value + len;
  int seen_max_age = 0;
  uint64_t max_age = 0;
  int saturated = 0;

  for (;;) {
    /* One directive per iteration (rule 6: empty directives allowed). */
    while (p < end && is_ows((unsigned char)*p))
      p++;
    const char *name = p;
    while (p < end && is_tchar((unsigned char)*p))
      p++;
    size_t nlen = (size_t)(p - name);
    while (p < end && is_ows((unsigned char)*p))
      p++;
    const char *val = NULL;
    size_t vlen = 0;
    int has_value = 0, quoted = 0;
    size_t val_off = 0;
    if (p < end && *p == '=') {
      if (nlen == 0)
        return fail(r, DT__STS_INVALID_DIRECTIVE, (size_t)(p - value));
      has_value = 1;
      p++;
      while (p < end && is_ows((unsigned char)*p))
        p++;
      val_off = (size_t)(p - value);
      if (p < end && *p == '"') {
        /* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE */
        quoted = 1;
        const char *q = ++p;
        while (p < end && *p != '"') {
          if (*p == '\\') {
            if (p + 1 >= end) break;
            p++;
          } else if ((unsigned char)*p < 0x20 && *p != '\t') {
            return fail(r, DT__STS_INVALID_DIRECTIVE, (size_t)(p - value));
          }
          p++;
        }
        if (p >= end) return fail(r, DT__STS_UNTERMINATED_QUOTE, val_off);
        val = q;
        vlen = (size_t)(p - q);
        p++; /* closing quote */
      } else {
        val = p;
        while (p < end && is_tchar((unsigned char)*p))
          p++;
        vlen = (size_t)(p - val);
      }
      while (p < end && is_ows((unsigned char)*p))
        p++;
    }
    /* The directive must end here: at ';' or at the end of the value. */
    if (p < end && *p != ';') {
      dt__sts_code c = DT__STS_INVALID_DIRECTIVE;
      if (name_is(name, nlen, "max-age"))
        c = DT__STS_INVALID_MAX_AGE;
      else if (name_is(name, nlen, "includesubdomains"))
        c = DT__STS_INVALID_INCLUDE_SUBDOMAINS;
      if (*p == '"' && !has_value) c = DT__STS_INVALID_DIRECTIVE;
      return fail(r, c, (size_t)(p - value));
    }
    size_t name_off = (size_t)(name - value);

    if (nlen == 0) {
      /* Empty directive (";;"): allowed. */
    } else if (name_is(name, nlen, "max-age")) {
      /* Rule 11: a second max-age invalidates the header. */
      if (seen_max_age) return fail(r, DT__STS_MULTIPLE_MAX_AGES, name_off);
      seen_max_age = 1;
      /* Rule 9: DIGITs, optionally quoted; nothing else. */
      uint64_t ceil = DT__STS_MAX_AGE_CEIL;
      if (!has_value || !parse_digits(val, vlen, ceil, &max_age, &saturated))
        return fail(r, DT__STS_INVALID_MAX_AGE, has_value ? val_off : name_off);
      (void)quoted;
    } else if (name_is(name, nlen, "includesubdomains")) {
      /* Rule 12: no value at all, and only once (rule 11). */
      if (has_value)
        return fail(r, DT__STS_INVALID_INCLUDE_SUBDOMAINS, name_off);
      if (r->include_subdomains)
        return fail(r, DT__STS_MULTIPLE_INCLUDE_SUBDOMAINS, name_off);
      r->include_subdomains = 1;
    } else if (name_starts(name, nlen, "includesubdomains")) {
      /* Rule 12: includeSubDomainsX is a misspelt includeSubDomains, not
       * an unknown directive (docs/hsts.md). */
      return fail(r, DT__STS_INVALID_INCLUDE_SUBDOMAINS, name_off);
    } else {
      /* Rule 13: unknown directives are ignored when well-formed; an empty
       * unquoted value ("x=") is not. */
      if (has_value && !quoted && vlen == 0)
        return fail(r, DT__STS_INVALID_DIRECTIVE, val_off);
      if (name_is(name, nlen, "preload")) {
        r->preload = 1;
      } else {
        if (r->unknown_count < DT__STS_MAX_UNKNOWN) {
          r->unknown[r->unknown_count].off = (uint32_t)name_off;
          r->unknown[r->unknown_count].len = (uint32_t)nlen;
        }
        r->unknown_count++;
      }
    }
    if (p >= end) break;
    p++; /* ';' */
  }

  if (!seen_max_age) return fail(r, DT__STS_NO_MAX_AGE, len);
  /* Rule 10: clamp to the profile's cap (0 = no cap). */
  if (cap && max_age > cap) {
    max_age = cap;
    saturated = 1;
  }
  r->code = DT__STS_OK;
  r->max_age = max_age;
  r->clamped = saturated;
  return 0;
}
