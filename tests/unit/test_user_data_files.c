/* test_user_data_files.c — the files a context keeps, through the public
 * API (issue 18 items 5, 6 and 7; docs/user-data.md,
 * docs/hsts-store-format.md):
 *   - a symbolic link as a kept file's path stays a link: the save writes
 *     the file it names, beside it (lock, temp), for the store and for the
 *     user-data directory's files;
 *   - a file with CRLF line ends loads (and saves);
 *   - a group-writable file, or one owned by another user, is refused as
 *     OpenSSH refuses such key files: path, cause and fix (chmod, chown);
 *   - a save appends to the file (the journal) instead of rewriting it,
 *     the file is compacted now and then, and files written by the
 *     previous version (no journal, version 1 headers) load and are taken
 *     up by the next save;
 *   - a navigation's save runs off the loop: with the file's lock held by
 *     someone else, the loop goes on (timers fire) and the callback comes
 *     once the save is done. */
#include "detour.h"
#include "dt_test.h"
#include "fixture_proc.h"
#include "hsts/base/safefile.h" /* dt__crc32: files the old version wrote */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

static char dir[] = "/tmp/dt-udfiles-XXXXXX";
static uv_loop_t loop;

static const char *pth(const char *name) {
  static char buf[8][512];
  static int k;
  char *b = buf[k++ % 8];
  snprintf(b, 512, "%s/%s", dir, name);
  return b;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *b = malloc(1 << 20);
  size_t n = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (b) b[n] = 0;
  if (len) *len = n;
  return b;
}

static void spit(const char *path, const char *text, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(text, 1, n, f);
  fclose(f);
  chmod(path, 0600);
}

static int is_link(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* A store at PATH with the hosts given, saved through the API. */
static void make_store(const char *path, int n, const char *fmt) {
  dt_hsts_store *s = NULL;
  CHECK_INT(dt_hsts_store_open(&s, path, NULL, NULL), 0);
  for (int i = 0; i < n; i++) {
    char h[64];
    snprintf(h, sizeof h, fmt, i);
    CHECK_INT(dt_hsts_store_add(s, h, 86400, i % 2, NULL), 0);
  }
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  dt_hsts_store_free(s);
}

/* How many entries the store file PATH holds (-1: it does not open). */
static long count_of(const char *path) {
  dt_hsts_store *s = NULL;
  if (dt_hsts_store_open(&s, path, NULL, NULL)) return -1;
  long n = (long)dt_hsts_store_count(s);
  dt_hsts_store_free(s);
  return n;
}

static void on_closed(void *ud) { *(int *)ud = 1; }

static dt_ctx *ctx_open(const char *udd) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  o.no_preload = 1;
  o.user_data_dir = udd;
  dt_ctx *c = NULL;
  CHECK_INT(dt_ctx_new(&c, &o), 0);
  return c;
}

static void ctx_close(dt_ctx *c) {
  int closed = 0;
  dt_ctx_close(c, on_closed, &closed);
  while (!closed)
    uv_run(&loop, UV_RUN_ONCE);
}

/* ---- item 5: a link stays a link -------------------------------------- */

static void symlinks(void) {
  /* The store: the link's target is written, beside the target. */
  mkdir(pth("real"), 0700);
  make_store(pth("real/hsts.txt"), 3, "t%d.test");
  CHECK_INT(symlink("real/hsts.txt", pth("link.txt")), 0);
  dt_hsts_store *s = NULL;
  CHECK_INT(dt_hsts_store_open(&s, pth("link.txt"), NULL, NULL), 0);
  CHECK_INT(dt_hsts_store_count(s), 3);
  CHECK_INT(dt_hsts_store_add(s, "via-link.test", 600, 0, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  dt_hsts_store_free(s);
  CHECK(is_link(pth("link.txt")));
  CHECK_INT(count_of(pth("real/hsts.txt")), 4);
  CHECK(exists(pth("real/hsts.txt.lock")));
  CHECK(!exists(pth("link.txt.lock"))); /* one lock for link and target */
  CHECK(!exists(pth("link.txt.tmp")));
  /* ... also when the save writes the file anew (a new file through a
   * link that names nothing yet) */
  CHECK_INT(symlink("real/new.txt", pth("dangling.txt")), 0);
  make_store(pth("dangling.txt"), 2, "d%d.test");
  CHECK(is_link(pth("dangling.txt")));
  CHECK_INT(count_of(pth("real/new.txt")), 2);

  /* The user-data directory's files: cookies.txt linked elsewhere. */
  mkdir(pth("profile"), 0700);
  mkdir(pth("profile-real"), 0700);
  CHECK_INT(symlink("../profile-real/cookies.txt", pth("profile/cookies.txt")),
            0);
  dt_ctx *c = ctx_open(pth("profile"));
  char why[256];
  CHECK_INT(dt_ctx_cookie_set(c, "https://a.test/", "k=v; Max-Age=3600", why,
                              sizeof why),
            0);
  CHECK_INT(dt_ctx_save(c, NULL), 0);
  ctx_close(c);
  CHECK(is_link(pth("profile/cookies.txt")));
  c = ctx_open(pth("profile-real"));
  CHECK_INT(dt_ctx_cookie_count(c), 1);
  ctx_close(c);
  c = ctx_open(pth("profile")); /* through the link, and again */
  CHECK_INT(dt_ctx_cookie_count(c), 1);
  CHECK_INT(dt_ctx_cookie_set(c, "https://a.test/", "k2=v; Max-Age=3600", why,
                              sizeof why),
            0);
  CHECK_INT(dt_ctx_save(c, NULL), 0);
  ctx_close(c);
  CHECK(is_link(pth("profile/cookies.txt")));
  c = ctx_open(pth("profile-real"));
  CHECK_INT(dt_ctx_cookie_count(c), 2);
  ctx_close(c);
}

/* ---- item 6: CRLF, group-writable, another user's --------------------- */

/* TEXT with every "\n" made "\r\n" (new string). */
static char *to_crlf(const char *text) {
  size_t n = strlen(text), k = 0;
  char *o = malloc(2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '\n') o[k++] = '\r';
    o[k++] = text[i];
  }
  o[k] = 0;
  return o;
}

static void crlf(void) {
  make_store(pth("crlf.txt"), 5, "c%d.test");
  char *text = slurp(pth("crlf.txt"), NULL), *crlf = to_crlf(text);
  spit(pth("crlf.txt"), crlf, strlen(crlf));
  free(text);
  free(crlf);
  dt_hsts_store *s = NULL;
  dt_error e = {0};
  CHECK_INT(dt_hsts_store_open(&s, pth("crlf.txt"), NULL, &e), 0);
  CHECK_INT(dt_hsts_store_count(s), 5);
  CHECK(dt_hsts_store_warning(s, 0) == NULL); /* no line was damaged */
  CHECK_INT(dt_hsts_store_add(s, "after-crlf.test", 600, 0, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, &e), 0);
  dt_hsts_store_free(s);
  CHECK_INT(count_of(pth("crlf.txt")), 6);

  /* a cookie jar copied through a CRLF system (the previous version's
   * file, version 1) */
  mkdir(pth("crlf-profile"), 0700);
  char rec[256], file[512];
  const char *r = "c 1700000000000 1 1700000000000 4102444800000 hs Lax "
                  "Medium a.test / name value";
  snprintf(rec, sizeof rec, "%s", r);
  snprintf(file, sizeof file, "detour-cookies 1\r\n%s %08x\r\n", rec,
           (unsigned)dt__crc32(rec, strlen(rec)));
  spit(pth("crlf-profile/cookies.txt"), file, strlen(file));
  dt_ctx *c = ctx_open(pth("crlf-profile"));
  CHECK(dt_ctx_warning(c, 0) == NULL);
  CHECK_INT(dt_ctx_cookie_count(c), 1);
  ctx_close(c);
}

static void untrusted(void) {
  make_store(pth("group.txt"), 2, "g%d.test");
  chmod(pth("group.txt"), 0620);
  dt_hsts_store *s = NULL;
  dt_error e = {0};
  CHECK_INT(dt_hsts_store_open(&s, pth("group.txt"), NULL, &e), DT_ESTORE);
  CHECK(s == NULL);
  CHECK(strstr(e.message, pth("group.txt")) != NULL);
  CHECK(strstr(e.message, "group-writable") != NULL);
  CHECK(strstr(e.message, "chmod g-w") != NULL);
  /* a save does not write it either (a context's store: memory only) */
  chmod(pth("group.txt"), 0600);
  CHECK_INT(dt_hsts_store_open(&s, pth("group.txt"), NULL, &e), 0);
  chmod(pth("group.txt"), 0620);
  CHECK_INT(dt_hsts_store_add(s, "more.test", 600, 0, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, &e), DT_ESTORE);
  CHECK(strstr(e.message, "group-writable") != NULL);
  dt_hsts_store_free(s);
  chmod(pth("group.txt"), 0600);
  CHECK_INT(count_of(pth("group.txt")), 2);

  /* the user-data directory's files the same way: a warning, memory only */
  mkdir(pth("gw-profile"), 0700);
  spit(pth("gw-profile/https-upgrades.txt"), "detour-https-upgrades 2\n", 24);
  chmod(pth("gw-profile/https-upgrades.txt"), 0660);
  dt_ctx *c = ctx_open(pth("gw-profile"));
  const char *w = dt_ctx_warning(c, 0);
  CHECK(w && strstr(w, "https-upgrades.txt") && strstr(w, "group-writable") &&
        strstr(w, "chmod g-w"));
  ctx_close(c);

  /* another user's file (as OpenSSH: this user's or root's only) */
  if (geteuid() != 0) {
    printf("untrusted: not root, the other-owner case is not run\n");
    return;
  }
  make_store(pth("theirs.txt"), 2, "o%d.test");
  CHECK_INT(chown(pth("theirs.txt"), 65534, 65534), 0);
  CHECK_INT(dt_hsts_store_open(&s, pth("theirs.txt"), NULL, &e), DT_ESTORE);
  CHECK(strstr(e.message, pth("theirs.txt")) != NULL);
  CHECK(strstr(e.message, "another user (uid 65534") != NULL);
  CHECK(strstr(e.message, "chown") != NULL);
}

/* ---- item 7: the journal ------------------------------------------------ */

static void journal(void) {
  /* a save appends what changed: the same file, a line longer */
  make_store(pth("j.txt"), 50, "j%d.test");
  struct stat a, b;
  CHECK_INT(stat(pth("j.txt"), &a), 0);
  dt_hsts_store *s = NULL;
  CHECK_INT(dt_hsts_store_open(&s, pth("j.txt"), NULL, NULL), 0);
  CHECK_INT(dt_hsts_store_add(s, "one-more.test", 600, 1, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  CHECK_INT(stat(pth("j.txt"), &b), 0);
  CHECK(a.st_ino == b.st_ino);
  CHECK(b.st_size > a.st_size && b.st_size - a.st_size < 120);
  /* the same header again within a day: nothing written */
  CHECK_INT(dt_hsts_store_add(s, "one-more.test", 600, 1, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  CHECK_INT(stat(pth("j.txt"), &a), 0);
  CHECK(a.st_size == b.st_size);
  /* many changes: compacted now and then, so the file stays small */
  for (int i = 0; i < 1600; i++) { /* ~80 KB of journal */
    CHECK_INT(dt_hsts_store_add(s, "flip.test", 600, i % 2, NULL), 0);
    if (dt_hsts_store_save(s, NULL)) break;
  }
  dt_hsts_store_free(s);
  CHECK_INT(stat(pth("j.txt"), &a), 0);
  CHECK(a.st_size < 70 * 1024 + 51 * 100);
  CHECK_INT(count_of(pth("j.txt")), 52);
  /* a deletion and a clear reach the file through it as well */
  CHECK_INT(dt_hsts_store_open(&s, pth("j.txt"), NULL, NULL), 0);
  CHECK_INT(dt_hsts_store_delete(s, "j3.test"), 1);
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  dt_hsts_store_free(s);
  CHECK_INT(count_of(pth("j.txt")), 51);

  /* a store file the previous version wrote (no journal) loads, and the
   * next save appends to it */
  char rec[128], file[1024];
  int n = snprintf(file, sizeof file,
                   "detour-hsts-store 1\n# detour HSTS store: one record per "
                   "line, CRC-32 last. See docs/hsts-store-format.md.\n");
  const char *recs[] = {"d gone.test 1700000100000",
                        "h example.com i never 1700000000000",
                        "h www.example.org - never 1699990000000"};
  for (int i = 0; i < 3; i++) {
    snprintf(rec, sizeof rec, "%s", recs[i]);
    n += snprintf(file + n, sizeof file - (size_t)n, "%s %08x\n", rec,
                  (unsigned)dt__crc32(rec, strlen(rec)));
  }
  spit(pth("old.txt"), file, (size_t)n);
  CHECK_INT(dt_hsts_store_open(&s, pth("old.txt"), NULL, NULL), 0);
  CHECK_INT(dt_hsts_store_count(s), 2);
  CHECK_INT(dt_hsts_store_add(s, "new.test", 600, 0, NULL), 0);
  CHECK_INT(dt_hsts_store_save(s, NULL), 0);
  dt_hsts_store_free(s);
  char *text = slurp(pth("old.txt"), NULL);
  CHECK(text && strncmp(text, file, (size_t)n) == 0); /* appended to */
  free(text);
  CHECK_INT(count_of(pth("old.txt")), 3);

  /* the previous version's user-data files: version 1 loads, and the
   * first save takes it up to version 2 (whose records it could not
   * read) */
  mkdir(pth("old-profile"), 0700);
  const char *r = "f fell.example.com 1700000000000";
  n = snprintf(file, sizeof file, "detour-https-upgrades 1\n%s %08x\n", r,
               (unsigned)dt__crc32(r, strlen(r)));
  spit(pth("old-profile/https-upgrades.txt"), file, (size_t)n);
  dt_ctx *c = ctx_open(pth("old-profile"));
  CHECK(dt_ctx_warning(c, 0) == NULL);
  size_t removed = 0;
  CHECK_INT(dt_ctx_clear_data(c, DT_DATA_HTTPS_UPGRADES, 0, 1700000000000,
                              &removed, NULL),
            0);
  CHECK_INT(removed, 1);
  ctx_close(c);
  text = slurp(pth("old-profile/https-upgrades.txt"), NULL);
  CHECK(text && strncmp(text, "detour-https-upgrades 2\n", 24) == 0);
  CHECK(text && !strstr(text, "fell.example.com"));
  free(text);
}

/* ---- item 7: off the loop ------------------------------------------------ */

typedef struct {
  int done, ticks;
  dt_chain *chain;
} nav_state;

static void on_nav(dt_chain *c, void *ud) {
  nav_state *st = ud;
  st->chain = c;
  st->done = 1;
}

static void on_tick(uv_timer_t *t) { ((nav_state *)t->data)->ticks++; }

static void off_the_loop(dt_fixture *fx) {
  mkdir(pth("nav"), 0700);
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  o.no_preload = 1;
  o.ca_file = dt_fixture_ca_file();
  o.hsts_store_path = pth("nav/hsts.txt");
  dt_ctx *c = NULL;
  CHECK_INT(dt_ctx_new(&c, &o), 0);
  char spec[128];
  snprintf(spec, sizeof spec, "a.test:443:127.0.0.1:%d",
           dt_fixture_port(fx, "https"));
  CHECK_INT(dt_ctx_add_connect_to(c, spec), 0);
  /* someone holds the store's lock (another process saving, say) */
  int lfd = open(pth("nav/hsts.txt.lock"), O_RDWR | O_CREAT, 0600);
  CHECK(lfd >= 0 && flock(lfd, LOCK_EX) == 0);
  nav_state st = {0};
  uv_timer_t tick;
  uv_timer_init(&loop, &tick);
  tick.data = &st;
  uv_timer_start(&tick, on_tick, 20, 20);
  dt_request rq;
  dt_request_init(&rq);
  rq.url = "https://a.test/sts";
  CHECK_INT(dt_fetch(c, &rq, on_nav, &st, NULL), 0);
  /* the response is in; its save waits for the lock, off the loop: the
   * loop keeps turning (the ticks) and the callback waits for the save */
  int guard = 0;
  while (dt_fixture_requests(fx, "https") < 1 && guard++ < 5000)
    uv_run(&loop, UV_RUN_ONCE);
  int from = st.ticks;
  while (st.ticks < from + 15 && !st.done)
    uv_run(&loop, UV_RUN_ONCE);
  CHECK_INT(st.done, 0);
  CHECK(st.ticks >= from + 15);
  CHECK(!exists(pth("nav/hsts.txt")));
  /* the lock is given back: the save is done, then the callback */
  flock(lfd, LOCK_UN);
  close(lfd);
  while (!st.done)
    uv_run(&loop, UV_RUN_ONCE);
  CHECK_INT(dt_chain_error(st.chain), 0);
  CHECK(dt_chain_warning(st.chain, 0) == NULL);
  CHECK(dt_test_file_has_line(pth("nav/hsts.txt"), "h a.test i "));
  dt_chain_free(st.chain);
  uv_timer_stop(&tick);
  uv_close((uv_handle_t *)&tick, NULL);
  ctx_close(c);
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  uv_loop_init(&loop);
  symlinks();
  crlf();
  untrusted();
  journal();
  dt_fixture *fx;
  if (dt_fixture_start("route /sts\n  on https\n"
                       "  header Strict-Transport-Security: max-age=600; "
                       "includeSubDomains\n  body noted\\n\n",
                       &fx) == 0) {
    off_the_loop(fx);
    CHECK_INT(dt_fixture_stop(fx), 0);
  } else {
    CHECK(!"the fixture server starts");
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return dt_test_summary("test_user_data_files");
}
