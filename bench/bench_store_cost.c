/* bench_store_cost.c — what keeping state costs a navigation (issue 18
 * item 7): the same fetch, through the public API against the loopback
 * fixture server, with an empty HSTS store and with a 100,000-entry one,
 * when every response carries a Strict-Transport-Security field that
 * changes the store.
 *
 * Each fetch is an HTTPS GET of a.test over one kept-alive connection on a
 * context with a user-data directory (the store is DIR/hsts.txt, saved
 * after every navigation that changed it, as docs/user-data.md says). The
 * routes alternate between "max-age=31536000" and "max-age=31536000;
 * includeSubDomains", so every fetch really changes the store (a repeated
 * identical header would be a no-op by Firefox's one-day rule,
 * docs/hsts-store-format.md) and every navigation has a save to wait for.
 * The time is from dt_sync_fetch's start to its return (the callback runs
 * once the navigation's changes are saved), over N fetches on each store
 * after one untimed warm-up (connection, TLS session). The two contexts are
 * open at once and take turns in blocks of 20 fetches, ROUNDS times in one
 * process, so the ratio compares like with like on a shared machine (a
 * slow moment of the disk falls on both); the median ratio is the figure.
 * Each round checks that the file holds a.test as the last response said
 * and all 100,000 others.
 * Also measured: opening (loading) the 100,000-entry store, best of 5.
 *
 *   bench_store_cost [N] [ROUNDS] [ENTRIES]   (defaults 300 5 100000; run
 *   from the build directory of a non-sanitized build made with
 *   -DDETOUR_BUILD_TESTS=ON -DDETOUR_BUILD_BENCH=ON) */
#include "detour.h"
#include "fixture_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char g_connect_to[128];
/* Fetches in a row on one context before the other context's turn. */
#define BLOCK 20

static void die(const char *what, const dt_error *e) {
  fprintf(stderr, "bench_store_cost: %s%s%s\n", what, e ? ": " : "",
          e ? e->message : "");
  exit(1);
}

/* A store file of N entries (a third with includeSubDomains) at PATH,
 * written through the public API. */
static void fill_store(const char *path, int n) {
  dt_hsts_store *s = NULL;
  dt_error e = {0};
  if (dt_hsts_store_open(&s, path, NULL, &e)) die("open to fill", &e);
  for (int i = 0; i < n; i++) {
    char h[64];
    snprintf(h, sizeof h, "h%d.bench-%d.example", i, i % 97);
    if (dt_hsts_store_add(s, h, 31536000, i % 3 == 0, &e)) die("add", &e);
  }
  if (dt_hsts_store_save(s, &e)) die("save", &e);
  dt_hsts_store_free(s);
}

/* Opening the store at PATH (the load), best of 5, in ms; its count. */
static double load_ms(const char *path, size_t *count) {
  double best = 1e9;
  for (int r = 0; r < 5; r++) {
    dt_hsts_store *s = NULL;
    dt_error e = {0};
    double t0 = now_s();
    if (dt_hsts_store_open(&s, path, NULL, &e)) die("open", &e);
    double t = (now_s() - t0) * 1e3;
    if (t < best) best = t;
    *count = dt_hsts_store_count(s);
    dt_hsts_store_free(s);
  }
  return best;
}

static int fetch_one(dt_sync *s, const char *url) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = url;
  dt_chain *c = NULL;
  int rc = dt_sync_fetch(s, &rq, &c, NULL);
  const dt_hop *h = rc ? NULL : dt_chain_hop(c, 0);
  if (!h || h->status != 200 || !h->sts || h->sts->outcome != DT_STS_NOTED)
    rc = -1;
  dt_chain_free(c);
  return rc;
}

/* A context whose user-data directory is DIR, warmed up (the connection,
 * the TLS session, the store loaded). */
static dt_sync *open_ctx(const char *dir) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.ca_file = dt_fixture_ca_file();
  o.no_preload = 1;
  o.no_https_upgrades = 1;
  o.user_data_dir = dir;
  dt_sync *s = NULL;
  if (dt_sync_new(&s, &o) ||
      dt_ctx_add_connect_to(dt_sync_ctx(s), g_connect_to))
    die("context", NULL);
  for (size_t i = 0; dt_ctx_warning(dt_sync_ctx(s), i); i++)
    die(dt_ctx_warning(dt_sync_ctx(s), i), NULL);
  if (fetch_one(s, "https://a.test/sts-b")) die("warm-up fetch", NULL);
  return s;
}

/* N fetches on S that each note a header (alternating the two routes,
 * starting after *K of them): seconds taken. */
static double fetches(dt_sync *s, int n, long *k) {
  int errors = 0;
  double t0 = now_s();
  for (int i = 0; i < n; i++, (*k)++)
    errors += fetch_one(s, *k % 2 ? "https://a.test/sts-b"
                                  : "https://a.test/sts-a") != 0;
  double t = now_s() - t0;
  if (errors) die("a fetch failed or noted nothing", NULL);
  return t;
}

/* Closes S and checks DIR's store: a.test as the last of K fetches said
 * (the warm-up's sts-b first), and WANT entries in all. */
static void close_and_check(dt_sync *s, const char *dir, long k, size_t want) {
  dt_sync_free(s);
  char path[512];
  snprintf(path, sizeof path, "%s/hsts.txt", dir);
  dt_hsts_store *st = NULL;
  dt_error e = {0};
  if (dt_hsts_store_open(&st, path, NULL, &e)) die("reopen", &e);
  dt_hsts_entry ent;
  if (!dt_hsts_store_get(st, "a.test", &ent) ||
      ent.include_subdomains != (k == 0 || (k - 1) % 2 == 1) ||
      dt_hsts_store_count(st) != want)
    die("the file does not hold what the fetches noted", NULL);
  dt_hsts_store_free(st);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 300;
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  int entries = argc > 3 ? atoi(argv[3]) : 100000;
  if (n < 1 || rounds < 1 || rounds > 64 || entries < 1) {
    fprintf(stderr, "usage: bench_store_cost [N] [ROUNDS] [ENTRIES]\n");
    return 2;
  }
  dt_fixture *fx;
  if (dt_fixture_start("route /sts-a\n"
                       "  header Strict-Transport-Security: max-age=31536000\n"
                       "  body ok\\n\n"
                       "route /sts-b\n"
                       "  header Strict-Transport-Security: max-age=31536000; "
                       "includeSubDomains\n"
                       "  body ok\\n\n",
                       &fx))
    return 1;
  snprintf(g_connect_to, sizeof g_connect_to, "a.test:443:127.0.0.1:%d",
           dt_fixture_port(fx, "https"));
  char root[] = "/tmp/detour-bench-store-XXXXXX", empty[600], full[600],
       path[700];
  if (!mkdtemp(root)) die("mkdtemp", NULL);
  snprintf(empty, sizeof empty, "%s/empty", root);
  snprintf(full, sizeof full, "%s/full", root);
  snprintf(path, sizeof path, "%s/hsts.txt", full);
  double t0 = now_s();
  fill_store(path, entries);
  printf("bench_store_cost: N=%d fetches a run, %d rounds, %d entries "
         "(store written in %.0f ms)\n",
         n, rounds, entries, (now_s() - t0) * 1e3);
  size_t count = 0;
  double load = load_ms(path, &count);
  printf("load: the %zu-entry store opens in %.1f ms (best of 5)\n", count,
         load);

  /* a.test joins the entries; the store keeps at most the default bound
   * (its least recently used entry makes room) */
  size_t want = (size_t)entries + 1;
  if (want > DT_DEFAULT_HSTS_MAX_ENTRIES) want = DT_DEFAULT_HSTS_MAX_ENTRIES;
  double ratio[64];
  for (int r = 0; r < rounds; r++) {
    /* Both contexts open at once; blocks of BLOCK fetches alternate
     * between them (which goes first alternating too), so a slow moment of
     * the machine or its disk falls on both alike. */
    dt_sync *se = open_ctx(empty), *sf = open_ctx(full);
    long ke = 0, kf = 0;
    double te = 0, tf = 0;
    for (int done = 0, b = 0; done < n; done += BLOCK, b++) {
      int m = n - done < BLOCK ? n - done : BLOCK;
      if (b % 2) {
        tf += fetches(sf, m, &kf);
        te += fetches(se, m, &ke);
      } else {
        te += fetches(se, m, &ke);
        tf += fetches(sf, m, &kf);
      }
    }
    close_and_check(se, empty, ke, 1);
    close_and_check(sf, full, kf, want);
    ratio[r] = tf / te;
    printf("round %d: empty store %.1f us/fetch, %d-entry store %.1f "
           "us/fetch, ratio %.2f\n",
           r + 1, te / n * 1e6, entries, tf / n * 1e6, ratio[r]);
    fflush(stdout);
  }
  qsort(ratio, (size_t)rounds, sizeof ratio[0], cmp_double);
  printf("ratio (full / empty): median %.2f, range %.2f-%.2f over %d rounds "
         "(goal <= 1.5)\n",
         ratio[rounds / 2], ratio[0], ratio[rounds - 1], rounds);
  printf("rerun: cd build-bench && ./bench/bench_store_cost %d %d %d\n", n,
         rounds, entries);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return dt_fixture_stop(fx) ? 1 : 0;
}
