/* idna_icu.c — UTS #46 ToASCII through ICU (see idna.h). */
#include "engine/url/idna.h"
#include "hsts/base/ascii.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uidna.h>
#include <unicode/uvernum.h>

/* One UTS #46 object for the process: ICU's UIDNA is immutable once open
 * and its conversions may run on many threads at once. Never closed: it
 * lives as long as the library (as Chromium's GetUIDNA() does). */
static UIDNA *g_uidna;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void open_uidna(void) {
  UErrorCode err = U_ZERO_ERROR;
  /* UTS #46 §4: Transitional_Processing=false, CheckBidi=true,
   * CheckJoiners=true; UseSTD3ASCIIRules=false is ICU's default (no
   * UIDNA_USE_STD3_RULES). CheckHyphens and VerifyDnsLength have no ICU
   * option: their errors are masked below. */
  g_uidna = uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ |
                                UIDNA_NONTRANSITIONAL_TO_ASCII |
                                UIDNA_NONTRANSITIONAL_TO_UNICODE,
                            &err);
  if (U_FAILURE(err)) g_uidna = NULL;
}

/* The errors the URL Standard's options turn off (beStrict false):
 * CheckHyphens=false (V2, V3) and VerifyDnsLength=false (A4_1, A4_2). An
 * empty result is still a failure, below (Chromium's IDNToASCII too). */
#define IGNORED_ERRORS                                                         \
  (UIDNA_ERROR_HYPHEN_3_4 | UIDNA_ERROR_LEADING_HYPHEN |                       \
   UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_EMPTY_LABEL |                     \
   UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)

int dt__idna_icu_to_ascii(const char *d, size_t n, dt__sb *out) {
  pthread_once(&g_once, open_uidna);
  if (g_uidna == NULL) return DT_ENOMEM; /* ICU could not load its data */
  if (n > DT_DEFAULT_MAX_URL_BYTES) return DT_ELIMIT_URL;
  /* UTS #46 mapping can grow a name (one code point to several, each label
   * to an xn-- form); a first try on the stack covers every real host, the
   * second gets the exact size ICU asked for. */
  char stack[1024];
  char *buf = stack;
  int32_t cap = (int32_t)sizeof stack;
  for (int attempt = 0; attempt < 2; attempt++) {
    UErrorCode err = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    int32_t len =
        uidna_nameToASCII_UTF8(g_uidna, d, (int32_t)n, buf, cap, &info, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR && attempt == 0 && len > 0 &&
        (size_t)len <= DT__URL_MAX_BUILD) {
      buf = malloc((size_t)len + 1);
      if (buf == NULL) return DT_ENOMEM;
      cap = len + 1;
      continue;
    }
    int rc = 0;
    if (err == U_MEMORY_ALLOCATION_ERROR)
      rc = DT_ENOMEM;
    else if (U_FAILURE(err) || (info.errors & ~(uint32_t)IGNORED_ERRORS) ||
             len <= 0)
      rc = DT_EURL;
    if (rc == 0)
      for (int32_t i = 0; i < len; i++)
        dt__sb_putc(out, (char)dt__ascii_lower((unsigned char)buf[i]));
    if (buf != stack) free(buf);
    return rc;
  }
  if (buf != stack) free(buf);
  return DT_EURL;
}

const char *dt__idna_icu_version(void) {
  return "ICU " U_ICU_VERSION " (UTS #46)";
}
