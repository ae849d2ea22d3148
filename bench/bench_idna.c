/* bench_idna.c — the cost of IDNA per host, ICU's UTS #46 (detour's
 * default, engine/url/idna_icu.c) against libidn2 (-DDETOUR_IDNA=libidn2,
 * engine/url/idna_idn2.c), both compiled into this program and run on the
 * same names in the same run:
 *  - the backend alone on internationalised names (the ones both accept:
 *    bench_idna reports the names each refuses, which are the documented
 *    differences, not timed);
 *  - dt_host_canonicalize() — what a navigation, the HSTS store, the
 *    preload lookup and the cookie jar run on a host — on the same IDN
 *    names and on ASCII names (which never reach a backend: the URL
 *    Standard's ASCII path).
 * Each figure is the median of 7 rounds; ns per call.
 *
 *   bench_idna
 *
 * Build without sanitizers for meaningful numbers (docs/benchmarks.md). */
#include "engine/url/idna.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 7
#define CALLS 200000

static const char *const idn[] = {
    "b\xc3\xbc"
    "cher.de", /* bücher.de */
    "fa\xc3\x9f.de",
    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
    "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.jp",
    "\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc"
    "\xce\xb1.gr",
    "www.M\xc3\xbcnchen.example",
    "\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.\xd8\xa5\xd8\xae\xd8\xaa\xd8\xa8\xd8\xa7"
    "\xd8\xb1",
    "caf\xc3\xa9.fr",
    "\xed\x95\x9c\xea\xb5\xad.kr",
    "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\x80.in",
    /* UTS #46 accepts these; libidn2 (IDNA2008) refuses them */
    "\xe2\x98\x83.net",
    "\xf0\x9f\x92\xa9.la",
};
#define NIDN (sizeof idn / sizeof idn[0])

static const char *const ascii[] = {
    "www.example.com",  "Accounts.Google.COM", "a.b.c.d.example.org",
    "xn--bcher-kva.de", "localhost.",          "cdn-42.static.example.net",
};
#define NASCII (sizeof ascii / sizeof ascii[0])

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef int (*backend_fn)(const char *, size_t, dt__sb *);

static volatile size_t g_sink;

/* ns per call of FN over the names in USE (indexes into idn). */
static double time_backend(backend_fn fn, const size_t *use, size_t nuse) {
  double r[ROUNDS];
  dt__sb out = {0};
  for (int k = 0; k < ROUNDS; k++) {
    double t0 = now_ns();
    for (size_t i = 0; i < CALLS; i++) {
      const char *h = idn[use[i % nuse]];
      dt__sb_clear(&out);
      if (fn(h, strlen(h), &out) == 0) g_sink += out.len;
    }
    r[k] = (now_ns() - t0) / CALLS;
  }
  dt__sb_free(&out);
  qsort(r, ROUNDS, sizeof r[0], cmp_d);
  return r[ROUNDS / 2];
}

static double time_canon(const char *const *names, size_t n) {
  double r[ROUNDS];
  char out[256];
  for (int k = 0; k < ROUNDS; k++) {
    double t0 = now_ns();
    for (size_t i = 0; i < CALLS; i++) {
      const char *h = names[i % n];
      int rc = dt_host_canonicalize(h, strlen(h), out, sizeof out);
      if (rc > 0) g_sink += (size_t)rc;
    }
    r[k] = (now_ns() - t0) / CALLS;
  }
  qsort(r, ROUNDS, sizeof r[0], cmp_d);
  return r[ROUNDS / 2];
}

int main(void) {
  size_t both[NIDN], nboth = 0;
  dt__sb a = {0}, b = {0};
  printf("bench_idna: %s vs %s, %d calls a round, median of %d rounds\n",
         dt__idna_icu_version(), dt__idna_idn2_version(), CALLS, ROUNDS);
  printf("this build's canonicaliser runs %s\n", dt__idna_version());
  for (size_t i = 0; i < NIDN; i++) {
    dt__sb_clear(&a);
    dt__sb_clear(&b);
    int ra = dt__idna_icu_to_ascii(idn[i], strlen(idn[i]), &a);
    int rb = dt__idna_idn2_to_ascii(idn[i], strlen(idn[i]), &b);
    if (ra == 0 && rb == 0) {
      if (strcmp(dt__sb_cstr(&a), dt__sb_cstr(&b)) != 0) {
        printf("  the backends disagree on name %zu: %s vs %s\n", i,
               dt__sb_cstr(&a), dt__sb_cstr(&b));
        return 1;
      }
      both[nboth++] = i;
    } else {
      printf("  name %zu (%s): icu %s, libidn2 %s — not timed\n", i,
             ra == 0 ? dt__sb_cstr(&a) : "-", ra == 0 ? "accepts" : "refuses",
             rb == 0 ? "accepts" : "refuses");
    }
  }
  dt__sb_free(&a);
  dt__sb_free(&b);
  double icu = time_backend(dt__idna_icu_to_ascii, both, nboth);
  double idn2 = time_backend(dt__idna_idn2_to_ascii, both, nboth);
  printf("backend alone, %zu IDN names both accept (same output checked):\n",
         nboth);
  printf("  icu      %7.0f ns/name\n  libidn2  %7.0f ns/name\n", icu, idn2);
  printf("  icu / libidn2 = %.2fx the time\n", icu / idn2);
  const char *accepted[NIDN];
  for (size_t i = 0; i < nboth; i++)
    accepted[i] = idn[both[i]];
  double c_idn = time_canon(accepted, nboth);
  double c_ascii = time_canon(ascii, NASCII);
  printf("dt_host_canonicalize (%s):\n", dt__idna_version());
  printf("  IDN names   %7.0f ns/host\n  ASCII names %7.0f ns/host "
         "(no backend: the Standard's ASCII path)\n",
         c_idn, c_ascii);
  return g_sink == 0; /* keep the work */
}
