/* test_https_upgrades.c — which http URLs HTTPS-Upgrades (Chromium) and
 * HTTPS-First (Firefox) try over https first (engine/nav/https_upgrades.c;
 * docs/https-upgrades.md), and the fallback list. */
#include "engine/nav/https_upgrades.h"
#include "engine/profile.h"

#include "dt_test.h"
#include "file_proofs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const dt__https_upgrades *mode(const char *profile) {
  return &dt__profile_find(profile)->https_upgrades;
}

/* A URL typed with its scheme (INPUT DT__INPUT_TYPED) unless said. */
static int eligible_as(const dt__https_upgrades *m, const char *url,
                       const char *method, dt__input input,
                       const dt__fallback_list *fb) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, strlen(url), NULL)) return -1;
  int r = dt__https_upgrades_eligible(m, u, method, input, 0, fb);
  dt_url_free(u);
  return r;
}

static int eligible(const dt__https_upgrades *m, const char *url,
                    const char *method, int initiated,
                    const dt__fallback_list *fb) {
  return eligible_as(m, url, method,
                     initiated ? DT__INPUT_LINK : DT__INPUT_TYPED, fb);
}

static int exempts(const char *profile, const char *url, dt__input input) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, strlen(url), NULL)) return -1;
  int r = dt__https_upgrades_exempts(mode(profile), u, input, 0);
  dt_url_free(u);
  return r;
}

/* Knob 11's values, one row per input and profile (docs/profiles.md,
 * docs/https-upgrades.md): the same conformance rows for all three. */
static void profile_rows(void) {
  dt__fallback_list fb;
  memset(&fb, 0, sizeof fb);
  static const struct {
    const char *profile;
    int typed, schemeless, link, post;
  } rows[] = {
      /* Chromium 156 measured: typed (with or without scheme) and links */
      {"chromium", 1, 1, 1, 0},
      /* the standards have none */
      {"fetch", 0, 0, 0, 0},
      /* Firefox ESR 153 measured: not a URL typed with http:// */
      {"firefox", 0, 1, 1, 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const dt__https_upgrades *m = mode(rows[i].profile);
    const char *u = "http://example.com/";
    CHECK_(eligible_as(m, u, "GET", DT__INPUT_TYPED, &fb) == rows[i].typed,
           "%s typed", rows[i].profile);
    CHECK_(eligible_as(m, u, "GET", DT__INPUT_SCHEMELESS, &fb) ==
               rows[i].schemeless,
           "%s scheme-less", rows[i].profile);
    CHECK_(eligible_as(m, u, "GET", DT__INPUT_LINK, &fb) == rows[i].link,
           "%s link", rows[i].profile);
    CHECK_(eligible_as(m, u, "POST", DT__INPUT_LINK, &fb) == rows[i].post,
           "%s form POST", rows[i].profile);
    /* fetch() is never upgraded (top-level loads only) */
    dt_url *pu = NULL;
    CHECK(dt_url_parse(&pu, u, strlen(u), NULL) == 0);
    CHECK_INT(dt__https_upgrades_eligible(m, pu, "GET", DT__INPUT_LINK, 1, &fb),
              0);
    dt_url_free(pu);
  }
  /* the wait before the fallback (Chromium) or the probe (Firefox) */
  CHECK_INT(mode("chromium")->wait_ms, 3000);
  CHECK_INT(mode("chromium")->probe, 0);
  CHECK_INT(mode("firefox")->wait_ms, 2200);
  CHECK_INT(mode("firefox")->probe, 1);
  /* an https error status: Firefox falls back on 4xx/5xx, Chromium shows */
  static const int statuses[] = {200, 301, 399, 400, 404, 500, 599, 600};
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    int st = statuses[i];
    CHECK_(dt__https_upgrades_status_fails(mode("firefox"), st) ==
               (st >= 400 && st <= 599),
           "firefox %d", st);
    CHECK_(dt__https_upgrades_status_fails(mode("chromium"), st) == 0,
           "chromium %d", st);
    CHECK_(dt__https_upgrades_status_fails(mode("fetch"), st) == 0, "fetch %d",
           st);
  }
  /* the exemption: Firefox's typed http:// URL exempts its host (not a
   * link's, not a non-unique name's); the others never */
  CHECK_INT(exempts("firefox", "http://example.com/", DT__INPUT_TYPED), 1);
  CHECK_INT(exempts("firefox", "http://example.com:8080/", DT__INPUT_TYPED), 1);
  CHECK_INT(exempts("firefox", "http://example.com/", DT__INPUT_LINK), 0);
  CHECK_INT(exempts("firefox", "http://example.com/", DT__INPUT_SCHEMELESS), 0);
  CHECK_INT(exempts("firefox", "https://example.com/", DT__INPUT_TYPED), 0);
  CHECK_INT(exempts("firefox", "http://a.test/", DT__INPUT_TYPED), 0);
  CHECK_INT(exempts("chromium", "http://example.com/", DT__INPUT_TYPED), 0);
  CHECK_INT(exempts("fetch", "http://example.com/", DT__INPUT_TYPED), 0);
  /* exemptions last the session in Firefox; Chromium keeps its list */
  CHECK_INT(mode("firefox")->session_exemptions, 1);
  CHECK_INT(mode("chromium")->session_exemptions, 0);
}

static void proof_host(char *h, size_t cap, int who, int i) {
  snprintf(h, cap, "w%d-%d.example.com", who, i);
}

static int proof_step(const char *path, void **state, int who, int i) {
  dt__fallback_list *l = *state;
  dt__file_report r;
  if (i < 0) {
    if (l) dt__fallback_clear(l);
    free(l);
    return 0;
  }
  if (!l) {
    *state = l = calloc(1, sizeof *l);
    if (!l || dt__fallback_load(l, path, &r)) return -1;
  }
  char h[64];
  proof_host(h, sizeof h, who, i);
  dt__fallback_add(l, h, who * 1000 + i);
  return dt__fallback_save(l, path, &r);
}

static int proof_check(const char *path, int who, int upto, size_t *skipped) {
  dt__fallback_list *l = calloc(1, sizeof *l);
  dt__file_report r;
  int missing = -1;
  if (l && dt__fallback_load(l, path, &r) == 0) {
    *skipped = r.skipped;
    missing = 0;
    char h[64];
    for (int i = 0; i <= upto && l->n < DT__FALLBACK_MAX; i++) {
      proof_host(h, sizeof h, who, i);
      missing += !dt__fallback_has(l, h);
    }
  }
  if (l) dt__fallback_clear(l);
  free(l);
  return missing;
}

/* The list's file: a round trip, damaged lines skipped, 0600; 20
 * processes saving at once lose nothing; SIGKILL during saves never leaves
 * a file that loses an acknowledged host or has a bad line. */
static void file_tests(void) {
  char dir[] = "/tmp/dt-upgrades-XXXXXX";
  if (!mkdtemp(dir)) return;
  char path[256];
  snprintf(path, sizeof path, "%s/sub/https-upgrades.txt", dir);
  dt__fallback_list a = {0}, b = {0};
  dt__file_report rep;
  CHECK_INT(dt__fallback_load(&a, path, &rep), 0); /* missing: empty */
  CHECK(rep.missing);
  dt__fallback_add(&a, "example.com", 100);
  dt__fallback_add(&a, "www.example.org", 200);
  CHECK_INT(dt__fallback_save(&a, path, &rep), 0);
  CHECK_INT(rep.saved, 2);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK_INT(dt__fallback_load(&b, path, &rep), 0);
  CHECK(b.n == 2 && dt__fallback_has(&b, "example.com") &&
        dt__fallback_has(&b, "www.example.org") && !b.dirty);
  dt__fallback_clear(&b);
  /* a damaged line costs that line */
  FILE *f = fopen(path, "a");
  fputs("f evil.example 5 deadbeef\n", f);
  fclose(f);
  CHECK_INT(dt__fallback_load(&b, path, &rep), 0);
  CHECK_INT(rep.skipped, 1);
  CHECK_INT(b.n, 2);
  dt__fallback_clear(&b);
  /* world-writable: refused */
  chmod(path, 0666);
  CHECK_INT(dt__fallback_load(&b, path, &rep), DT_ESTORE);
  CHECK(strstr(rep.message, "world-writable") != NULL);
  chmod(path, 0600);
  dt__fallback_clear(&a);
  /* a clear reaches the file, and a process that had loaded the cleared
   * hosts does not bring them back when it saves its own */
  dt__fallback_list *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
  CHECK_INT(dt__fallback_load(x, path, &rep), 0);
  CHECK_INT(dt__fallback_load(y, path, &rep), 0);
  CHECK_INT(x->n, 2);
  CHECK_INT(dt__fallback_clear_between(x, INT64_MIN, INT64_MAX), 2);
  CHECK_INT(dt__fallback_save(x, path, &rep), 0);
  dt__fallback_add(y, "new.example", 300);
  CHECK_INT(dt__fallback_save(y, path, &rep), 0);
  dt__fallback_clear(&b);
  CHECK_INT(dt__fallback_load(&b, path, &rep), 0);
  CHECK(b.n == 1 && dt__fallback_has(&b, "new.example"));
  /* a range clear keeps what is outside it */
  dt__fallback_add(x, "later.example", 5000);
  CHECK_INT(dt__fallback_save(x, path, &rep), 0);
  CHECK_INT(dt__fallback_clear_between(x, 0, 1000), 0); /* not in x's memory */
  CHECK_INT(dt__fallback_save(x, path, &rep), 0);
  dt__fallback_clear(&b);
  CHECK_INT(dt__fallback_load(&b, path, &rep), 0);
  CHECK(b.n == 1 && dt__fallback_has(&b, "later.example"));
  dt__fallback_clear(&b);
  dt__fallback_clear(x);
  dt__fallback_clear(y);
  free(x);
  free(y);
  unlink(path);

  /* 20 writers, 40 hosts each, saving after every host; SIGKILL while
   * saving (tests/support/file_proofs.h) */
  CHECK_INT(dt_proof_concurrent(path, 20, 40, proof_step, proof_check), 0);
  unlink(path);
  CHECK_INT(dt_proof_sigkill(path, 30, proof_step, proof_check), 0);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {
  }
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
    CHECK_(eligible(mode("chromium"), rows[i].url, "GET", 0, &fb) ==
               rows[i].want,
           "%s: want %d", rows[i].url, rows[i].want);
  /* not a form POST; not when off (the fetch profile) */
  CHECK_INT(eligible(mode("chromium"), "http://example.com/", "POST", 0, &fb),
            0);
  CHECK_INT(eligible(mode("fetch"), "http://example.com/", "GET", 0, &fb), 0);
  /* Firefox: links only; typed URLs with their scheme are not upgraded */
  CHECK_INT(eligible(mode("firefox"), "http://example.com/", "GET", 0, &fb), 0);
  CHECK_INT(eligible(mode("firefox"), "http://example.com/", "GET", 1, &fb), 1);
  CHECK_INT(dt__https_upgrades_status_fails(mode("firefox"), 404), 1);
  CHECK_INT(dt__https_upgrades_status_fails(mode("chromium"), 404), 0);
  /* a host that fell back is not tried again; the list is bounded */
  CHECK_INT(dt__fallback_add(&fb, "example.com", 1), 0);
  CHECK_INT(eligible(mode("chromium"), "http://example.com/", "GET", 0, &fb),
            0);
  CHECK_INT(
      eligible(mode("chromium"), "http://www.example.com/", "GET", 0, &fb), 1);
  char name[64];
  for (int i = 0; i < DT__FALLBACK_MAX + 10; i++) {
    snprintf(name, sizeof name, "h%d.example.org", i);
    CHECK(dt__fallback_add(&fb, name, 2 + i) == 0);
  }
  CHECK_INT(fb.n, DT__FALLBACK_MAX);
  CHECK(!dt__fallback_has(&fb, "example.com")); /* the oldest went */
  CHECK(dt__fallback_has(&fb, name));
  dt__fallback_clear(&fb);
  profile_rows();
  file_tests();
  return dt_test_summary("test_https_upgrades");
}
