/* test_https_upgrades.c — which http URLs HTTPS-Upgrades (Chromium) and
 * HTTPS-First (Firefox) try over https first (engine/nav/https_upgrades.c;
 * docs/https-upgrades.md), and the fallback list. */
#include "engine/nav/https_upgrades.h"

#include "dt_test.h"

#include <stdio.h>
#include <string.h>

static int eligible(dt__https_upgrades mode, const char *url,
                    const char *method, int initiated,
                    const dt__fallback_list *fb) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, strlen(url), NULL)) return -1;
  int r = dt__https_upgrades_eligible(mode, u, method, initiated, fb);
  dt_url_free(u);
  return r;
}

int main(void) {
  dt__fallback_list fb = {0};
  static const struct {
    const char *url;
    int want;
  } rows[] = {
      {"http://example.com/", 1},
      {"http://www.example.co.uk/x?y", 1},
      {"http://example.com:80/", 1},   /* the default port, explicit */
      {"http://EXAMPLE.COM./", 1},     /* canonical form */
      {"http://example.com:8080/", 0}, /* another port */
      {"https://example.com/", 0},     /* already https */
      {"http://a.test/", 0},           /* .test: not on the list */
      {"http://foo.local/", 0},
      {"http://localhost/", 0},
      {"http://sub.localhost/", 0},
      {"http://intranet/", 0},  /* one label */
      {"http://127.0.0.1/", 0}, /* IP literals */
      {"http://[::1]/", 0},
      {"http://com/", 0}, /* a public suffix itself */
      {"http://co.uk/", 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    CHECK_(eligible(DT__UPGRADES_CHROMIUM, rows[i].url, "GET", 0, &fb) ==
               rows[i].want,
           "%s: want %d", rows[i].url, rows[i].want);
  /* not a form POST; not when off (the fetch profile) */
  CHECK_INT(
      eligible(DT__UPGRADES_CHROMIUM, "http://example.com/", "POST", 0, &fb),
      0);
  CHECK_INT(eligible(DT__UPGRADES_OFF, "http://example.com/", "GET", 0, &fb),
            0);
  /* Firefox: links only; typed URLs with their scheme are not upgraded */
  CHECK_INT(eligible(DT__UPGRADES_FIREFOX_FIRST, "http://example.com/", "GET",
                     0, &fb),
            0);
  CHECK_INT(eligible(DT__UPGRADES_FIREFOX_FIRST, "http://example.com/", "GET",
                     1, &fb),
            1);
  CHECK_INT(dt__https_upgrades_status_fails(DT__UPGRADES_FIREFOX_FIRST, 404),
            1);
  CHECK_INT(dt__https_upgrades_status_fails(DT__UPGRADES_CHROMIUM, 404), 0);
  CHECK_INT(dt__https_upgrades_timeout_ms(DT__UPGRADES_CHROMIUM), 3000);
  /* a host that fell back is not tried again; the list is bounded */
  CHECK_INT(dt__fallback_add(&fb, "example.com"), 0);
  CHECK_INT(
      eligible(DT__UPGRADES_CHROMIUM, "http://example.com/", "GET", 0, &fb), 0);
  CHECK_INT(
      eligible(DT__UPGRADES_CHROMIUM, "http://www.example.com/", "GET", 0, &fb),
      1);
  char name[64];
  for (int i = 0; i < DT__FALLBACK_MAX + 10; i++) {
    snprintf(name, sizeof name, "h%d.example.org", i);
    CHECK(dt__fallback_add(&fb, name) == 0);
  }
  CHECK_INT(fb.n, DT__FALLBACK_MAX);
  CHECK(!dt__fallback_has(&fb, "example.com")); /* the oldest went */
  CHECK(dt__fallback_has(&fb, name));
  dt__fallback_clear(&fb);
  return dt_test_summary("test_https_upgrades");
}
