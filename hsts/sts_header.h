/* sts_header.h — the Strict-Transport-Security header parser (RFC 6797
 * §6.1, with Chromium's strictness: net/http/http_security_headers.cc
 * ParseHSTSHeader). Pure C, no allocation: the result holds spans into the
 * caller's value.
 *
 * Rejections carry a stable code (in the spirit of Firefox's console tags
 * STSNoMaxAge, STSMultipleMaxAges, ...) and the byte offset of the problem,
 * so the CLI (`detour hsts parse`) and the audit can say why. */
#ifndef DT_HSTS_STS_HEADER_H
#define DT_HSTS_STS_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "detour.h"

/* Chromium's kMaxHSTSAgeSecs; the profile knob hsts_max_age_cap. */
#define DT__STS_CHROMIUM_CAP 31536000u
/* With cap 0 ("no cap") max-age still saturates here, so that
 * now_ms + max_age * 1000 can never overflow an int64 (rule 10). */
#define DT__STS_MAX_AGE_CEIL ((uint64_t)INT64_MAX / 1000u)
/* Unknown directive names remembered (more are counted, not kept). */
#define DT__STS_MAX_UNKNOWN 8
/* Longer header values are rejected without parsing (a bound, not a rule). */
#define DT__STS_MAX_VALUE_BYTES 8192u

/* Stable rejection codes. Never renumber; append. */
#define DT__STS_CODE_MAP(X)                                                    \
  X(OK, "STSOk", "valid header")                                               \
  X(NO_MAX_AGE, "STSNoMaxAge", "max-age directive is missing")                 \
  X(MULTIPLE_MAX_AGES, "STSMultipleMaxAges", "max-age appears more than once") \
  X(MULTIPLE_INCLUDE_SUBDOMAINS, "STSMultipleIncludeSubdomains",               \
    "includeSubDomains appears more than once")                                \
  X(INVALID_MAX_AGE, "STSInvalidMaxAge",                                       \
    "max-age value is not one or more digits")                                 \
  X(INVALID_INCLUDE_SUBDOMAINS, "STSInvalidIncludeSubdomains",                 \
    "includeSubDomains must carry no value")                                   \
  X(INVALID_DIRECTIVE, "STSInvalidDirective",                                  \
    "a directive name or value is not a token or quoted-string")               \
  X(UNTERMINATED_QUOTE, "STSUnterminatedQuote",                                \
    "a quoted-string is not closed")                                           \
  X(TOO_LONG, "STSTooLong", "header value exceeds the length limit")

typedef enum dt__sts_code {
#define DT__STS_ENUM(name, tag, msg) DT__STS_##name,
  DT__STS_CODE_MAP(DT__STS_ENUM)
#undef DT__STS_ENUM
      DT__STS_CODE_COUNT
} dt__sts_code;

typedef struct dt__sts_span {
  uint32_t off, len; /* into the parsed value */
} dt__sts_span;

typedef struct dt__sts_result {
  dt__sts_code code; /* DT__STS_OK or why the header was rejected */
  size_t offset;     /* byte offset of the problem in the value */
  uint64_t max_age;  /* seconds, after the cap (valid only when OK) */
  int clamped;       /* 1 if the cap or the ceiling applied (rule 10) */
  int include_subdomains;
  int preload; /* a `preload` directive was present (hstspreload.org) */
  unsigned unknown_count; /* unknown well-formed directives */
  dt__sts_span unknown[DT__STS_MAX_UNKNOWN]; /* names of the first few */
} dt__sts_result;

/* Parses VALUE (len bytes, need not be NUL-terminated). CAP is the profile's
 * max-age cap in seconds (0 = none beyond DT__STS_MAX_AGE_CEIL). Fills *r
 * fully in every case. Returns 0 when valid, DT_EPARSE when rejected.
 * Never allocates. */
int dt__sts_parse(const char *value, size_t len, uint64_t cap,
                  dt__sts_result *r);

/* "STSMultipleMaxAges" etc.; static strings. */
const char *dt__sts_code_name(dt__sts_code c);
const char *dt__sts_code_message(dt__sts_code c);

#endif
