/* test_hsts_store_stress.c — the store file under the two loads the store
 * promises to survive (docs/hsts-store-format.md), at full size:
 *   1. crash safety: a child saving in a loop is killed with SIGKILL at 200
 *      random moments; after each kill the file loads whole (no damaged
 *      line) and holds the old or the new state: every entry saved before
 *      is there, and the child's own entries form a gap-free prefix of what
 *      it added (the last save either happened or did not);
 *   2. concurrency: 20 processes each add 500 distinct hosts to one store at
 *      the same time, saving every 25 adds (locked reload-merge-save); all
 *      10,000 are there at the end. (curl issue 21847: parallel processes
 *      wiping each other's entries.) */
#include "dt_test.h"

#include "hsts/store.h"
#include "hsts/store_file.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILLS 200
#define NPROC 20
#define PER_PROC 500
#define SAVE_EVERY 25

static char g_dir[256];

static int64_t now_ms(void) { return dt_clock_now_ms(NULL); }

static dt__hsts_store *load(const char *path, dt__hsts_file_report *rep) {
  dt__hsts_store *s = NULL;
  if (dt__hsts_store_new(&s, 0, NULL)) return NULL;
  dt__hsts_file_load(s, path, rep);
  return s;
}

static int known(dt__hsts_store *s, const char *host) {
  return dt__hsts_store_lookup(s, host, strlen(host), NULL);
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

static void crash_safety(void) {
  char path[300];
  snprintf(path, sizeof path, "%s/kill.txt", g_dir);
  dt__hsts_store *s = NULL;
  CHECK_INT(dt__hsts_store_new(&s, 0, NULL), 0);
  for (int i = 0; i < 100; i++) {
    char h[32];
    int n = snprintf(h, sizeof h, "base%d.test", i);
    dt__hsts_store_add(s, h, (size_t)n, 1, DT__HSTS_NEVER, now_ms(), NULL);
  }
  CHECK_INT(dt__hsts_file_save(s, path, NULL), 0);
  dt__hsts_store_free(s);

  int torn = 0, lost = 0, gaps = 0, killed_mid_run = 0;
  unsigned seed = 20261129u;
  for (int round = 0; round < KILLS; round++) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      /* The child: load, add the next host, save — forever. */
      for (int i = 0;; i++) {
        dt__hsts_store *c = load(path, NULL);
        char h[48];
        int n = snprintf(h, sizeof h, "r%d-%d.test", round, i);
        dt__hsts_store_add(c, h, (size_t)n, 0, DT__HSTS_NEVER, now_ms(), NULL);
        dt__hsts_file_save(c, path, NULL);
        dt__hsts_store_free(c);
      }
    }
    seed = seed * 1103515245u + 12345u;
    sleep_us(200 + (long)((seed >> 8) % 6000)); /* 0.2–6.2 ms */
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    killed_mid_run += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
    dt__hsts_file_report rep;
    dt__hsts_store *f = load(path, &rep);
    if (rep.err || rep.skipped) torn++;
    if (!known(f, "base0.test") || !known(f, "base99.test")) lost++;
    /* The child's hosts present must be r<round>-0 .. r<round>-(k-1):
     * find the first missing one, then look well past it for a stray. */
    int k = 0;
    char h[48];
    for (;; k++) {
      snprintf(h, sizeof h, "r%d-%d.test", round, k);
      if (!known(f, h)) break;
    }
    for (int i = k + 1; i < k + 200; i++) {
      snprintf(h, sizeof h, "r%d-%d.test", round, i);
      if (known(f, h)) {
        gaps++;
        break;
      }
    }
    dt__hsts_store_free(f);
  }
  CHECK_INT(killed_mid_run, KILLS);
  CHECK_INT(torn, 0);
  CHECK_INT(lost, 0);
  CHECK_INT(gaps, 0);
  /* After 200 kills the next save still works (lock released by the
   * kernel, the dead child's temp file replaced). */
  dt__hsts_store *f = load(path, NULL);
  dt__hsts_store_add(f, "after.test", 10, 0, DT__HSTS_NEVER, now_ms(), NULL);
  CHECK_INT(dt__hsts_file_save(f, path, NULL), 0);
  dt__hsts_store_free(f);
  f = load(path, NULL);
  CHECK(known(f, "after.test"));
  printf("crash safety: %d SIGKILLs, file torn %d times, base entries lost "
         "%d times, gaps %d; %zu entries now\n",
         KILLS, torn, lost, gaps, dt__hsts_store_count(f));
  dt__hsts_store_free(f);
}

static int adder(int id, const char *path) {
  dt__hsts_store *s = NULL;
  if (dt__hsts_store_new(&s, 0, NULL)) return 1;
  int bad = 0;
  for (int i = 0; i < PER_PROC; i++) {
    char h[48];
    int n = snprintf(h, sizeof h, "p%d-h%d.test", id, i);
    dt__hsts_store_add(s, h, (size_t)n, 0, DT__HSTS_NEVER, now_ms(), NULL);
    if ((i + 1) % SAVE_EVERY == 0 && dt__hsts_file_save(s, path, NULL) != 0)
      bad++;
  }
  dt__hsts_store_free(s);
  return bad ? 1 : 0;
}

static void concurrency(void) {
  char path[300];
  snprintf(path, sizeof path, "%s/shared.txt", g_dir);
  pid_t pids[NPROC];
  fflush(NULL);
  for (int p = 0; p < NPROC; p++) {
    pids[p] = fork();
    if (pids[p] == 0) _exit(adder(p, path));
  }
  int failed = 0;
  for (int p = 0; p < NPROC; p++) {
    int st = 0;
    waitpid(pids[p], &st, 0);
    failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  CHECK_INT(failed, 0);
  dt__hsts_file_report rep;
  dt__hsts_store *s = load(path, &rep);
  CHECK_INT(rep.err, 0);
  CHECK_INT(rep.skipped, 0);
  CHECK_INT(dt__hsts_store_count(s), NPROC * PER_PROC);
  int missing = 0;
  for (int p = 0; p < NPROC; p++)
    for (int i = 0; i < PER_PROC; i++) {
      char h[48];
      snprintf(h, sizeof h, "p%d-h%d.test", p, i);
      missing += !known(s, h);
    }
  CHECK_INT(missing, 0);
  printf("concurrency: %d processes x %d hosts, %zu entries in the file, %d "
         "missing\n",
         NPROC, PER_PROC, dt__hsts_store_count(s), missing);
  dt__hsts_store_free(s);
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/detour-stress-XXXXXX");
  if (!mkdtemp(g_dir)) return 1;
  crash_safety();
  concurrency();
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  return dt_test_summary("test_hsts_store_stress");
}
