/* host.h — a host name made canonical for lookups, once (docs/hsts.md
 * rules 2, 3, 18–20): ASCII lowercase, trailing dots removed, lengths and
 * characters checked, IP literals and localhost told apart. It works on
 * ASCII (A-labels): IDNA is the engine's, before it (dt_host_canonicalize
 * in detour.h runs IDNA and then this). The HSTS store keys on it; the
 * preload lookup's own key maker must agree with it. Pure C, no
 * allocation. */
#ifndef DT_BASE_HOST_H
#define DT_BASE_HOST_H

#include <stddef.h>

#include "detour.h"

/* Why a host is not eligible (docs/hsts.md rules 2, 3, 18–20). */
#define DT__HOST_REASON_MAP(X)                                                 \
  X(OK, "ok", "eligible")                                                      \
  X(EMPTY, "empty", "the host is empty")                                       \
  X(ONLY_DOTS, "only-dots", "the host consists only of dots")                  \
  X(EMPTY_LABEL, "empty-label", "the host has an empty label")                 \
  X(LABEL_TOO_LONG, "label-too-long", "a label is longer than 63 octets")      \
  X(NAME_TOO_LONG, "name-too-long", "the host is longer than 253 octets")      \
  X(NON_ASCII, "non-ascii",                                                    \
    "the host has non-ASCII bytes (convert to IDNA A-labels first)")           \
  X(BAD_CHAR, "bad-char", "the host has a character not allowed in a domain")  \
  X(IP_LITERAL, "ip-literal", "IP literals are never HSTS hosts")              \
  X(LOCALHOST, "localhost", "localhost and *.localhost are never HSTS hosts")

typedef enum dt__host_reason {
#define DT__HR_ENUM(name, tag, msg) DT__HOST_##name,
  DT__HOST_REASON_MAP(DT__HR_ENUM)
#undef DT__HR_ENUM
      DT__HOST_REASON_COUNT
} dt__host_reason;

const char *dt__host_reason_name(dt__host_reason r);    /* "only-dots" */
const char *dt__host_reason_message(dt__host_reason r); /* a sentence */

/* Canonicalises HOST (len bytes): ASCII lowercase, trailing dots removed,
 * eligibility checked. Writes a NUL-terminated key to out (at least
 * DT_MAX_HOST_BYTES + 1 bytes) and its length to *out_len. Returns
 * DT__HOST_OK or the reason. Never allocates. */
dt__host_reason dt__host_canon(const char *host, size_t len,
                               char out[DT_MAX_HOST_BYTES + 1],
                               size_t *out_len);

#endif
