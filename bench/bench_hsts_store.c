/* bench_hsts_store.c — measures the dynamic HSTS store (hsts/store.c) and
 * its file (hsts/store_file.c) at 100,000 entries:
 *  - lookups per second over a realistic mix (half hits: exact names and
 *    subdomains of includeSubDomains entries; half misses: unknown names of
 *    the same shapes), against two baselines built in the same run from
 *    the same names: a sorted array searched with bsearch/strcmp once per
 *    label suffix, and a linear scan (curl's lib/hsts.c design, on a
 *    sample of the queries because it is slow); asked both as "known?"
 *    (no decision) and with the decision (matched entry) filled in;
 *  - memory per entry, allocations per lookup;
 *  - save to a new file, load, a save of one change into the
 *    100,000-entry file (appended: the journal, hsts/base/journal.h), the
 *    same without a view (the whole file read first, as every save did
 *    before the journal), and a compaction of the file;
 *  - 32 processes saving into one file at once: nothing lost, no deletion
 *    undone (curl/curl#21847).
 * Every figure printed is measured here.
 *
 *   bench_hsts_store [DIR]   (DIR for the store file, default /tmp)
 *
 * Build without sanitizers for meaningful numbers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hsts/store_file.h"

#define NENT 100000
#define NQ 1000000
#define NQ_LINEAR 2000
#define REPS 5

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

static const char *const tlds[] = {"com", "org", "net",   "de",
                                   "io",  "dev", "co.uk", "example"};
static const char *const words[] = {"shop", "mail", "news", "cloud", "bank",
                                    "app",  "blog", "wiki", "cdn",   "login"};

/* Entry i: "<word><i>.<tld>" or "www.<word><i>.<tld>"; every third entry
 * has includeSubDomains. */
static void entry_name(char *out, size_t cap, int i) {
  snprintf(out, cap, "%s%s%d.%s", (i % 5 == 0) ? "www." : "", words[i % 10], i,
           tlds[(i / 10) % 8]);
}

/* ---- baseline 1: sorted array, bsearch per label suffix -------------------
 */
typedef struct sent {
  const char *name;
  int isd;
} sent;
static int cmp_sent(const void *a, const void *b) {
  return strcmp(((const sent *)a)->name, ((const sent *)b)->name);
}
static int cmp_key(const void *k, const void *e) {
  return strcmp(k, ((const sent *)e)->name);
}
/* Rule 22 with the same work a caller would do: lowercase a copy, then
 * one bsearch per superdomain; an exact entry or an ancestor with
 * includeSubDomains makes the host known. */
static int sorted_lookup(const sent *a, size_t n, const char *host) {
  char key[256];
  size_t l = strlen(host);
  if (l >= sizeof key) return 0;
  for (size_t i = 0; i <= l; i++) {
    char c = host[i];
    key[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
  }
  for (const char *s = key; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
    const sent *e = bsearch(s, a, n, sizeof *a, cmp_key);
    if (e && (s == key || e->isd)) return 1;
  }
  return 0;
}

/* ---- baseline 2: linear scan (curl's Curl_hsts)
 * ------------------------------ */
static int linear_lookup(const sent *a, size_t n, const char *host) {
  size_t hn = strlen(host);
  for (size_t i = 0; i < n; i++) {
    size_t nn = strlen(a[i].name);
    if (nn > hn || memcmp(host + hn - nn, a[i].name, nn) != 0) continue;
    if (nn == hn) return 1;
    if (host[hn - nn - 1] == '.' && a[i].isd) return 1;
  }
  return 0;
}

static int64_t fixed_now(void *ud) { return *(int64_t *)ud; }

/* ---- many processes, one file (curl/curl#21847) ---------------------------
 */
#define NP 32
#define ROUNDS 10
#define PER 15
static void stress_child(const char *path, int p) {
  for (int r = 0; r < ROUNDS; r++) {
    dt__hsts_store *c;
    dt__hsts_file_report rep;
    if (dt__hsts_store_new(&c, 0, NULL) || dt__hsts_file_load(c, path, &rep))
      _exit(1);
    for (int i = 0; i < PER; i++) {
      char h[64];
      int l = snprintf(h, sizeof h, "s%d-%d-%d.test", p, r, i);
      dt__hsts_store_add(c, h, (size_t)l, i & 1, DT__HSTS_NEVER,
                         dt__hsts_store_now(c), NULL);
    }
    if (p % 4 == 0 && r > 0) { /* delete one host of the previous round */
      char h[64];
      int l = snprintf(h, sizeof h, "s%d-%d-0.test", p, r - 1);
      dt__hsts_store_delete(c, h, (size_t)l);
    }
    if (dt__hsts_file_save(c, path, &rep)) _exit(1);
    dt__hsts_store_free(c);
  }
  _exit(0);
}

static void stress(const char *path) {
  double t = now_s();
  fflush(NULL);
  for (int p = 0; p < NP; p++)
    if (fork() == 0) stress_child(path, p);
  int failed = 0, st;
  while (wait(&st) > 0)
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
  double d = now_s() - t;
  dt__hsts_store *s;
  dt__hsts_file_report rep;
  dt__hsts_store_new(&s, 0, NULL);
  dt__hsts_file_load(s, path, &rep);
  int lost = 0, undone = 0;
  for (int p = 0; p < NP; p++)
    for (int r = 0; r < ROUNDS; r++)
      for (int i = 0; i < PER; i++) {
        char h[64];
        int l = snprintf(h, sizeof h, "s%d-%d-%d.test", p, r, i);
        int k = dt__hsts_store_lookup(s, h, (size_t)l, NULL);
        int deleted = p % 4 == 0 && i == 0 && r < ROUNDS - 1;
        lost += !deleted && !k;
        undone += deleted && k;
      }
  printf("%d processes x %d rounds (load, add %d, save) on one file: %.2f s, "
         "%.0f saves/s; %zu entries, lost %d, deletions undone %d, damaged "
         "lines %zu, failed processes %d\n",
         NP, ROUNDS, PER, d, NP * ROUNDS / d, dt__hsts_store_count(s), lost,
         undone, rep.skipped, failed);
  dt__hsts_store_free(s);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  int64_t now = 1700000000000;
  dt_clock clk = {fixed_now, &now};
  dt__hsts_store *s;
  if (dt__hsts_store_new(&s, NENT, &clk)) return 1;
  sent *arr = malloc(NENT * sizeof *arr);
  char(*names)[64] = malloc((size_t)NENT * 64);
  double t = now_s();
  for (int i = 0; i < NENT; i++) {
    entry_name(names[i], 64, i);
    dt__hsts_store_add(s, names[i], strlen(names[i]), i % 3 == 0,
                       now + 86400000LL * (1 + i % 365), now - i, NULL);
  }
  double t_fill = now_s() - t;
  for (int i = 0; i < NENT; i++)
    arr[i] = (sent){names[i], i % 3 == 0};
  qsort(arr, NENT, sizeof *arr, cmp_sent);

  /* The query mix. */
  char(*q)[96] = malloc((size_t)NQ * 96);
  for (int i = 0; i < NQ; i++) {
    int e = (int)(rnd() % NENT);
    switch (rnd() % 4) {
    case 0: /* hit: the exact name, mixed case sometimes */
      snprintf(q[i], 96, "%s", names[e]);
      if (rnd() % 4 == 0) q[i][0] = (char)(q[i][0] - 32);
      break;
    case 1: /* hit: a subdomain of an includeSubDomains entry */
      e -= e % 3;
      snprintf(q[i], 96, "%s.%s", (rnd() & 1) ? "a.b" : "img", names[e]);
      break;
    case 2: /* miss: an unknown name of the same shape */
      snprintf(q[i], 96, "%s%u.%s", words[rnd() % 10], NENT + rnd() % 1000000,
               tlds[rnd() % 8]);
      break;
    default: /* miss: a subdomain of an entry without includeSubDomains */
      e = e - e % 3 + 1;
      if (e >= NENT) e = 1;
      snprintf(q[i], 96, "api.%s", names[e]);
    }
  }

  /* Allocation check and agreement with the baseline. */
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(s, &st);
  size_t allocs = st.alloc_calls;
  long hits = 0, hits_base = 0;
  for (int i = 0; i < NQ; i++) {
    hits += dt__hsts_store_lookup(s, q[i], strlen(q[i]), NULL);
    hits_base += sorted_lookup(arr, NENT, q[i]);
  }
  dt__hsts_store_get_stats(s, &st);
  if (hits != hits_base) {
    fprintf(stderr, "disagreement: store %ld hits, baseline %ld\n", hits,
            hits_base);
    return 1;
  }

  /* Two ways to ask: "known?" (no decision: what a caller that only
   * needs the upgrade asks) and with a decision filled in (the matched
   * entry copied out: what navigation asks, to show the reason). */
  double best_store = 1e9, best_dec = 1e9, best_sorted = 1e9;
  volatile long sink = 0;
  dt__hsts_decision dec;
  for (int r = 0; r < REPS; r++) {
    t = now_s();
    long h = 0;
    for (int i = 0; i < NQ; i++)
      h += dt__hsts_store_lookup(s, q[i], strlen(q[i]), NULL);
    double d = now_s() - t;
    if (d < best_store) best_store = d;
    sink += h;
    t = now_s();
    h = 0;
    for (int i = 0; i < NQ; i++)
      h += dt__hsts_store_lookup(s, q[i], strlen(q[i]), &dec);
    d = now_s() - t;
    if (d < best_dec) best_dec = d;
    sink += h;
    t = now_s();
    h = 0;
    for (int i = 0; i < NQ; i++)
      h += sorted_lookup(arr, NENT, q[i]);
    d = now_s() - t;
    if (d < best_sorted) best_sorted = d;
    sink += h;
  }
  t = now_s();
  long hl = 0;
  for (int i = 0; i < NQ_LINEAR; i++)
    hl += linear_lookup(arr, NENT, q[i]);
  double t_linear = (now_s() - t) / NQ_LINEAR;
  sink += hl;

  printf("entries: %d (includeSubDomains on 1/3), queries: %d, hits: %ld "
         "(%.1f%%)\n",
         NENT, NQ, hits, 100.0 * (double)hits / NQ);
  printf("fill: %.1f ms (%.0f ns/add)\n", t_fill * 1e3, t_fill * 1e9 / NENT);
  printf("memory: %zu bytes, %.1f B/entry; allocations during %d lookups: "
         "%zu\n",
         st.bytes, (double)st.bytes / NENT, NQ, st.alloc_calls - allocs);
  printf("store  lookup: %.2f M/s (%.0f ns/lookup), best of %d\n",
         NQ / best_store / 1e6, best_store * 1e9 / NQ, REPS);
  printf("store  lookup with decision (entry copied out): %.2f M/s (%.0f "
         "ns/lookup), best of %d\n",
         NQ / best_dec / 1e6, best_dec * 1e9 / NQ, REPS);
  printf("sorted+bsearch baseline: %.2f M/s (%.0f ns/lookup)\n",
         NQ / best_sorted / 1e6, best_sorted * 1e9 / NQ);
  printf("linear-scan baseline (curl's design, %d queries): %.3f M/s (%.0f "
         "ns/lookup)\n",
         NQ_LINEAR, 1e-6 / t_linear, t_linear * 1e9);
  printf("ratio store/sorted: %.1fx, store/linear: %.0fx\n",
         best_sorted / best_store, t_linear * NQ / best_store);

  /* ---- file: save, load, merge-save ---- */
  char path[512];
  snprintf(path, sizeof path, "%s/bench_hsts_store.%d/hsts.txt", dir,
           (int)getpid());
  dt__hsts_file_report rep;
  t = now_s();
  if (dt__hsts_file_save(s, path, &rep)) {
    fprintf(stderr, "%s\n", rep.message);
    return 1;
  }
  double t_save = now_s() - t;
  struct stat fst;
  stat(path, &fst);
  dt__hsts_store *l;
  dt__hsts_store_new(&l, NENT, &clk);
  dt__safefile_view view;
  t = now_s();
  if (dt__hsts_file_load_view(l, path, &view, &rep)) {
    fprintf(stderr, "%s\n", rep.message);
    return 1;
  }
  double t_load = now_s() - t;
  size_t loaded = rep.loaded;
  dt__hsts_store_stats lst;
  dt__hsts_store_get_stats(l, &lst);
  /* A save appends what changed (hsts/base/journal.h): with the view the
   * load left, it reads only what others appended since; without one it
   * reads the whole file, as every save did before the journal. */
  dt__hsts_store_add(l, "changed.test", 12, 1, now + 1000000, now, NULL);
  t = now_s();
  dt__hsts_file_save_view(l, path, &view, &rep);
  double t_append = now_s() - t;
  size_t appended = rep.saved;
  dt__hsts_store_add(l, "changed2.test", 13, 1, now + 1000000, now, NULL);
  t = now_s();
  dt__hsts_file_save(l, path, &rep);
  double t_noview = now_s() - t;
  t = now_s();
  dt__hsts_file_compact(l, path, &rep);
  double t_compact = now_s() - t;
  size_t compacted = rep.saved;
  printf("file: %lld bytes (%.1f B/entry)\n", (long long)fst.st_size,
         (double)fst.st_size / NENT);
  printf("save %d entries to a new file (lock, write, fsync, rename): %.1f "
         "ms\n",
         NENT, t_save * 1e3);
  printf("load %zu entries: %.1f ms (%.0f ns/entry)\n", loaded, t_load * 1e3,
         t_load * 1e9 / (double)(loaded ? loaded : 1));
  printf("memory after load: %zu bytes, %.1f B/entry (no growth slack)\n",
         lst.bytes, (double)lst.bytes / (double)(loaded ? loaded : 1));
  printf("save of one change, appended (%zu record; lock, write, fdatasync): "
         "%.2f ms\n",
         appended, t_append * 1e3);
  printf("the same without a view (the whole file read first): %.1f ms\n",
         t_noview * 1e3);
  printf("compaction of the %zu-entry file (read, merge, write, fsync, "
         "rename): %.1f ms\n",
         compacted, t_compact * 1e3);
  unlink(path);
  stress(path);
  unlink(path);
  char lock[600];
  snprintf(lock, sizeof lock, "%s.lock", path);
  unlink(lock);
  *strrchr(path, '/') = 0;
  rmdir(path);
  dt__hsts_store_free(s);
  dt__hsts_store_free(l);
  free(arr);
  free(names);
  free(q);
  return (int)(sink & 0) + 0;
}
