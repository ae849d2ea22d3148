/* bench_cookie_jar.c — measures the cookie jar (engine/cookie/jar.c) at
 * 10,000 cookies over 2,000 sites:
 *  - Set-Cookie fields stored per second (parse, the storing rules, the
 *    index);
 *  - lookups per second — the cookies a request's URL matches, in Cookie
 *    order, with their SameSite/Secure verdicts — over a mix of URLs (80 %
 *    of the sites in the jar, on their own host, a subdomain or the www
 *    host, with paths; 20 % of sites it does not know), against a linear
 *    scan of the same cookies doing the same domain-match, path-match,
 *    Secure test and sort, in the same run; both answer the same queries
 *    and the answers are compared;
 *  - heap per cookie (mallinfo2), and the jar file's save and load.
 * Every figure printed is measured here.
 *
 *   bench_cookie_jar [DIR]   (DIR for the jar file, default /tmp)
 *
 * Build without sanitizers for meaningful numbers (docs/benchmarks.md). */
#include "engine/cookie/jar.h"
#include "engine/cookie/jar_file.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSITES 2000
#define PER_SITE 5
#define NQ 200000
#define NQ_LINEAR 20000
#define REPS 5
#define NOW 1800000000000LL

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}

static const char *const tlds[] = {"com", "org", "net", "de", "co.uk"};
static const char *const paths[] = {"/", "/app", "/app/v2", "/account",
                                    "/static"};

static void site(char *out, size_t cap, int i) {
  snprintf(out, cap, "site%d.%s", i, tlds[i % 5]);
}

static dt_url *parse(const char *s) {
  dt_url *u = NULL;
  if (dt_url_parse(&u, s, strlen(s), NULL)) {
    fprintf(stderr, "bad url %s\n", s);
    exit(1);
  }
  return u;
}

static dt__cookie_req req_of(const dt_url *u) {
  dt__cookie_req r = {0};
  r.url = u;
  r.method = "GET";
  r.secure = strcmp(dt_url_scheme(u), "https") == 0;
  r.same_site = 1;
  r.top_level = 1;
  r.lax_by_default = 1;
  r.now_ms = NOW;
  return r;
}

/* ---- the baseline: one flat array, every cookie looked at per query ---- */

typedef struct flat {
  const dt__cookie **c;
  size_t n;
} flat;

static int collect(const dt__cookie *c, void *ud) {
  flat *f = ud;
  f->c[f->n++] = c;
  return 0;
}

static int order(const void *pa, const void *pb) {
  const dt__cookie *a = *(const dt__cookie *const *)pa,
                   *b = *(const dt__cookie *const *)pb;
  size_t la = strlen(a->path), lb = strlen(b->path);
  if (la != lb) return la > lb ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The cookies a linear scan sends to U: same rules, every cookie tried. */
static size_t linear(const flat *f, const dt_url *u, const dt__cookie **out,
                     size_t cap) {
  const char *host = dt_url_get(u, DT_URL_HOSTNAME);
  const char *path = dt_url_get(u, DT_URL_PATHNAME);
  int secure = strcmp(dt_url_scheme(u), "https") == 0;
  size_t n = 0;
  for (size_t i = 0; i < f->n; i++) {
    const dt__cookie *c = f->c[i];
    int dm = c->host_only ? strcmp(host, c->domain) == 0
                          : dt__cookie_domain_match(host, c->domain);
    if (!dm || !dt__cookie_path_match(path, c->path)) continue;
    if (c->secure && !secure) continue;
    if (n < cap) out[n++] = c;
  }
  qsort(out, n, sizeof *out, order);
  return n;
}

static size_t indexed(dt__cookie_jar *j, const dt_url *u,
                      const dt__cookie **out, size_t cap) {
  dt__cookie_req r = req_of(u);
  dt__cookie_pick pk[64];
  size_t n = dt__jar_pick(j, &r, pk, 64), k = 0;
  for (size_t i = 0; i < n && i < 64; i++)
    if (!pk[i].withheld && k < cap) out[k++] = pk[i].c;
  return k;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  char buf[600], name[64];
  /* the fields: per site a host-only cookie on www, a domain cookie, two
   * with paths, one Secure */
  static char fields[NSITES * PER_SITE][128];
  static char urls[NSITES * PER_SITE][128];
  for (int i = 0; i < NSITES; i++) {
    site(name, sizeof name, i);
    for (int k = 0; k < PER_SITE; k++) {
      int x = i * PER_SITE + k;
      switch (k) {
      case 0:
        snprintf(urls[x], 128, "https://www.%s/", name);
        snprintf(fields[x], 128, "sid=%d; Path=/; Max-Age=86400", x);
        break;
      case 1:
        snprintf(urls[x], 128, "https://%s/", name);
        snprintf(fields[x], 128,
                 "pref=%d; Domain=%s; Path=/; Max-Age=86400; SameSite=Lax", x,
                 name);
        break;
      case 2:
        snprintf(urls[x], 128, "https://%s/app/login", name);
        snprintf(fields[x], 128, "app=%d; Max-Age=86400", x); /* /app */
        break;
      case 3:
        snprintf(urls[x], 128, "https://%s/account", name);
        snprintf(fields[x], 128, "acct=%d; Path=/account; Secure; HttpOnly", x);
        break;
      default:
        snprintf(urls[x], 128, "https://cdn.%s/", name);
        snprintf(fields[x], 128, "cdn=%d; Domain=%s; SameSite=None; Secure", x,
                 name);
      }
    }
  }
  struct mallinfo2 m0 = mallinfo2();
  dt__cookie_jar *j = dt__jar_new();
  dt__jar_set_bounds(j, 20000, 200); /* above 10,000: nothing evicted */
  double t0 = now_s();
  for (int x = 0; x < NSITES * PER_SITE; x++) {
    dt_url *u = parse(urls[x]);
    dt__cookie_req r = req_of(u);
    dt__cookie_set_result res;
    if (dt__jar_set(j, &r, fields[x], strlen(fields[x]), &res) ||
        res.outcome != DT__COOKIE_STORED) {
      fprintf(stderr, "not stored: %s on %s (%s)\n", fields[x], urls[x],
              dt__cookie_reason_name(res.reason));
      return 1;
    }
    dt_url_free(u);
  }
  double t_set = now_s() - t0;
  struct mallinfo2 m1 = mallinfo2();
  size_t count = dt__jar_count(j);
  printf("cookies: %zu over %d sites\n", count, NSITES);
  printf("store:   %.0f Set-Cookie fields/s (parse, rules, index; URL "
         "parsing included)\n",
         count / t_set);
  printf("memory:  %.1f B of heap per cookie (mallinfo2)\n",
         (double)(m1.uordblks - m0.uordblks) / (double)count);

  /* the queries: 80 % known sites (host, a subdomain, www; a path), 20 %
   * unknown; half over https */
  static dt_url *q[NQ];
  for (int i = 0; i < NQ; i++) {
    int known = rnd() % 10 < 8;
    int s = (int)(rnd() % NSITES) + (known ? 0 : NSITES);
    site(name, sizeof name, s);
    static const char *const sub[] = {"", "www.", "cdn.", "a.b."};
    snprintf(buf, sizeof buf, "%s://%s%s%s/x", rnd() % 2 ? "https" : "http",
             sub[rnd() % 4], name, paths[rnd() % 5]);
    q[i] = parse(buf);
  }
  flat f = {malloc(count * sizeof *f.c), 0};
  dt__jar_each(j, NOW, collect, &f);
  /* the answers agree on every baseline query */
  const dt__cookie *a[64], *b[64];
  size_t sent_total = 0;
  for (int i = 0; i < NQ_LINEAR; i++) {
    size_t na = indexed(j, q[i], a, 64), nb = linear(&f, q[i], b, 64);
    sent_total += na;
    if (na != nb || memcmp(a, b, na * sizeof *a) != 0) {
      fprintf(stderr, "answers differ for %s: %zu vs %zu\n",
              dt_url_get(q[i], DT_URL_HREF), na, nb);
      return 1;
    }
  }
  printf("check:   the jar and the linear scan agree on %d queries (%.2f "
         "cookies sent on average)\n",
         NQ_LINEAR, (double)sent_total / NQ_LINEAR);
  double best_idx = 0, best_lin = 0;
  volatile size_t sink = 0;
  for (int rep = 0; rep < REPS; rep++) {
    t0 = now_s();
    for (int i = 0; i < NQ; i++)
      sink += indexed(j, q[i], a, 64);
    double r1 = NQ / (now_s() - t0);
    t0 = now_s();
    for (int i = 0; i < NQ_LINEAR; i++)
      sink += linear(&f, q[i], b, 64);
    double r2 = NQ_LINEAR / (now_s() - t0);
    if (r1 > best_idx) best_idx = r1;
    if (r2 > best_lin) best_lin = r2;
  }
  printf("lookup:  jar %.0f lookups/s, linear scan %.0f lookups/s (best of "
         "%d): %.0fx\n",
         best_idx, best_lin, REPS, best_idx / best_lin);

  /* the file */
  char path[512];
  snprintf(path, sizeof path, "%s/bench-cookies-%d/cookies.txt", dir,
           (int)getpid());
  dt__file_report rep;
  t0 = now_s();
  if (dt__jar_save(j, path, NOW, &rep)) {
    fprintf(stderr, "save: %s\n", rep.message);
    return 1;
  }
  double t_save = now_s() - t0;
  dt__cookie_jar *k = dt__jar_new();
  dt__jar_set_bounds(k, 20000, 200);
  t0 = now_s();
  /* session cookies (acct, cdn: no Max-Age) end with the process and are
   * not written: 3 of the 5 per site are persistent */
  if (dt__jar_load(k, path, NOW, &rep) ||
      dt__jar_count(k) != (size_t)NSITES * 3) {
    fprintf(stderr, "load: %s (%zu)\n", rep.message, dt__jar_count(k));
    return 1;
  }
  double t_load = now_s() - t0;
  printf("file:    save %.1f ms (locked reload-merge, fsync), load %.1f ms, "
         "%zu persistent cookies\n",
         t_save * 1000, t_load * 1000, rep.loaded);
  unlink(path);
  snprintf(buf, sizeof buf, "%s.lock", path);
  unlink(buf);
  *strrchr(path, '/') = 0;
  rmdir(path);
  for (int i = 0; i < NQ; i++)
    dt_url_free(q[i]);
  free(f.c);
  dt__jar_free(k);
  dt__jar_free(j);
  return sink == 42 ? 2 : 0;
}
