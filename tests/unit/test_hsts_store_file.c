/* test_hsts_store_file.c — the store on disk (hsts/store_file.c): format
 * round trip, damage contained per line, refusals with path/cause/fix,
 * atomic writes, the locked reload-merge-save across processes (fork),
 * and curl's --hsts format.
 *
 * docs/hsts.md §2 rows here: rule 17 (expired entries dropped when the
 * store is loaded, and on import: curl/curl#21186), rule 19 (only the
 * canonical key is accepted from a file), rule 15/16 across processes
 * (a deletion or a later observation wins at the merge). §4 item 1
 * (curl/curl#21847, parallel runs wiping the file) is the fork test;
 * §4 item 9 (opaque permission errors) the refusal rows. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "hsts/store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dt_test.h"

static int64_t now_v = 1700000000000;
static int64_t fake_now(void *ud) { return *(int64_t *)ud; }
static dt_clock clk = {fake_now, &now_v};
static char dir[256];

static const char *pth(const char *name) {
  static char b[64][512]; /* rotating: callers keep a few at a time */
  static int k;
  k = (k + 1) % 64;
  snprintf(b[k], sizeof b[k], "%s/%s", dir, name);
  return b[k];
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *b = malloc(1 << 22);
  size_t n = fread(b, 1, (1 << 22) - 1, f);
  fclose(f);
  b[n] = 0;
  if (len) *len = n;
  return b;
}
static void spit(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}
static int mode_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}
static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* A sorted, comparable text of every live entry. */
typedef struct dumpbuf {
  char lines[2048][300];
  size_t n;
} dumpbuf;
static int dump_cb(const dt__hsts_entry *e, void *ud) {
  dumpbuf *d = ud;
  if (d->n < 2048)
    snprintf(d->lines[d->n++], 300, "%s %d %lld %lld", e->host,
             e->include_subdomains, (long long)e->expires_ms,
             (long long)e->observed_ms);
  return 0;
}
static int cmp_line(const void *a, const void *b) { return strcmp(a, b); }
static char *dump(dt__hsts_store *s) {
  static dumpbuf d;
  d.n = 0;
  dt__hsts_store_each(s, dump_cb, &d);
  qsort(d.lines, d.n, sizeof d.lines[0], cmp_line);
  size_t cap = d.n * 300 + 1, o = 0;
  char *out = malloc(cap);
  out[0] = 0;
  for (size_t i = 0; i < d.n; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s\n", d.lines[i]);
  return out;
}

static int known(dt__hsts_store *s, const char *h) {
  return dt__hsts_store_lookup(s, h, strlen(h), NULL);
}
static dt__hsts_store *fresh(void) {
  dt__hsts_store *s = NULL;
  dt__hsts_store_new(&s, 0, &clk);
  return s;
}
static dt__hsts_store *loaded(const char *path, dt__hsts_file_report *rep) {
  dt__hsts_store *s = fresh();
  dt__hsts_file_load(s, path, rep);
  return s;
}

static int rm_cb(const char *p, const struct stat *sb, int flag,
                 struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  chmod(p, 0700);
  return remove(p);
}

/* ---- fork helpers -------------------------------------------------------- */
/* Runs FN in a child; returns its exit status (0 = all its checks held). */
static int in_child(int (*fn)(void *), void *ud) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(fn(ud));
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int unreadable_child(void *ud) {
  const char *path = ud;
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
    /* A root without CAP_SETUID (some containers) cannot test this. */
    fprintf(stderr, "unreadable: skipped, cannot drop root privileges\n");
    return 0;
  }
  dt__hsts_store *s = fresh();
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_load(s, path, &rep);
  int ok = rc == DT_EIO && rep.sys_errno == EACCES &&
           strstr(rep.message, path) && strstr(rep.message, "chmod 600") &&
           dt__hsts_store_count(s) == 0;
  if (!ok) fprintf(stderr, "unreadable: rc %d: %s\n", rc, rep.message);
  dt__hsts_store_free(s);
  return ok ? 0 : 1;
}

static int disk_full_child(void *ud) {
  const char *path = ud;
  /* The file-size limit stands in for a full disk: write() fails with
   * EFBIG just as it fails with ENOSPC, through the same path. */
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit rl = {300, 300};
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 2;
  dt__hsts_store *s = loaded(path, NULL);
  for (int i = 0; i < 200; i++) {
    char h[64];
    int l = snprintf(h, sizeof h, "full%d.test", i);
    dt__hsts_store_add(s, h, (size_t)l, 1, now_v + 5000000, now_v, NULL);
  }
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_save(s, path, &rep);
  int ok = rc == DT_EIO && rep.sys_errno == EFBIG &&
           strstr(rep.message, "free space") && strstr(rep.message, dir);
  if (!ok) fprintf(stderr, "disk full: rc %d: %s\n", rc, rep.message);
  /* The journal is kept for a later try. */
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(s, &st);
  ok = ok && dt__hsts_store_count(s) >= 200;
  dt__hsts_store_free(s);
  return ok ? 0 : 1;
}

#define NPROC 8
#define ROUNDS 3
#define PER_ROUND 20
static const char *g_shared;
static int writer_child(void *ud) {
  int id = (int)(intptr_t)ud;
  int bad = 0;
  for (int r = 0; r < ROUNDS; r++) {
    dt__hsts_store *s = NULL;
    dt__hsts_store_new(&s, 0, NULL); /* the real clock: real processes */
    dt__hsts_file_report rep;
    if (dt__hsts_file_load(s, g_shared, &rep) != 0) bad = 1;
    if (id == 0 && r == 0 && dt__hsts_store_delete(s, "victim.test", 11) != 1)
      bad = 1;
    for (int i = 0; i < PER_ROUND; i++) {
      char h[64];
      int l = snprintf(h, sizeof h, "p%d-r%d-%d.test", id, r, i);
      dt__hsts_note(s, h, (size_t)l, "max-age=86400", 13, dt__hsts_store_now(s),
                    DT__STS_CHROMIUM_CAP, NULL);
    }
    if (dt__hsts_file_save(s, g_shared, &rep) != 0) {
      fprintf(stderr, "child %d: %s\n", id, rep.message);
      bad = 1;
    }
    dt__hsts_store_free(s);
  }
  return bad;
}

/* ---- tests ------------------------------------------------------------------
 */
static void test_crc_and_paths(void) {
  CHECK_INT(dt__crc32("123456789", 9), 0xcbf43926u); /* the check value */
  char out[256];
  setenv("HOME", "/home/u", 1);
  setenv("XDG_DATA_HOME", "/data", 1);
  CHECK_INT(dt__hsts_file_default_path(out, sizeof out), 0);
  CHECK_STR(out, "/data/detour/hsts.txt");
  setenv("XDG_DATA_HOME", "relative/x", 1); /* invalid per XDG: ignored */
  CHECK_INT(dt__hsts_file_default_path(out, sizeof out), 0);
  CHECK_STR(out, "/home/u/.local/share/detour/hsts.txt");
  unsetenv("XDG_DATA_HOME");
  CHECK_INT(dt__hsts_file_default_path(out, sizeof out), 0);
  CHECK_STR(out, "/home/u/.local/share/detour/hsts.txt");
  CHECK_INT(dt__hsts_file_default_path(out, 10), DT_EINVAL);
  CHECK_STR(out, "");
  unsetenv("HOME");
  CHECK_INT(dt__hsts_file_default_path(out, sizeof out), DT_EINVAL);
}

static void fill(dt__hsts_store *s, int n, const char *fmt) {
  for (int i = 0; i < n; i++) {
    char h[64];
    int l = snprintf(h, sizeof h, fmt, i);
    dt__hsts_store_add(s, h, (size_t)l, i % 2,
                       i == 3 ? DT__HSTS_NEVER : now_v + 1000000 + i, now_v - i,
                       NULL);
  }
}

static void test_round_trip(void) {
  const char *path = pth("new/sub/hsts.txt"); /* directories missing */
  dt__hsts_store *a = fresh();
  fill(a, 10, "h%d.example");
  dt__hsts_store_add(a, "Upper.Example.", 14, 1, now_v + 5, now_v, NULL);
  char *before = dump(a);
  mode_t old = umask(0); /* mode 0600 whatever the umask */
  dt__hsts_file_report rep;
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  umask(old);
  CHECK_INT(rep.saved, 11);
  CHECK_INT(mode_of(path), 0600);
  CHECK_INT(mode_of(pth("new/sub")), 0700);
  CHECK_INT(mode_of(pth("new")), 0700);
  CHECK(!exists(pth("new/sub/hsts.txt.tmp")));
  /* After a save the store's journal is empty and its content unchanged. */
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(a, &st);
  CHECK_INT(st.tombstones, 0);
  char *after = dump(a);
  CHECK_STR(after, before);
  dt__hsts_store *b = loaded(path, &rep);
  CHECK_INT(rep.err, 0);
  CHECK_INT(rep.loaded, 11);
  CHECK_INT(rep.skipped, 0);
  CHECK_INT(rep.missing, 0);
  char *back = dump(b);
  CHECK_STR(back, before);
  CHECK(known(b, "x.upper.example"));
  char *text = slurp(path, NULL);
  CHECK(strncmp(text, "detour-hsts-store 1\n", 20) == 0);
  CHECK(strstr(text, "\nh h3.example i never ") != NULL);
  free(text);
  free(before);
  free(after);
  free(back);
  dt__hsts_store_free(a);
  dt__hsts_store_free(b);

  /* Nothing changed since the last save: the file is re-read, not
   * written (same inode and size), and the store still takes other
   * processes' entries from it. A change is appended (the journal,
   * hsts/base/journal.h): the same inode, grown. */
  struct stat st1, st2;
  stat(path, &st1);
  b = loaded(path, NULL);
  dt__hsts_store *other = loaded(path, NULL);
  dt__hsts_store_add(other, "other.test", 10, 0, DT__HSTS_NEVER, now_v, NULL);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  CHECK_INT(rep.unchanged, 1);
  stat(path, &st2);
  CHECK(st1.st_ino == st2.st_ino && st1.st_size == st2.st_size);
  CHECK_INT(dt__hsts_file_save(other, path, &rep), 0);
  CHECK_INT(rep.unchanged, 0);
  stat(path, &st2);
  CHECK(st1.st_ino == st2.st_ino && st2.st_size > st1.st_size);
  CHECK(!known(b, "other.test"));
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  CHECK_INT(rep.unchanged, 1);
  CHECK(known(b, "other.test"));
  dt__hsts_store_free(b);
  dt__hsts_store_free(other);

  /* Seeing the same header again moves the expiry by less than a day:
   * not worth a rewrite (Firefox's rule). A day or more, a flipped
   * includeSubDomains, or a deletion is. */
  const char *rw = pth("rewrite.txt");
  dt__hsts_store *r1 = fresh();
  dt__hsts_note(r1, "seen.test", 9, "max-age=100000", 14, now_v,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  stat(rw, &st1);
  dt__hsts_note(r1, "seen.test", 9, "max-age=100000", 14, now_v + 3600000,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 1);
  stat(rw, &st2);
  CHECK(st1.st_ino == st2.st_ino);
  dt__hsts_note(r1, "seen.test", 9, "max-age=100000", 14,
                now_v + 2 * 86400000LL, DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 0);
  dt__hsts_note(r1, "seen.test", 9, "max-age=100000; includeSubDomains", 33,
                now_v + 2 * 86400000LL + 1, DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 0);
  CHECK_INT(dt__hsts_store_delete(r1, "unknown.test", 12), 0);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 0); /* the tombstone protects others' notes */
  CHECK_INT(dt__hsts_store_delete(r1, "unknown.test", 12), 0);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 1); /* the same deletion again: nothing new */
  now_v += 1000;
  CHECK_INT(dt__hsts_store_delete(r1, "unknown.test", 12), 0);
  CHECK_INT(dt__hsts_file_save(r1, rw, &rep), 0);
  CHECK_INT(rep.unchanged, 0); /* a later deletion time: recorded */
  now_v -= 1000;
  dt__hsts_store *r2 = loaded(rw, NULL);
  CHECK(known(r2, "a.seen.test"));
  dt__hsts_store_free(r1);
  dt__hsts_store_free(r2);

  /* The LRU order survives a save and a load: the file lists entries
   * least recently used first, so a smaller store evicts the same ones. */
  dt__hsts_store *lru = fresh();
  dt__hsts_store_add(lru, "l1.test", 7, 0, DT__HSTS_NEVER, now_v, NULL);
  dt__hsts_store_add(lru, "l2.test", 7, 0, DT__HSTS_NEVER, now_v, NULL);
  dt__hsts_store_add(lru, "l3.test", 7, 0, DT__HSTS_NEVER, now_v, NULL);
  CHECK(known(lru, "l1.test")); /* l1 is now the most recently used */
  CHECK_INT(dt__hsts_file_save(lru, pth("lru.txt"), &rep), 0);
  dt__hsts_store_free(lru);
  dt__hsts_store_new(&lru, 2, &clk);
  CHECK_INT(dt__hsts_file_load(lru, pth("lru.txt"), &rep), 0);
  CHECK_INT(dt__hsts_store_count(lru), 2);
  CHECK(!known(lru, "l2.test")); /* the least recently used went */
  CHECK(known(lru, "l3.test") && known(lru, "l1.test"));
  dt__hsts_store_free(lru);

  /* Missing file: not an error, an empty store. */
  b = loaded(pth("nothing-here.txt"), &rep);
  CHECK_INT(rep.err, 0);
  CHECK_INT(rep.missing, 1);
  CHECK_INT(dt__hsts_store_count(b), 0);
  dt__hsts_store_free(b);
  /* Empty file: an empty store, not an error. */
  spit(pth("empty.txt"), "", 0);
  chmod(pth("empty.txt"), 0600);
  b = fresh();
  CHECK_INT(dt__hsts_file_load(b, pth("empty.txt"), &rep), 0);
  CHECK_INT(rep.missing, 0);
  CHECK_INT(rep.loaded, 0);
  dt__hsts_store_free(b);
}

/* A valid file of 20 entries; returns its text (caller frees). */
static char *make_file(const char *path) {
  dt__hsts_store *a = fresh();
  fill(a, 20, "e%d.test");
  dt__hsts_file_save(a, path, NULL);
  dt__hsts_store_free(a);
  return slurp(path, NULL);
}

static void test_damage(void) {
  const char *path = pth("damage.txt");
  size_t len;
  char *good = make_file(path);
  len = strlen(good);
  /* Flip one byte in the line of e7.test: exactly that entry is lost. */
  char *bad = strdup(good);
  char *line = strstr(bad, "h e7.test ");
  CHECK(line != NULL);
  size_t lineno = 1;
  for (char *p = bad; p < line; p++)
    lineno += *p == '\n';
  line[strcspn(line, "\n") - 12] ^= 0x01; /* a digit of observed_ms */
  spit(path, bad, len);
  dt__hsts_file_report rep;
  dt__hsts_store *s = loaded(path, &rep);
  CHECK_INT(rep.err, 0);
  CHECK_INT(rep.loaded, 19);
  CHECK_INT(rep.skipped, 1);
  CHECK_INT(rep.nbad, 1);
  CHECK_INT(rep.bad_lines[0], lineno);
  CHECK(!known(s, "e7.test"));
  CHECK(known(s, "e6.test") && known(s, "e8.test"));
  dt__hsts_store_free(s);

  /* Every single-bit flip anywhere after the header costs at most one
   * entry, and never crashes. */
  size_t hdr = strchr(good, '\n') - good + 1;
  int ok = 1;
  for (size_t i = hdr; i < len; i += 7) {
    if (good[i] == '\n') continue; /* a lost separator joins two lines */
    memcpy(bad, good, len);
    bad[i] ^= 0x20;
    s = fresh();
    dt__hsts_file_load_mem(s, bad, len, &rep);
    if (rep.err || rep.loaded + rep.skipped < 19 || rep.loaded < 19 - 1 ||
        dt__hsts_store_count(s) < 19)
      ok = 0;
    dt__hsts_store_free(s);
  }
  CHECK(ok);

  /* Truncated at every byte: no crash; a cut inside a line costs that one
   * line (the checksum catches a shortened last line), reported as an
   * append cut short (rep.torn: what a crash while appending leaves), not
   * as a damaged line. */
  ok = 1;
  for (size_t cut = hdr; cut <= len; cut++) {
    s = fresh();
    int rc = dt__hsts_file_load_mem(s, good, cut, &rep);
    size_t full = 0;
    for (size_t i = hdr; i < cut; i++)
      full += good[i] == '\n';
    size_t ls = cut;
    while (ls > hdr && good[ls - 1] != '\n')
      ls--;
    /* A line cut just before its '\n' is complete: it still loads. */
    int partial = cut > hdr && good[cut - 1] != '\n' && good[ls] != '#' &&
                  cut < len && good[cut] != '\n';
    if (rc != 0 || rep.skipped != 0 || rep.torn != (size_t)partial ||
        dt__hsts_store_count(s) + (size_t)1 < full) /* the comment line */
    {
      fprintf(stderr,
              "[%.*s] cut %zu: rc %d skipped %zu torn %zu partial %d count %zu "
              "full %zu\n",
              (int)(cut - ls), good + ls, cut, rc, rep.skipped, rep.torn,
              partial, dt__hsts_store_count(s), full);
      ok = 0;
    }
    dt__hsts_store_free(s);
  }
  CHECK(ok);

  /* Garbage lines after a valid header are skipped and counted. */
  const char *mixed = "detour-hsts-store 1\n"
                      "\x01\x02\xff garbage\n"
                      "h a.test - never 1 00000000\n" /* bad checksum */
                      "# a comment\n"
                      "\n"
                      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n";
  s = fresh();
  CHECK_INT(dt__hsts_file_load_mem(s, mixed, strlen(mixed), &rep), 0);
  CHECK_INT(rep.skipped, 3);
  CHECK_INT(rep.bad_lines[0], 2);
  CHECK_INT(rep.bad_lines[1], 3);
  CHECK_INT(rep.bad_lines[2], 6);
  CHECK_INT(dt__hsts_store_count(s), 0);
  dt__hsts_store_free(s);

  /* Rule 19 / 18 in the file: a non-canonical host (even with a valid
   * checksum) is not ours and is a bad line. */
  char l1[128], l2[128], txt[512];
  snprintf(l1, sizeof l1, "h Upper.test - never 5");
  snprintf(l2, sizeof l2, "h dot.test. - never 5");
  snprintf(txt, sizeof txt, "detour-hsts-store 1\n%s %08x\n%s %08x\n", l1,
           (unsigned)dt__crc32(l1, strlen(l1)), l2,
           (unsigned)dt__crc32(l2, strlen(l2)));
  s = fresh();
  dt__hsts_file_load_mem(s, txt, strlen(txt), &rep);
  CHECK_INT(rep.skipped, 2);
  dt__hsts_store_free(s);

  /* Rule 17: expired entries in the file are dropped at load. */
  spit(path, good, len);
  now_v += 1000000 + 100; /* eN expires at now+1000000+N; e3 never */
  s = loaded(path, &rep);
  CHECK_INT(rep.expired, 19);
  CHECK_INT(rep.loaded, 1);
  CHECK(known(s, "e3.test"));
  now_v -= 1000000 + 100;
  dt__hsts_store_free(s);

  /* Not a store at all: refused whole, with path, cause and fix; the
   * store is unchanged. */
  s = fresh();
  dt__hsts_store_add(s, "mine.test", 9, 0, DT__HSTS_NEVER, now_v, NULL);
  const char garbage[] = "\x89PNG\r\n\x1a\n\x00\x00binary";
  spit(path, garbage, sizeof garbage - 1);
  CHECK_INT(dt__hsts_file_load(s, path, &rep), DT_ESTORE);
  CHECK(strstr(rep.message, path) != NULL);
  CHECK(strstr(rep.cause, "not a detour HSTS store") != NULL);
  CHECK_INT(dt__hsts_store_count(s), 1);
  /* ... and a save never overwrites it. */
  CHECK_INT(dt__hsts_file_save(s, path, &rep), DT_ESTORE);
  size_t gl;
  char *still = slurp(path, &gl);
  CHECK(gl == sizeof garbage - 1 && memcmp(still, garbage, gl) == 0);
  free(still);

  /* A newer version: a clear error naming both versions. */
  spit(path, "detour-hsts-store 2\nwhatever\n", 29);
  CHECK_INT(dt__hsts_file_load(s, path, &rep), DT_ESTORE);
  CHECK(strstr(rep.cause, "format version 2") != NULL);
  CHECK(strstr(rep.cause, "reads version 1") != NULL);
  CHECK_INT(dt__hsts_file_save(s, path, &rep), DT_ESTORE);
  still = slurp(path, &gl);
  CHECK_STR(still, "detour-hsts-store 2\nwhatever\n");
  free(still);
  CHECK_INT(dt__hsts_file_load_mem(s, "detour-hsts-store x\n", 20, &rep),
            DT_ESTORE);
  CHECK_INT(dt__hsts_store_count(s), 1);
  dt__hsts_store_free(s);
  free(good);
  free(bad);
}

static void test_refusals(void) {
  const char *path = pth("perm.txt");
  free(make_file(path));
  dt__hsts_file_report rep;
  /* World-writable: refused for loading (anyone could plant entries). */
  chmod(path, 0666);
  dt__hsts_store *s = fresh();
  CHECK_INT(dt__hsts_file_load(s, path, &rep), DT_ESTORE);
  CHECK(strstr(rep.message, path) != NULL);
  CHECK(strstr(rep.cause, "world-writable") != NULL);
  CHECK(strstr(rep.fix, "chmod o-w") != NULL);
  CHECK_INT(dt__hsts_store_count(s), 0); /* memory-only from here */
  CHECK_INT(dt__hsts_store_add(s, "x.test", 6, 0, DT__HSTS_NEVER, now_v, NULL),
            0);
  CHECK_INT(dt__hsts_file_save(s, path, &rep), DT_ESTORE);
  CHECK_INT(mode_of(path), 0666); /* not touched */
  CHECK(known(s, "x.test"));      /* the journal survives the refusal */
  chmod(path, 0600);
  CHECK_INT(dt__hsts_file_save(s, path, &rep), 0);
  dt__hsts_store_free(s);

  /* Unreadable: DT_EIO with the cause (as root, checked as nobody). */
  const char *ur = pth("unreadable/hsts.txt");
  mkdir(pth("unreadable"), 0755);
  free(make_file(ur));
  chmod(ur, 0000);
  chmod(dir, 0755);
  CHECK_INT(in_child(unreadable_child, (void *)ur), 0);
  chmod(ur, 0600);

  /* A directory that cannot be created: the path is under a file. */
  spit(pth("plainfile"), "x", 1);
  s = fresh();
  dt__hsts_store_add(s, "y.test", 6, 0, DT__HSTS_NEVER, now_v, NULL);
  const char *bad = pth("plainfile/sub/hsts.txt");
  CHECK_INT(dt__hsts_file_save(s, bad, &rep), DT_EIO);
  CHECK_INT(rep.sys_errno, ENOTDIR);
  CHECK(strstr(rep.message, bad) != NULL);
  CHECK(strstr(rep.cause, "directory") != NULL);
  CHECK(strstr(rep.fix, "mkdir -p") != NULL);
  /* A directory as the store path. */
  CHECK_INT(dt__hsts_file_load(s, dir, &rep), DT_ESTORE);
  CHECK(strstr(rep.cause, "regular file") != NULL);
  /* A FIFO at the path must not hang the open. */
  CHECK_INT(mkfifo(pth("fifo.txt"), 0600), 0);
  CHECK_INT(dt__hsts_file_load(s, pth("fifo.txt"), &rep), DT_ESTORE);
  CHECK(strstr(rep.cause, "regular file") != NULL);
  CHECK_INT(dt__hsts_file_save(s, "", &rep), DT_EINVAL);
  dt__hsts_store_free(s);

  /* A lock held too long (a hung process): the save gives up with
   * DT_ESTORE, writes nothing and keeps the journal for the next try. */
  const char *lp = pth("locked.txt");
  char *before = make_file(lp);
  char lockp[600];
  snprintf(lockp, sizeof lockp, "%s.lock", lp);
  int lfd = open(lockp, O_RDWR);
  CHECK(lfd >= 0);
  CHECK_INT(flock(lfd, LOCK_EX), 0);
  dt__hsts_file_set_lock_wait(100);
  s = loaded(lp, NULL);
  dt__hsts_store_add(s, "waiting.test", 12, 0, DT__HSTS_NEVER, now_v, NULL);
  CHECK_INT(dt__hsts_file_save(s, lp, &rep), DT_ESTORE);
  CHECK(strstr(rep.cause, "held the lock") != NULL);
  CHECK(strstr(rep.message, lp) != NULL);
  char *after = slurp(lp, NULL);
  CHECK_STR(after, before);
  free(after);
  close(lfd); /* releases the lock */
  CHECK_INT(dt__hsts_file_save(s, lp, &rep), 0);
  dt__hsts_store_free(s);
  s = loaded(lp, NULL);
  CHECK(known(s, "waiting.test"));
  dt__hsts_store_free(s);
  free(before);
  dt__hsts_file_set_lock_wait(DT__HSTS_FILE_LOCK_WAIT_MS);

  /* Disk full during the write: DT_EIO, the old file unchanged, no temp. */
  const char *df = pth("full.txt");
  char *orig = make_file(df);
  CHECK_INT(in_child(disk_full_child, (void *)df), 0);
  char *now_text = slurp(df, NULL);
  CHECK_STR(now_text, orig);
  CHECK(!exists(pth("full.txt.tmp")));
  free(orig);
  free(now_text);
}

static void test_crash_safety(void) {
  const char *path = pth("crash.txt");
  char *orig = make_file(path);
  /* A writer "crashed" after writing half a temp file: readers ignore it. */
  spit(pth("crash.txt.tmp"), "detour-hsts-store 1\nh half", 26);
  dt__hsts_file_report rep;
  dt__hsts_store *s = loaded(path, &rep);
  CHECK_INT(rep.loaded, 20);
  CHECK_INT(rep.skipped, 0);
  /* A save with the stale temp in place replaces it and succeeds. */
  dt__hsts_store_add(s, "after.test", 10, 0, DT__HSTS_NEVER, now_v, NULL);
  CHECK_INT(dt__hsts_file_save(s, path, &rep), 0);
  CHECK(!exists(pth("crash.txt.tmp")));
  dt__hsts_store_free(s);
  s = loaded(path, &rep);
  CHECK_INT(rep.loaded, 21);
  dt__hsts_store_free(s);
  /* A temp planted as a symlink is removed, never followed. */
  spit(pth("target.txt"), "precious", 8);
  CHECK_INT(symlink(pth("target.txt"), pth("crash.txt.tmp")), 0);
  s = loaded(path, NULL);
  dt__hsts_store_add(s, "again.test", 10, 0, DT__HSTS_NEVER, now_v, NULL);
  CHECK_INT(dt__hsts_file_save(s, path, &rep), 0);
  char *t = slurp(pth("target.txt"), NULL);
  CHECK_STR(t, "precious");
  free(t);
  dt__hsts_store_free(s);
  free(orig);
}

/* kill -9 at random points of a saving process: the file always loads
 * whole (no damaged line: rename is atomic), nothing saved before is
 * lost, and the next save works (the kernel drops the dead one's lock;
 * its temp file is replaced). */
static void test_kill9(void) {
  const char *path = pth("kill9/hsts.txt");
  dt__hsts_store *s = fresh();
  fill(s, 50, "base%d.test");
  CHECK_INT(dt__hsts_file_save(s, path, NULL), 0);
  dt__hsts_store_free(s);
  int bad = 0;
  uint32_t seed = 12345;
  for (int round = 0; round < 12; round++) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0;; i++) {
        dt__hsts_store *c = loaded(path, NULL);
        char h[64];
        int l = snprintf(h, sizeof h, "k%d-%d.test", round, i);
        dt__hsts_store_add(c, h, (size_t)l, 0, DT__HSTS_NEVER, now_v, NULL);
        dt__hsts_file_save(c, path, NULL);
        dt__hsts_store_free(c);
      }
    }
    seed = seed * 1103515245u + 12345u;
    struct timespec ts = {0, (long)(1 + (seed >> 8) % 30) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    dt__hsts_file_report rep;
    s = loaded(path, &rep);
    if (rep.err || rep.skipped || dt__hsts_store_count(s) < 50 ||
        !known(s, "base49.test")) {
      fprintf(stderr, "kill9 round %d: err %d skipped %zu count %zu\n", round,
              rep.err, rep.skipped, dt__hsts_store_count(s));
      bad++;
    }
    dt__hsts_store_free(s);
  }
  CHECK_INT(bad, 0);
  s = loaded(path, NULL);
  dt__hsts_store_add(s, "after-kills.test", 16, 0, DT__HSTS_NEVER, now_v, NULL);
  dt__hsts_file_set_lock_wait(1000);
  CHECK_INT(dt__hsts_file_save(s, path, NULL), 0);
  dt__hsts_file_set_lock_wait(DT__HSTS_FILE_LOCK_WAIT_MS);
  dt__hsts_store_free(s);
}

/* Two processes' stores, one file, deterministic times. */
static void test_merge_rules(void) {
  const char *path = pth("merge.txt");
  int64_t t0 = now_v;
  dt__hsts_file_report rep;
  dt__hsts_store *seed = fresh();
  dt__hsts_store_add(seed, "x.test", 6, 0, DT__HSTS_NEVER, t0 - 100, NULL);
  dt__hsts_store_add(seed, "y.test", 6, 0, DT__HSTS_NEVER, t0 - 100, NULL);
  dt__hsts_file_save(seed, path, NULL);
  dt__hsts_store_free(seed);
  dt__hsts_store *a = loaded(path, NULL), *b = loaded(path, NULL);

  /* A delete in B is not resurrected by A's save (A had X loaded). */
  now_v = t0 + 200;
  CHECK_INT(dt__hsts_store_delete(b, "x.test", 6), 1);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  dt__hsts_store_add(a, "z.test", 6, 0, DT__HSTS_NEVER, t0 + 300, NULL);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK(!known(a, "x.test")); /* A now holds the merged content */
  CHECK(known(a, "z.test") && known(a, "y.test"));

  /* Rule 15 across processes: A noted W before B's max-age=0 for W; A's
   * later save does not bring W back (the file remembers the deletion). */
  dt__hsts_note(a, "w.test", 6, "max-age=1000", 12, t0 + 400,
                DT__STS_CHROMIUM_CAP, NULL);
  dt__hsts_file_load(b, path, NULL);
  dt__hsts_note(b, "w.test", 6, "max-age=0", 9, t0 + 500, DT__STS_CHROMIUM_CAP,
                NULL);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK(!known(a, "w.test"));
  /* Rule 16: a later observation wins over an earlier deletion. */
  dt__hsts_note(a, "w.test", 6, "max-age=1000; includeSubDomains", 31, t0 + 600,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  dt__hsts_store *c = loaded(path, NULL);
  CHECK(known(c, "a.w.test"));
  dt__hsts_store_free(c);
  /* A compaction writes what the file says: the d record superseded. */
  CHECK_INT(dt__hsts_file_compact(a, path, &rep), 0);
  char *text = slurp(path, NULL);
  CHECK(strstr(text, "\nd w.test ") == NULL); /* superseded: not kept */
  CHECK(strstr(text, "\nh w.test i ") != NULL);
  free(text);
  /* Conflicting notes: the later observation wins, whoever saves last. */
  dt__hsts_note(b, "q.test", 6, "max-age=1000", 12, t0 + 800,
                DT__STS_CHROMIUM_CAP, NULL);
  dt__hsts_note(a, "q.test", 6, "max-age=1000; includeSubDomains", 31, t0 + 700,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK(known(a, "q.test") && !known(a, "sub.q.test"));

  /* Clear in B: A's entries observed before the clear go, later ones stay. */
  dt__hsts_note(a, "old.test", 8, "max-age=1000", 12, t0 + 900,
                DT__STS_CHROMIUM_CAP, NULL);
  now_v = t0 + 1000;
  dt__hsts_file_load(b, path, NULL);
  dt__hsts_store_clear(b);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  dt__hsts_note(a, "new.test", 8, "max-age=1000", 12, t0 + 1100,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK(!known(a, "old.test") && !known(a, "y.test") && !known(a, "z.test"));
  CHECK(known(a, "new.test"));
  /* Delete by observed range in B, journalled into the file. */
  dt__hsts_note(a, "r1.test", 7, "max-age=1000", 12, t0 + 1200,
                DT__STS_CHROMIUM_CAP, NULL);
  dt__hsts_note(a, "r2.test", 7, "max-age=1000", 12, t0 + 1300,
                DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  dt__hsts_file_load(b, path, NULL);
  CHECK_INT(dt__hsts_store_delete_observed_between(b, t0 + 1150, t0 + 1250), 1);
  CHECK_INT(dt__hsts_file_save(b, path, &rep), 0);
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK(!known(a, "r1.test") && known(a, "r2.test"));

  /* Deletions are kept 30 days, then dropped from the file. */
  text = slurp(path, NULL);
  CHECK(strstr(text, "\nd x.test ") != NULL);
  CHECK(strstr(text, "\nr ") != NULL);
  free(text);
  now_v = t0 + DT__HSTS_FILE_TOMB_KEEP_MS + 100000;
  dt__hsts_note(a, "late.test", 9, "max-age=1000", 12, now_v,
                DT__STS_CHROMIUM_CAP, NULL); /* a change, so it rewrites */
  CHECK_INT(dt__hsts_file_save(a, path, &rep), 0);
  CHECK_INT(rep.unchanged, 0);
  CHECK_INT(dt__hsts_file_compact(a, path, &rep), 0); /* what saves do now
                                                         and then */
  text = slurp(path, NULL);
  CHECK(strstr(text, "\nd x.test ") == NULL);
  CHECK(strstr(text, "\nr ") == NULL);
  free(text);
  now_v = t0;
  dt__hsts_store_free(a);
  dt__hsts_store_free(b);
}

static void test_processes(void) {
  /* curl/curl#21847: parallel runs sharing one file must lose nothing. */
  const char *path = pth("shared/hsts.txt");
  g_shared = path;
  dt__hsts_store *s = NULL;
  dt__hsts_store_new(&s, 0, NULL);
  dt__hsts_note(s, "victim.test", 11, "max-age=86400", 13,
                dt__hsts_store_now(s) - 1000, DT__STS_CHROMIUM_CAP, NULL);
  CHECK_INT(dt__hsts_file_save(s, path, NULL), 0);
  dt__hsts_store_free(s);
  fflush(NULL);
  pid_t pids[NPROC];
  for (int i = 0; i < NPROC; i++) {
    pids[i] = fork();
    if (pids[i] == 0) _exit(writer_child((void *)(intptr_t)i));
  }
  int fails = 0;
  for (int i = 0; i < NPROC; i++) {
    int st = 0;
    waitpid(pids[i], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fails++;
  }
  CHECK_INT(fails, 0);
  dt__hsts_store_new(&s, 0, NULL);
  dt__hsts_file_report rep;
  CHECK_INT(dt__hsts_file_load(s, path, &rep), 0);
  CHECK_INT(rep.skipped, 0);
  CHECK_INT(dt__hsts_store_count(s), NPROC * ROUNDS * PER_ROUND);
  int missing = 0;
  for (int id = 0; id < NPROC; id++)
    for (int r = 0; r < ROUNDS; r++)
      for (int i = 0; i < PER_ROUND; i++) {
        char h[64];
        int l = snprintf(h, sizeof h, "p%d-r%d-%d.test", id, r, i);
        missing += !dt__hsts_store_lookup(s, h, (size_t)l, NULL);
      }
  CHECK_INT(missing, 0);
  CHECK(!known(s, "victim.test")); /* deleted by one, not resurrected */
  dt__hsts_store_free(s);
}

static void test_curl(void) {
  /* CURLOPT_HSTS(3) FILE FORMAT: `[.]host "YYYYMMDD HH:MM:SS"`. */
  const char *in = "# Your HSTS cache. https://curl.se/docs/hsts.html\n"
                   ".example.com \"20300101 00:00:00\"\n"       /* 2 */
                   "exact.example \"unlimited\"\n"              /* 3 */
                   "  spaced.test\t\"20291231 23:59:59\"  \r\n" /* 4 */
                   "\n"                                         /* 5 */
                   "noquote.test 20300101 00:00:00\n"           /* 6 bad */
                   "badmonth.test \"20301301 00:00:00\"\n"      /* 7 bad */
                   "feb29.test \"20310229 00:00:00\"\n"         /* 8 bad */
                   "127.0.0.1 \"20300101 00:00:00\"\n"          /* 9 bad */
                   ".localhost \"20300101 00:00:00\"\n"         /* 10 bad */
                   "junk.test \"20300101 00:00:00\" trailing\n" /* 11 bad */
                   "old.test \"20200101 00:00:00\"\n"           /* 12 expired */
                   ".Upper.Test. \"20280229 12:00:00\"\n"       /* 13 */
                   "#comment\n"
                   "\"20300101 00:00:00\"\n"          /* 15 bad */
                   "short.test \"2030010 00:00:00\""; /* 16 bad */
  dt__hsts_store *s = fresh();
  dt__hsts_file_report rep;
  CHECK_INT(dt__hsts_file_import_curl_mem(s, in, strlen(in), &rep), 0);
  CHECK_INT(rep.loaded, 4);
  CHECK_INT(rep.expired, 1); /* rule 17 / curl/curl#21186 */
  CHECK_INT(rep.skipped, 8);
  static const size_t want_bad[] = {6, 7, 8, 9, 10, 11, 15, 16};
  for (size_t i = 0; i < 8; i++)
    CHECK_INT(rep.bad_lines[i], want_bad[i]);
  dt__hsts_decision d;
  CHECK_INT(dt__hsts_store_lookup(s, "a.example.com", 13, &d), 1);
  CHECK_INT(d.entry.expires_ms, 1893456000000LL); /* 2030-01-01T00:00:00Z */
  CHECK_INT(d.entry.observed_ms, now_v);
  CHECK_INT(dt__hsts_store_lookup(s, "exact.example", 13, &d), 1);
  CHECK_INT(d.entry.expires_ms, DT__HSTS_NEVER);
  CHECK(!known(s, "a.exact.example"));
  CHECK_INT(dt__hsts_store_lookup(s, "spaced.test", 11, &d), 1);
  CHECK_INT(d.entry.expires_ms, 1893455999000LL);
  CHECK(known(s, "x.upper.test")); /* canonical key, rule 18/19 */
  /* Export: exact text, then a round trip through the export. */
  char *out = NULL;
  size_t olen = 0;
  FILE *mf = open_memstream(&out, &olen);
  CHECK_INT(dt__hsts_file_export_curl(s, mf, &rep), 0);
  fclose(mf);
  CHECK_INT(rep.saved, 4);
  CHECK(strstr(out, "\n.example.com \"20300101 00:00:00\"\n") != NULL);
  CHECK(strstr(out, "\nexact.example \"unlimited\"\n") != NULL);
  CHECK(strstr(out, "\nspaced.test \"20291231 23:59:59\"\n") != NULL);
  CHECK(strstr(out, "\n.upper.test \"20280229 12:00:00\"\n") != NULL);
  dt__hsts_store *t = fresh();
  CHECK_INT(dt__hsts_file_import_curl_mem(t, out, olen, &rep), 0);
  CHECK_INT(rep.loaded, 4);
  CHECK_INT(rep.skipped, 0);
  char *d1 = dump(s), *d2 = dump(t);
  CHECK_STR(d2, d1);
  free(d1);
  free(d2);
  free(out);
  /* Sub-second expiry is rounded down (never outlives the original). */
  dt__hsts_store_add(t, "ms.test", 7, 0, 1893456000999LL, now_v, NULL);
  mf = open_memstream(&out, &olen);
  dt__hsts_file_export_curl(t, mf, NULL);
  fclose(mf);
  CHECK(strstr(out, "\nms.test \"20300101 00:00:00\"\n") != NULL);
  free(out);
  /* Export to a path: atomic, mode 0600; import from that path. A missing
   * directory is an error with its fix, as for every -o (issue 18). */
  const char *cp = pth("curl/hsts-cache.txt");
  CHECK_INT(dt__hsts_file_export_curl_path(s, cp, &rep), DT_EIO);
  CHECK(strstr(rep.message, "mkdir -p") != NULL);
  CHECK_INT(mkdir(pth("curl"), 0700), 0);
  CHECK_INT(dt__hsts_file_export_curl_path(s, cp, &rep), 0);
  CHECK_INT(mode_of(cp), 0600);
  dt__hsts_store *u = fresh();
  CHECK_INT(dt__hsts_file_import_curl(u, cp, &rep), 0);
  CHECK_INT(rep.loaded, 4);
  CHECK_INT(dt__hsts_file_import_curl(u, pth("curl/none"), &rep), DT_EIO);
  CHECK(strstr(rep.message, "curl/none") != NULL);
  /* Imported entries are journalled: the next save keeps them. */
  CHECK_INT(dt__hsts_file_save(u, pth("imported.txt"), &rep), 0);
  dt__hsts_store *v = loaded(pth("imported.txt"), &rep);
  CHECK_INT(rep.loaded, 4);
  dt__hsts_store_free(s);
  dt__hsts_store_free(t);
  dt__hsts_store_free(u);
  dt__hsts_store_free(v);
}

/* A store detour 0.3 wrote with --profile firefox has knockouts (`h HOST
 * k never OBSERVED`). 0.4 keeps none (a real Firefox keeps the preload list
 * in force: docs/decisions.md knob 7), but the file still loads: each such
 * line is read as the max-age=0 it was — a deletion of the host's older
 * entry — and counted in rep.retired; a save writes no `k` record, and the
 * next compaction leaves none in the file. */
static void test_retired_knockouts(void) {
  const char *fx = DETOUR_SOURCE_DIR "/fixtures/hsts-store/knockouts-0.3.txt";
  size_t len = 0;
  char *txt = slurp(fx, &len);
  CHECK(txt != NULL);
  if (!txt) return;
  CHECK(strstr(txt, " k never ") != NULL); /* the fixture has them */
  const char *f = pth("knock.txt");
  spit(f, txt, len);
  now_v = 1766000000000; /* after the fixture's records were observed */
  free(txt);
  dt__hsts_file_report rep;
  dt__hsts_store *s = fresh();
  CHECK_INT(dt__hsts_file_load(s, f, &rep), 0);
  CHECK_INT(rep.retired, 2);
  CHECK_INT(rep.skipped, 0); /* not damage: the lines are well formed */
  CHECK_INT(rep.loaded, 2);  /* the two h records of b.test and c.test */
  CHECK(known(s, "x.b.test"));
  /* a.test's knockout adds nothing; c.test's, observed after its entry,
   * deletes it */
  CHECK(!known(s, "a.test"));
  CHECK(!known(s, "c.test"));
  CHECK_INT(dt__hsts_store_count(s), 1);
  /* the same from memory (the fuzz target's reader) */
  dt__hsts_store *m = fresh();
  txt = slurp(f, &len);
  CHECK_INT(dt__hsts_file_load_mem(m, txt, len, &rep), 0);
  CHECK_INT(rep.retired, 2);
  CHECK_INT(dt__hsts_store_count(m), 1);
  free(txt);
  /* A later header for c.test still wins over the old knockout. */
  CHECK_INT(dt__hsts_store_add(s, "c.test", 6, 0, now_v + 5000000, now_v, NULL),
            0);
  CHECK_INT(dt__hsts_file_save(s, f, &rep), 0);
  dt__hsts_store *t = loaded(f, &rep);
  CHECK(known(t, "c.test"));
  CHECK(!known(t, "a.test"));
  /* A save appends no k record; a compaction drops the old ones. */
  CHECK_INT(dt__hsts_file_compact(s, f, &rep), 0);
  txt = slurp(f, &len);
  CHECK(txt && !strstr(txt, " k "));
  free(txt);
  t = (dt__hsts_store_free(t), loaded(f, &rep));
  CHECK_INT(rep.retired, 0);
  CHECK(known(t, "c.test") && known(t, "x.b.test") && !known(t, "a.test"));
  dt__hsts_store_free(s);
  dt__hsts_store_free(m);
  dt__hsts_store_free(t);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dt_hsts_file_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_crc_and_paths();
  test_round_trip();
  test_damage();
  test_refusals();
  test_crash_safety();
  test_kill9();
  test_merge_rules();
  test_processes();
  test_curl();
  test_retired_knockouts();
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  return dt_test_summary("test_hsts_store_file");
}
