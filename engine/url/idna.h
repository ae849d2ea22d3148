/* idna.h — UTS #46 ToASCII for the URL Standard's "domain to ASCII"
 * (docs/url.md "IDNA"). One seam, two backends chosen at build time
 * (-DDETOUR_IDNA=icu|libidn2): ICU's UTS #46, which is what browsers run
 * (the default), and libidn2, smaller, for devices (IDNA2008, with the
 * differences docs/url.md lists).
 *
 * The caller (url_host.c) takes the Standard's ASCII fast path first, so a
 * backend only sees domains with a non-ASCII code point. Options, as the URL
 * Standard sets them with beStrict false and as Chromium's
 * url/url_idna_icu.cc passes them to ICU: non-transitional, CheckBidi and
 * CheckJoiners on, CheckHyphens, UseSTD3ASCIIRules and VerifyDnsLength off.
 * (Chromium leaves ICU's CheckJoiners flag off; the Standard and the
 * web-platform-tests want it on, and so does detour — docs/url.md.) */
#ifndef DT_ENGINE_URL_IDNA_H
#define DT_ENGINE_URL_IDNA_H

#include "engine/url/url_internal.h"

/* Appends the A-label form of the UTF-8 domain D (n bytes, valid UTF-8,
 * no NUL) to OUT, ASCII lowercase. Returns 0, DT_EURL (UTS #46 refuses it)
 * or DT_ENOMEM. */
int dt__idna_to_ascii(const char *d, size_t n, dt__sb *out);

/* Appends D to OUT with UTS #46's Unicode 16.0 mapping applied to the few
 * code points older IDNA data maps otherwise (idna_unicode16.c); returns 1
 * when anything changed. Runs before either backend. */
int dt__idna_premap(const char *d, size_t n, dt__sb *out);

/* "ICU 72.1 (Unicode 15.0)" or "libidn2 2.3.3": for `detour version`. */
const char *dt__idna_version(void);

/* Both backends by name, for bench/bench_idna.c, which measures one against
 * the other in the same run; a build links the one DETOUR_IDNA names
 * (dt__idna_to_ascii calls it). */
int dt__idna_icu_to_ascii(const char *d, size_t n, dt__sb *out);
const char *dt__idna_icu_version(void);
int dt__idna_idn2_to_ascii(const char *d, size_t n, dt__sb *out);
const char *dt__idna_idn2_version(void);

#endif
