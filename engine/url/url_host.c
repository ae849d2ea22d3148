/* url_host.c — the URL Standard's host parsing and percent-encoding.
 *
 * The host parser (URL Standard §3.5) turns the text between "//" (and
 * userinfo) and the port into one of: an IPv6 address ("[...]"), an IPv4
 * address (any of the forms inet_aton accepts: hex, octal, 1-4 parts), an
 * ASCII domain (after UTS #46 processing, engine/url/idna.h), or
 * for non-special schemes an opaque host (percent-encoded as is).
 *
 * Also here: byte strings (dt__sb), the percent-encode sets of §1.3, and
 * dt_host_canonicalize(), which hsts/ and the CLI use for typed hosts. */
#include "engine/url/idna.h"
#include "engine/url/url_internal.h"
#include "hsts/base/ascii.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte strings ---------------------------------------------------------
 */

void dt__sb_free(dt__sb *s) { dt__buf_free(s); }

void dt__sb_clear(dt__sb *s) { dt__buf_clear(s); }

void dt__sb_putn(dt__sb *s, const char *p, size_t n) {
  if (!s->max) s->max = DT__URL_MAX_BUILD;
  if (n) dt__buf_put(s, p, n);
}

void dt__sb_putc(dt__sb *s, char c) { dt__sb_putn(s, &c, 1); }
void dt__sb_puts(dt__sb *s, const char *p) { dt__sb_putn(s, p, strlen(p)); }
const char *dt__sb_cstr(const dt__sb *s) { return s->p ? s->p : ""; }

/* ---- percent-encoding (URL Standard §1.3) ---------------------------------
 */

int dt__pct_in_set(unsigned char c, dt__pct_set set) {
  /* C0 control percent-encode set: C0 controls and all code points greater
   * than U+007E (here: every byte of a multi-byte UTF-8 sequence). */
  if (c < 0x20 || c > 0x7e) return 1;
  switch (set) {
  case DT__PCT_C0: return 0;
  case DT__PCT_FRAGMENT:
    return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
  case DT__PCT_SPECIAL_QUERY:
    if (c == '\'') return 1;
    /* fall through */
  case DT__PCT_QUERY:
    return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
  case DT__PCT_COMPONENT:
    if (c == '$' || c == '%' || c == '&' || c == '+' || c == ',') return 1;
    /* fall through */
  case DT__PCT_USERINFO:
    if (c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || c == '[' ||
        c == '\\' || c == ']' || c == '|')
      return 1;
    /* fall through */
  case DT__PCT_PATH:
    if (c == '?' || c == '^' || c == '`' || c == '{' || c == '}') return 1;
    return dt__pct_in_set(c, DT__PCT_QUERY);
  }
  return 0;
}

void dt__pct_put(dt__sb *s, unsigned char c, dt__pct_set set) {
  static const char hex[] = "0123456789ABCDEF";
  if (!dt__pct_in_set(c, set)) {
    dt__sb_putc(s, (char)c);
    return;
  }
  char e[3] = {'%', hex[c >> 4], hex[c & 15]};
  dt__sb_putn(s, e, 3);
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* ---- UTF-8 ------------------------------------------------------------------
 */

/* Length of the valid UTF-8 sequence at S (n bytes left), or 0 if invalid
 * (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_valid_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf)
    need = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else
    return 0;
  if (n < need) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < need; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return need;
}

char *dt__utf8_sanitize(const char *in, size_t len, size_t *out_len) {
  dt__sb s = {0};
  const unsigned char *u = (const unsigned char *)in;
  size_t i = 0;
  while (i < len) {
    size_t k = utf8_valid_len(u + i, len - i);
    if (k) {
      dt__sb_putn(&s, in + i, k);
      i += k;
    } else {
      dt__sb_puts(&s, "\xef\xbf\xbd"); /* U+FFFD for each bad byte */
      i++;
    }
  }
  if (dt__sb_bad(&s)) {
    dt__sb_free(&s);
    return NULL;
  }
  if (s.p == NULL) {
    s.p = malloc(1);
    if (s.p == NULL) return NULL;
    s.p[0] = '\0';
  }
  *out_len = s.len;
  return s.p;
}

/* ---- IPv6 (URL Standard §3.5 "IPv6 parser", "IPv6 serializer") ------------
 */

static int ipv6_parse(const char *in, size_t len, uint16_t addr[8]) {
  size_t p = 0;
  int piece = 0, compress = -1;
  memset(addr, 0, 8 * sizeof addr[0]);
#define C6 (p < len ? (unsigned char)in[p] : 0u)
  if (C6 == ':') {
    if (p + 1 >= len || in[p + 1] != ':') return DT_EURL;
    p += 2;
    compress = ++piece;
  }
  while (p < len) {
    if (piece == 8) return DT_EURL;
    if (C6 == ':') {
      if (compress >= 0) return DT_EURL;
      p++;
      compress = ++piece;
      continue;
    }
    unsigned value = 0, length = 0;
    while (length < 4 && p < len && hexval(C6) >= 0) {
      value = value * 16 + (unsigned)hexval(C6);
      p++;
      length++;
    }
    if (p < len && C6 == '.') {
      /* An embedded IPv4 address fills the last two pieces. */
      if (length == 0) return DT_EURL;
      p -= length;
      if (piece > 6) return DT_EURL;
      int seen = 0;
      while (p < len) {
        int v4 = -1;
        if (seen > 0) {
          if (C6 == '.' && seen < 4)
            p++;
          else
            return DT_EURL;
        }
        if (!(C6 >= '0' && C6 <= '9')) return DT_EURL;
        while (p < len && C6 >= '0' && C6 <= '9') {
          int d = C6 - '0';
          if (v4 < 0)
            v4 = d;
          else if (v4 == 0)
            return DT_EURL; /* no leading zeros */
          else
            v4 = v4 * 10 + d;
          if (v4 > 255) return DT_EURL;
          p++;
        }
        addr[piece] = (uint16_t)(addr[piece] * 0x100 + v4);
        seen++;
        if (seen == 2 || seen == 4) piece++;
      }
      if (seen != 4) return DT_EURL;
      break;
    } else if (p < len && C6 == ':') {
      p++;
      if (p >= len) return DT_EURL;
    } else if (p < len) {
      return DT_EURL;
    }
    addr[piece++] = (uint16_t)value;
  }
#undef C6
  if (compress >= 0) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      uint16_t t = addr[piece];
      addr[piece] = addr[compress + swaps - 1];
      addr[compress + swaps - 1] = t;
      piece--;
      swaps--;
    }
  } else if (piece != 8) {
    return DT_EURL;
  }
  return 0;
}

static void ipv6_serialize(const uint16_t a[8], dt__sb *out) {
  /* Compress the first longest run of two or more zero pieces. */
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (a[i] != 0) {
      i++;
      continue;
    }
    int j = i;
    while (j < 8 && a[j] == 0)
      j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  dt__sb_putc(out, '[');
  int ignore0 = 0;
  for (int i = 0; i < 8; i++) {
    if (ignore0 && a[i] == 0) continue;
    ignore0 = 0;
    if (i == best) {
      dt__sb_puts(out, i == 0 ? "::" : ":");
      ignore0 = 1;
      continue;
    }
    char buf[8];
    snprintf(buf, sizeof buf, "%x", a[i]);
    dt__sb_puts(out, buf);
    if (i != 7) dt__sb_putc(out, ':');
  }
  dt__sb_putc(out, ']');
}

/* ---- IPv4 (URL Standard §3.5 "IPv4 parser", "ends in a number") ---------- */

/* "IPv4 number parser": decimal, 0x hex or 0-prefixed octal. Values are
 * clamped at 2^40 so that "too big" survives without overflow. Returns 0 or
 * DT_EURL. */
static int ipv4_number(const char *s, size_t n, uint64_t *out) {
  if (n == 0) return DT_EURL;
  unsigned radix = 10;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    n -= 2;
    radix = 16;
  } else if (n >= 2 && s[0] == '0') {
    s++;
    n--;
    radix = 8;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    int d = hexval((unsigned char)s[i]);
    if (d < 0 || (unsigned)d >= radix) return DT_EURL;
    v = v * radix + (unsigned)d;
    if (v > ((uint64_t)1 << 40)) v = (uint64_t)1 << 40;
  }
  *out = v;
  return 0;
}

static int ends_in_number(const char *s, size_t n) {
  /* The last label, ignoring one trailing empty label. */
  if (n > 0 && s[n - 1] == '.') {
    n--;
    if (n == 0) return 0;
  }
  size_t start = n;
  while (start > 0 && s[start - 1] != '.')
    start--;
  const char *last = s + start;
  size_t ln = n - start;
  if (ln == 0) return 0;
  int digits = 1;
  for (size_t i = 0; i < ln; i++)
    if (last[i] < '0' || last[i] > '9') digits = 0;
  if (digits) return 1;
  uint64_t v;
  return ipv4_number(last, ln, &v) == 0;
}

static int ipv4_parse(const char *s, size_t n, uint32_t *out) {
  uint64_t num[4];
  size_t count = 0;
  if (n > 0 && s[n - 1] == '.') n--; /* one trailing dot is allowed */
  size_t i = 0;
  for (;;) {
    size_t j = i;
    while (j < n && s[j] != '.')
      j++;
    if (count == 4) return DT_EURL;
    if (ipv4_number(s + i, j - i, &num[count]) != 0) return DT_EURL;
    count++;
    if (j >= n) break;
    i = j + 1;
  }
  for (size_t k = 0; k + 1 < count; k++)
    if (num[k] > 255) return DT_EURL;
  if (num[count - 1] >= ((uint64_t)1 << (8 * (5 - count)))) return DT_EURL;
  uint64_t v = num[count - 1];
  for (size_t k = 0; k + 1 < count; k++)
    v += num[k] << (8 * (3 - k));
  *out = (uint32_t)v;
  return 0;
}

/* ---- domains ----------------------------------------------------------------
 */

/* URL Standard: forbidden host code points; forbidden domain code points add
 * C0 controls, '%' and U+007F. */
static int forbidden_host(unsigned char c) {
  return c == 0 || c == '\t' || c == '\n' || c == '\r' || c == ' ' ||
         c == '#' || c == '/' || c == ':' || c == '<' || c == '>' || c == '?' ||
         c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '|';
}

static int forbidden_domain(unsigned char c) {
  return forbidden_host(c) || c < 0x20 || c == '%' || c == 0x7f;
}

size_t dt__host_bad_byte(const char *in, size_t len, int not_special) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    /* '%' may start a percent-encoded byte, decoded before the check */
    if (not_special ? forbidden_host(c) : forbidden_domain(c) && c != '%')
      return i;
  }
  return len;
}

static void put_lower(dt__sb *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    c = (char)dt__ascii_lower((unsigned char)c);
    dt__sb_putc(out, c);
  }
}

static int is_ascii(const char *d, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)d[i] >= 0x80) return 0;
  return 1;
}

/* The backend this build links (engine/url/idna.h). */
int dt__idna_to_ascii(const char *d, size_t n, dt__sb *out) {
#ifdef DT_IDNA_LIBIDN2
  return dt__idna_idn2_to_ascii(d, n, out);
#else
  return dt__idna_icu_to_ascii(d, n, out);
#endif
}

const char *dt__idna_version(void) {
#ifdef DT_IDNA_LIBIDN2
  return dt__idna_idn2_version();
#else
  return dt__idna_icu_version();
#endif
}

/* "domain to ASCII" with beStrict false (URL Standard §3.5). Since the
 * 2025 revision an ASCII domain is only ASCII-lowercased: an "xn--" label
 * is kept as written even when it is not valid Punycode ("xn--a",
 * "xn--ls8h=", web-platform-tests toascii.json). Anything else goes through
 * UTS #46 (engine/url/idna.h), with Unicode 16.0's mapping first where the
 * system's IDNA data is older (idna_unicode16.c). */
static int domain_to_ascii(const char *d, size_t n, dt__sb *out) {
  if (is_ascii(d, n)) {
    put_lower(out, d, n);
    return 0;
  }
  if (memchr(d, '\0', n)) return DT_EURL; /* a forbidden code point */
  dt__sb newer = {0};
  int rc;
  if (dt__idna_premap(d, n, &newer)) {
    rc = dt__sb_bad(&newer);
    if (rc == 0) rc = dt__idna_to_ascii(dt__sb_cstr(&newer), newer.len, out);
  } else {
    rc = dt__idna_to_ascii(d, n, out);
  }
  dt__sb_free(&newer);
  if (rc == 0 && out->len == 0) rc = DT_EURL; /* empty result: failure */
  return rc;
}

int dt__host_parse(const char *in, size_t len, int not_special, dt__sb *out,
                   dt_host_kind *kind) {
  dt__sb_clear(out);
  /* Step 1: "[" starts an IPv6 address, which must end with "]". */
  if (len > 0 && in[0] == '[') {
    if (in[len - 1] != ']') return DT_EURL;
    uint16_t a[8];
    if (ipv6_parse(in + 1, len - 2, a) != 0) return DT_EURL;
    ipv6_serialize(a, out);
    *kind = DT_HOST_IPV6;
    return dt__sb_bad(out);
  }
  /* Step 2: non-special schemes get an opaque host, percent-encoded with
   * the C0 control set; forbidden host code points fail. */
  if (not_special) {
    for (size_t i = 0; i < len; i++)
      if (forbidden_host((unsigned char)in[i])) return DT_EURL;
    for (size_t i = 0; i < len; i++)
      dt__pct_put(out, (unsigned char)in[i], DT__PCT_C0);
    *kind = len ? DT_HOST_OPAQUE : DT_HOST_NONE;
    return dt__sb_bad(out);
  }
  if (len == 0) return DT_EURL;
  /* Steps 4-5: percent-decode, then UTF-8 decode without BOM. */
  dt__sb dec = {0};
  for (size_t i = 0; i < len; i++) {
    int h, l;
    if (in[i] == '%' && i + 2 < len &&
        (h = hexval((unsigned char)in[i + 1])) >= 0 &&
        (l = hexval((unsigned char)in[i + 2])) >= 0) {
      dt__sb_putc(&dec, (char)(h * 16 + l));
      i += 2;
    } else {
      dt__sb_putc(&dec, in[i]);
    }
  }
  if (dt__sb_bad(&dec)) {
    int err = dt__sb_bad(&dec);
    dt__sb_free(&dec);
    return err;
  }
  size_t dn = 0;
  char *domain = dt__utf8_sanitize(dt__sb_cstr(&dec), dec.len, &dn);
  dt__sb_free(&dec);
  if (domain == NULL) return DT_ENOMEM;
  /* Step 6: domain to ASCII. */
  int rc = domain_to_ascii(domain, dn, out);
  free(domain);
  if (rc != 0) return rc;
  if (dt__sb_bad(out)) return dt__sb_bad(out);
  /* Step 7: no forbidden domain code points. */
  for (size_t i = 0; i < out->len; i++)
    if (forbidden_domain((unsigned char)out->p[i])) return DT_EURL;
  /* Step 8: a domain whose last label is a number is an IPv4 address. */
  if (ends_in_number(out->p, out->len)) {
    uint32_t v4;
    if (ipv4_parse(out->p, out->len, &v4) != 0) return DT_EURL;
    char buf[16];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", (unsigned)(v4 >> 24),
             (unsigned)(v4 >> 16) & 255u, (unsigned)(v4 >> 8) & 255u,
             (unsigned)v4 & 255u);
    dt__sb_clear(out);
    dt__sb_puts(out, buf);
    *kind = DT_HOST_IPV4;
    return dt__sb_bad(out);
  }
  *kind = DT_HOST_DOMAIN;
  return 0;
}

/* ---- public: dt_host_canonicalize ------------------------------------------
 */

int dt_host_canonicalize(const char *host, size_t len, char *out, size_t cap) {
  if (host == NULL || out == NULL || cap == 0) return DT_EINVAL;
  if (len > DT_DEFAULT_MAX_URL_BYTES) return DT_ELIMIT_URL;
  dt__sb s = {0};
  dt_host_kind kind = DT_HOST_NONE;
  /* The host parser for a special scheme: IDNA, forbidden code points, and
   * the IPv4/IPv6 forms a URL would accept. */
  int rc = dt__host_parse(host, len, 0, &s, &kind);
  if (rc == 0 && (kind == DT_HOST_IPV4 || kind == DT_HOST_IPV6)) rc = DT_EINVAL;
  if (rc == 0) {
    while (s.len > 0 && s.p[s.len - 1] == '.')
      s.len--; /* "a.test." */
    if (s.len == 0)
      rc = DT_EURL;
    else if (s.len >= cap)
      rc = DT_ELIMIT_URL;
  }
  if (rc == 0) {
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    rc = (int)s.len;
  }
  dt__sb_free(&s);
  return rc;
}
