/* host.c — see host.h. */
#include "hsts/base/host.h"

#include "hsts/base/ascii.h"

#include <string.h>

static const struct {
  const char *tag, *msg;
} host_info[] = {
#define DT__HR_INFO(name, tag, msg) {tag, msg},
    DT__HOST_REASON_MAP(DT__HR_INFO)
#undef DT__HR_INFO
};
const char *dt__host_reason_name(dt__host_reason r) {
  return (unsigned)r < DT__HOST_REASON_COUNT ? host_info[r].tag : "unknown";
}
const char *dt__host_reason_message(dt__host_reason r) {
  return (unsigned)r < DT__HOST_REASON_COUNT ? host_info[r].msg : "unknown";
}
/* ---- canonical keys (rules 2, 3, 18–20) ---------------------------------- */
static int all_digits(const char *p, size_t n) {
  if (!n) return 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] < '0' || p[i] > '9') return 0;
  return 1;
}
static int is_hex_number(const char *p, size_t n) {
  if (n < 2 || p[0] != '0' || p[1] != 'x') return 0;
  for (size_t i = 2; i < n; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
      return 0;
  return 1;
}

/* WHATWG forbidden domain code points (ASCII part): controls, space, and
 * # % / : < > ? @ [ \ ] ^ | " DEL. A table: this runs for every byte of
 * every lookup. (':' is caught earlier as an IPv6 literal.) */
static const unsigned char forbidden[128] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1};

dt__host_reason dt__host_canon(const char *host, size_t len,
                               char out[DT_MAX_HOST_BYTES + 1],
                               size_t *out_len) {
  *out_len = 0;
  out[0] = 0;
  if (!host || len == 0) return DT__HOST_EMPTY;
  /* Rule 19: any trailing dots are ignored (curl CVE-2022-30115). */
  size_t n = len;
  while (n > 0 && host[n - 1] == '.')
    n--;
  if (n == 0) return DT__HOST_ONLY_DOTS;
  if (host[0] == '[' || memchr(host, ':', n)) return DT__HOST_IP_LITERAL;
  if (n > DT_MAX_HOST_BYTES) return DT__HOST_NAME_TOO_LONG;
  size_t label = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)host[i];
    /* Rule 18: the engine converts to A-labels first; raw UTF-8 here means
     * a caller skipped that, and would learn under one form and look up
     * under another (curl CVE-2022-42916, CVE-2022-43551). */
    if (c >= 0x80) return DT__HOST_NON_ASCII;
    c = dt__ascii_lower(c);
    if (c == '.') {
      if (label == 0) return DT__HOST_EMPTY_LABEL;
      label = 0;
    } else {
      /* WHATWG forbidden domain code points (and '.'-free controls). */
      if (forbidden[c]) return DT__HOST_BAD_CHAR;
      if (++label > DT_MAX_LABEL_BYTES) return DT__HOST_LABEL_TOO_LONG;
    }
    out[i] = (char)c;
  }
  out[n] = 0;
  /* Rule 2: a last label that is a number makes the host an IPv4 address
   * (WHATWG "ends in a number"). */
  const char *last = out + n;
  while (last > out && last[-1] != '.')
    last--;
  size_t ll = n - (size_t)(last - out);
  if (all_digits(last, ll) || is_hex_number(last, ll))
    return DT__HOST_IP_LITERAL;
  /* Rule 3: localhost and *.localhost are never HSTS hosts (Chromium M132
   * kIgnoreHSTSForLocalhost). */
  if ((n == 9 && memcmp(out, "localhost", 9) == 0) ||
      (n > 10 && memcmp(out + n - 10, ".localhost", 10) == 0))
    return DT__HOST_LOCALHOST;
  *out_len = n;
  return DT__HOST_OK;
}
