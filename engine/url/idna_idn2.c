/* idna_idn2.c — UTS #46 ToASCII through libidn2 (see idna.h), the small
 * backend for devices (-DDETOUR_IDNA=libidn2). libidn2 implements IDNA2008
 * with UTS #46's mapping, which differs from browsers: docs/url.md lists
 * how, and tests/url-known-failures-libidn2.txt the cases it changes. */
#include "engine/url/idna.h"
#include "hsts/base/ascii.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

static void put_lower(dt__sb *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    dt__sb_putc(out, (char)dt__ascii_lower((unsigned char)s[i]));
}

static int is_ascii(const char *d, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)d[i] >= 0x80) return 0;
  return 1;
}

/* One call to libidn2; *idn_rc gets its code. */
static int idn2_one(const char *d, size_t n, dt__sb *out, int *idn_rc) {
  *idn_rc = IDN2_OK;
  char *z = malloc(n + 1);
  if (z == NULL) return DT_ENOMEM;
  memcpy(z, d, n);
  z[n] = '\0';
  char *res = NULL;
  int rc = idn2_to_ascii_8z(z, &res, IDN2_NONTRANSITIONAL);
  free(z);
  *idn_rc = rc;
  if (rc != IDN2_OK) {
    free(res);
    return rc == IDN2_MALLOC ? DT_ENOMEM : DT_EURL;
  }
  put_lower(out, res, strlen(res));
  free(res);
  return 0;
}

/* Length of a UTS #46 label separator at D (n bytes left), else 0: '.' and
 * the three full stops IDNA maps to it (U+3002, U+FF0E, U+FF61). */
static size_t full_stop(const char *d, size_t n) {
  if (d[0] == '.') return 1;
  if (n >= 3 && ((d[0] == '\xe3' && d[1] == '\x80' && d[2] == '\x82') ||
                 (d[0] == '\xef' && d[1] == '\xbc' && d[2] == '\x8e') ||
                 (d[0] == '\xef' && d[1] == '\xbd' && d[2] == '\xa1')))
    return 3;
  return 0;
}

/* libidn2 is stricter than the URL Standard's options in ways that can be
 * undone: it checks hyphens (CheckHyphens=true) and DNS lengths. When the
 * whole domain fails for one of those, each label is converted alone, so
 * ASCII labels ("-a", long ones) never meet libidn2; a non-ASCII label that
 * fails by itself stays a failure. */
int dt__idna_idn2_to_ascii(const char *d, size_t n, dt__sb *out) {
  if (memchr(d, '\0', n)) return DT_EURL;
  size_t mark = out->len;
  int idn_rc;
  int rc = idn2_one(d, n, out, &idn_rc);
  if (rc == DT_EURL &&
      (idn_rc == IDN2_HYPHEN_STARTEND || idn_rc == IDN2_2HYPHEN ||
       idn_rc == IDN2_TOO_BIG_DOMAIN || idn_rc == IDN2_TOO_BIG_LABEL)) {
    out->len = mark;
    rc = 0;
    size_t i = 0;
    for (;;) {
      size_t j = i, stop = 0;
      while (j < n && (stop = full_stop(d + j, n - j)) == 0)
        j++;
      if (is_ascii(d + i, j - i))
        put_lower(out, d + i, j - i);
      else if ((rc = idn2_one(d + i, j - i, out, &idn_rc)) != 0)
        break;
      if (j >= n) break;
      dt__sb_putc(out, '.');
      i = j + stop;
    }
  }
  return rc;
}

const char *dt__idna_idn2_version(void) { return "libidn2 " IDN2_VERSION; }
