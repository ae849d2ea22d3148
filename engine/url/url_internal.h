/* url_internal.h — pieces shared by engine/url/url.c (the WHATWG basic URL
 * parser, record and API) and engine/url/url_host.c (percent-encoding, the host
 * parser with IPv4/IPv6/IDNA). Internal to the engine. */
#ifndef DT_ENGINE_URL_INTERNAL_H
#define DT_ENGINE_URL_INTERNAL_H

#include "detour.h"
#include "hsts/base/buf.h"

#include <stddef.h>

/* The parser's strings are the kit's bounded buffer (hsts/base/buf.h).
 * Appends never fail loudly: past `max` bytes (0: DT__URL_MAX_BUILD) or on
 * allocation failure later appends are ignored and dt__sb_bad says which,
 * so a parse checks once at the end. */
typedef dt__buf dt__sb;
/* 0, DT_ELIMIT_URL (the bound) or DT_ENOMEM. */
static inline int dt__sb_bad(const dt__sb *s) {
  return !s->failed ? 0 : s->toobig ? DT_ELIMIT_URL : DT_ENOMEM;
}

/* Any string the parser builds is bounded: percent-encoding can triple the
 * input, so three times the input limit plus room for a base URL. */
#define DT__URL_MAX_BUILD (8u * DT_DEFAULT_MAX_URL_BYTES)

void dt__sb_free(dt__sb *s);
void dt__sb_clear(dt__sb *s);
void dt__sb_putn(dt__sb *s, const char *p, size_t n);
void dt__sb_putc(dt__sb *s, char c);
void dt__sb_puts(dt__sb *s, const char *p);
const char *dt__sb_cstr(const dt__sb *s); /* "" when empty; NUL-terminated */

/* URL Standard §1.3 percent-encode sets, each a superset of the previous
 * one except SPECIAL_QUERY/FRAGMENT, which branch off. */
typedef enum dt__pct_set {
  DT__PCT_C0,            /* C0 controls and above U+007E */
  DT__PCT_FRAGMENT,      /* C0 + space " < > ` */
  DT__PCT_QUERY,         /* C0 + space " # < > */
  DT__PCT_SPECIAL_QUERY, /* query + ' */
  DT__PCT_PATH,          /* query + ? ^ ` { } */
  DT__PCT_USERINFO,      /* path + / : ; = @ [ \ ] | */
  DT__PCT_COMPONENT      /* userinfo + $ % & + , */
} dt__pct_set;

int dt__pct_in_set(unsigned char c, dt__pct_set set);
/* Appends byte C, percent-encoded when it is in SET (a byte of a UTF-8
 * sequence is always ≥ 0x80, so it is always encoded). */
void dt__pct_put(dt__sb *s, unsigned char c, dt__pct_set set);

/* Replaces invalid UTF-8 in IN with U+FFFD (the Standard works on scalar
 * values; this is "UTF-8 decode" for byte input). Returns a new string or
 * NULL on allocation failure; *out_len gets its length. */
char *dt__utf8_sanitize(const char *in, size_t len, size_t *out_len);

/* The host parser (URL Standard §3.5). On success writes the serialized host
 * into OUT (IPv6 with brackets) and returns its kind; DT_EURL on failure,
 * DT_ENOMEM on allocation failure. An empty host is only produced by the
 * file host state, never here. */
int dt__host_parse(const char *in, size_t len, int not_special, dt__sb *out,
                   dt_host_kind *kind);

/* Why a parse failed and where (dt_url_parse_err, url_why.c): the URL
 * Standard's validation error that made it fail, and the byte of the
 * preprocessed input (C0/space trimmed, tabs and newlines removed) the
 * parser stopped at. */
typedef enum dt__url_why_code {
  DT__URL_WHY_NONE = 0,
  DT__URL_WHY_NO_SCHEME,       /* missing-scheme-non-relative-URL */
  DT__URL_WHY_HOST_MISSING,    /* host-missing */
  DT__URL_WHY_HOST_CODE_POINT, /* host-invalid-code-point, domain-invalid-
                                  code-point */
  DT__URL_WHY_HOST_INVALID,    /* an IPv4, IPv6 or IDNA failure */
  DT__URL_WHY_PORT_RANGE,      /* port-out-of-range */
  DT__URL_WHY_PORT_INVALID     /* port-invalid */
} dt__url_why_code;
typedef struct dt__url_why {
  dt__url_why_code code;
  size_t at;
} dt__url_why;
/* dt_url_parse that also says why it failed (WHY may be NULL). */
int dt__url_parse_why(dt_url **out, const char *input, size_t len,
                      const dt_url *base, dt__url_why *why);
/* The first byte of IN (LEN bytes) that a host cannot hold (a forbidden
 * host code point; for a special scheme's host also a forbidden domain
 * code point), or LEN when there is none. */
size_t dt__host_bad_byte(const char *in, size_t len, int not_special);

#endif
