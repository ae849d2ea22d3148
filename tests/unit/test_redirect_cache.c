/* test_redirect_cache.c — the redirect cache (engine/nav/redirect_cache.c;
 * docs/redirect-cache.md): which answers are kept and how long, lookup
 * and expiry, a navigation not served its own entries, the bound, the
 * file (round trip, damaged lines, clear, merge between processes, 20
 * writers at once, SIGKILL while saving). */
#include "engine/nav/redirect_cache.h"

#include "dt_test.h"
#include "file_proofs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1800000000000LL /* 2027-01-15 */

typedef struct row {
  const char *what, *method;
  int status;
  const char *cc, *expires, *date;
  int heuristic;
  int64_t want; /* -1 not kept, DT__RC_FOREVER, or ms from NOW */
} row;

static const row rows[] = {
    {"301, nothing said", "GET", 301, NULL, NULL, NULL, 1, DT__RC_FOREVER},
    {"308, nothing said", "GET", 308, NULL, NULL, NULL, 1, DT__RC_FOREVER},
    {"301, Firefox keeps no heuristic", "GET", 301, NULL, NULL, NULL, 0, -1},
    {"302, nothing said", "GET", 302, NULL, NULL, NULL, 1, -1},
    {"307, nothing said", "GET", 307, NULL, NULL, NULL, 1, -1},
    {"302 max-age", "GET", 302, "max-age=3600", NULL, NULL, 1, 3600000},
    {"307 max-age, private", "GET", 307, "private, max-age=60", NULL, NULL, 1,
     60000},
    {"301 max-age=0", "GET", 301, "max-age=0", NULL, NULL, 1, -1},
    {"301 no-store", "GET", 301, "no-store", NULL, NULL, 1, -1},
    {"301 no-cache", "GET", 301, "max-age=100, no-cache", NULL, NULL, 1, -1},
    {"302 Expires after Date", "GET", 302, NULL,
     "Thu, 01 Jan 2026 01:00:00 GMT", "Thu, 01 Jan 2026 00:00:00 GMT", 1,
     3600000},
    {"301 Expires in the past", "GET", 301, NULL,
     "Thu, 01 Jan 2026 00:00:00 GMT", "Thu, 01 Jan 2026 01:00:00 GMT", 1, -1},
    {"301 Expires unreadable", "GET", 301, NULL, "0", NULL, 1, -1},
    {"max-age wins over Expires", "GET", 302, "max-age=10",
     "Thu, 01 Jan 2026 01:00:00 GMT", "Thu, 01 Jan 2026 00:00:00 GMT", 1,
     10000},
    {"303 is not kept", "GET", 303, "max-age=3600", NULL, NULL, 1, -1},
    {"a POST is not kept", "POST", 301, NULL, NULL, NULL, 1, -1},
    {"HEAD is not kept", "HEAD", 301, NULL, NULL, NULL, 1, -1},
};

static void expiry(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const row *r = &rows[i];
    dt_header h[4];
    size_t n = 0;
    h[n++] = (dt_header){"Location", "/next"};
    if (r->cc) h[n++] = (dt_header){"Cache-Control", r->cc};
    if (r->expires) h[n++] = (dt_header){"Expires", r->expires};
    if (r->date) h[n++] = (dt_header){"Date", r->date};
    int64_t got = dt__rc_expiry(r->method, r->status, h, n, NOW, r->heuristic);
    int64_t want =
        r->want < 0 || r->want == DT__RC_FOREVER ? r->want : NOW + r->want;
    CHECK_(got == want, "%s: %lld, want %lld", r->what, (long long)got,
           (long long)want);
  }
  /* Age already spent counts */
  dt_header a[] = {{"Cache-Control", "max-age=100"}, {"Age", "40"}};
  CHECK_INT(dt__rc_expiry("GET", 302, a, 2, NOW, 1), NOW + 60000);
}

static void lookup(void) {
  dt__redirect_cache c = {0};
  dt_header f[] = {{"Location", "https://a.test/x"},
                   {"Cache-Control", "max-age=60"}};
  CHECK_INT(dt__rc_store(&c, "http://a.test/#frag", "GET", 302, "Found", f, 2,
                         NOW, 1, 7),
            0);
  CHECK(c.dirty);
  /* not to the navigation that stored it; to the next one, by URL without
   * its fragment */
  CHECK(dt__rc_lookup(&c, "http://a.test/", NOW, 7) == NULL);
  const dt__rc_entry *e = dt__rc_lookup(&c, "http://a.test/#other", NOW, 8);
  CHECK(e && e->status == 302 && strcmp(e->reason, "Found") == 0 &&
        e->nfields == 2 && strcmp(e->fields[0].value, "https://a.test/x") == 0);
  /* stale after its minute */
  CHECK(dt__rc_lookup(&c, "http://a.test/", NOW + 60001, 8) == NULL);
  CHECK_INT(c.n, 0);
  /* the bound: the oldest goes */
  dt_header p[] = {{"Location", "/"}};
  char url[64];
  for (int i = 0; i < DT__RC_MAX + 5; i++) {
    snprintf(url, sizeof url, "http://h%d.test/", i);
    dt__rc_store(&c, url, "GET", 301, "Moved", p, 1, NOW + i, 1, 1);
  }
  CHECK_INT(c.n, DT__RC_MAX);
  CHECK(dt__rc_lookup(&c, "http://h0.test/", NOW, 2) == NULL);
  CHECK(dt__rc_lookup(&c, url, NOW, 2) != NULL);
  /* clear a time range (stored at or after NOW + 100) */
  size_t before = c.n;
  CHECK_INT(dt__rc_clear(&c, NOW + 100, INT64_MAX), DT__RC_MAX + 5 - 100);
  CHECK_INT(c.n, before - (DT__RC_MAX + 5 - 100));
  dt__rc_free(&c);
}

static void proof_url(char *u, size_t cap, int who, int i) {
  snprintf(u, cap, "http://w%d.test/%d", who, i);
}

static int proof_step(const char *path, void **state, int who, int i) {
  dt__redirect_cache *c = *state;
  dt__file_report r;
  if (i < 0) {
    if (c) dt__rc_free(c);
    free(c);
    return 0;
  }
  if (!c) {
    *state = c = calloc(1, sizeof *c);
    if (!c || dt__rc_load(c, path, NOW, &r)) return -1;
  }
  char u[64];
  proof_url(u, sizeof u, who, i);
  dt_header f[] = {{"Location", "https://elsewhere.test/"}};
  if (dt__rc_store(c, u, "GET", 301, "Moved Permanently", f, 1, NOW, 1,
                   (uint64_t)who + 1))
    return -1;
  return dt__rc_save(c, path, NOW, &r);
}

static int proof_check(const char *path, int who, int upto, size_t *skipped) {
  dt__redirect_cache c = {0};
  dt__file_report r;
  int missing = -1;
  if (dt__rc_load(&c, path, NOW, &r) == 0) {
    *skipped = r.skipped;
    missing = 0;
    char u[64];
    for (int i = 0; i <= upto && c.n < DT__RC_MAX; i++) {
      proof_url(u, sizeof u, who, i);
      missing += dt__rc_lookup(&c, u, NOW, 0) == NULL;
    }
  }
  dt__rc_free(&c);
  return missing;
}

static void file(void) {
  char dir[] = "/tmp/dt-rcache-XXXXXX";
  if (!mkdtemp(dir)) return;
  char path[256];
  snprintf(path, sizeof path, "%s/p/redirects.txt", dir);
  dt__redirect_cache a = {0}, b = {0};
  dt_header f[] = {{"Location", "https://a.test/a b?x=1%"},
                   {"Date", "Thu, 01 Jan 2026 00:00:00 GMT"}};
  dt__rc_store(&a, "http://a.test/", "GET", 301, "Moved Permanently", f, 2, NOW,
               1, 1);
  dt__rc_store(&a, "http://b.test/", "GET", 302, "", f, 1, NOW, 1, 1); /* no */
  dt_header g[] = {{"Location", "/g"},
                   {"Set-Cookie", "sid=secret"},
                   {"Cache-Control", "max-age=600"}};
  dt__rc_store(&a, "http://c.test/", "GET", 307, "Temporary Redirect", g, 3,
               NOW, 1, 1);
  dt__file_report rep;
  CHECK_INT(dt__rc_save(&a, path, NOW, &rep), 0);
  CHECK_INT(rep.saved, 2);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK_INT(dt__rc_load(&b, path, NOW + 1000, &rep), 0);
  CHECK_INT(b.n, 2);
  const dt__rc_entry *e = dt__rc_lookup(&b, "http://a.test/", NOW, 1);
  CHECK(e && e->expires_ms == DT__RC_FOREVER &&
        strcmp(e->reason, "Moved Permanently") == 0 &&
        strcmp(e->fields[0].value, "https://a.test/a b?x=1%") == 0);
  /* Set-Cookie is not kept (nor written to the file) */
  e = dt__rc_lookup(&b, "http://c.test/", NOW, 1);
  CHECK(e && e->nfields == 2 &&
        strcmp(e->fields[1].name, "Cache-Control") == 0);
  {
    char text[4096] = "";
    FILE *fr = fopen(path, "r");
    size_t got = fr ? fread(text, 1, sizeof text - 1, fr) : 0;
    if (fr) fclose(fr);
    text[got] = 0;
    CHECK(got > 0 && strstr(text, "c.test") && !strstr(text, "secret"));
  }
  /* loaded later than its expiry: gone */
  dt__rc_free(&b);
  CHECK_INT(dt__rc_load(&b, path, NOW + 600001, &rep), 0);
  CHECK_INT(b.n, 1);
  dt__rc_free(&b);
  /* a damaged line costs that line */
  FILE *fp = fopen(path, "a");
  fputs("e 1 forever 301 http://x.test/ Moved deadbeef\n", fp);
  fclose(fp);
  CHECK_INT(dt__rc_load(&b, path, NOW, &rep), 0);
  CHECK_INT(rep.skipped, 1);
  dt__rc_free(&b);
  /* another process's save merges; entries only loaded are not written
   * back, so a clear made meanwhile stays */
  dt__redirect_cache other = {0};
  CHECK_INT(dt__rc_load(&other, path, NOW, &rep), 0);
  dt__rc_clear(&a, INT64_MIN, INT64_MAX);
  CHECK_INT(dt__rc_save(&a, path, NOW, &rep), 0); /* cleared on disk */
  dt_header h[] = {{"Location", "/h"}};
  dt__rc_store(&other, "http://d.test/", "GET", 308, "Permanent Redirect", h, 1,
               NOW, 1, 3);
  CHECK_INT(dt__rc_save(&other, path, NOW, &rep), 0);
  CHECK_INT(dt__rc_load(&b, path, NOW, &rep), 0);
  CHECK_INT(b.n, 1);
  CHECK(dt__rc_lookup(&b, "http://d.test/", NOW, 0) != NULL);
  dt__rc_free(&b);
  dt__rc_free(&other);
  dt__rc_free(&a);
  /* 20 writers at once, 40 entries each; SIGKILL while saving */
  unlink(path);
  CHECK_INT(dt_proof_concurrent(path, 20, 40, proof_step, proof_check), 0);
  unlink(path);
  CHECK_INT(dt_proof_sigkill(path, 30, proof_step, proof_check), 0);
  /* not ours */
  fp = fopen(path, "w");
  fputs("detour-hsts-store 1\n", fp);
  fclose(fp);
  CHECK_INT(dt__rc_load(&b, path, NOW, &rep), DT_ESTORE);
  dt__rc_free(&b);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {
  }
}

int main(void) {
  expiry();
  lookup();
  file();
  return dt_test_summary("test_redirect_cache");
}
