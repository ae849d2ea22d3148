/* journal.c — see journal.h. */
#include "hsts/base/journal.h"

#include "detour.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

dt__journal_job *dt__journal_job_new(const dt__journal_kind *kind,
                                     const char *path, void *ud) {
  dt__journal_job *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  j->kind = kind;
  j->ud = ud;
  j->path = strdup(path);
  /* The records of one save are bounded by the file's own bound. */
  j->recs = dt__buf_make(kind->max);
  if (!j->path) {
    free(j);
    return NULL;
  }
  return j;
}

void dt__journal_job_free(dt__journal_job *j) {
  if (!j) return;
  dt__buf_free(&j->recs);
  free(j->path);
  free(j);
}

/* ---- bytes of the open file ------------------------------------------------
 */

/* Reads [OFF, OFF + N) of FD into a new buffer (*OUT, free()). 0 or an
 * errno (EIO for a file that shrank under us: it cannot, under the lock). */
static int pread_all(int fd, uint64_t off, size_t n, char **out) {
  char *b = malloc(n ? n : 1);
  if (!b) return ENOMEM;
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : EIO;
      free(b);
      return e;
    }
    got += (size_t)r;
  }
  *out = b;
  return 0;
}

static int pwrite_all(int fd, const char *p, size_t n, uint64_t off) {
  while (n) {
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return 0;
}

/* The end of the last whole line of the file's first SIZE bytes: a last
 * line without its '\n' is an append a crash cut short (journal.h step 2).
 * Reads backwards a block at a time. *CUT = SIZE when the file ends in
 * '\n'. 0 or an errno. */
static int find_cut(int fd, uint64_t size, uint64_t *cut) {
  char blk[4096];
  uint64_t end = size;
  while (end > 0) {
    size_t n = end < sizeof blk ? (size_t)end : sizeof blk;
    ssize_t r;
    do
      r = pread(fd, blk, n, (off_t)(end - n));
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)n) return r < 0 ? errno : EIO;
    for (size_t i = n; i > 0; i--)
      if (blk[i - 1] == '\n') {
        *cut = end - n + i;
        return 0;
      }
    end -= n;
  }
  *cut = 0;
  return 0;
}

/* ---- the journal's size, kept in the lock file -----------------------------
 * "base <ino> <bytes>\n": the file (its inode) a compaction wrote and how
 * big it was then. Only a save holding the lock reads or writes it. A file
 * written by anything else (an older detour rewrites, a user copies one in)
 * has another inode: its size then is taken as the base. */

static uint64_t read_base(int lfd, uint64_t ino, uint64_t size) {
  char b[96];
  ssize_t r = pread(lfd, b, sizeof b - 1, 0);
  unsigned long long i, n;
  if (r > 0) {
    b[r] = 0;
    if (sscanf(b, "base %llu %llu", &i, &n) == 2 && i == ino && n <= size)
      return n;
  }
  return (uint64_t)-1; /* unknown */
}

static void write_base(int lfd, uint64_t ino, uint64_t size) {
  char b[96];
  int n = snprintf(b, sizeof b, "base %llu %llu\n", (unsigned long long)ino,
                   (unsigned long long)size);
  /* a hint only: a failure makes the next save take the file as its base */
  if (n > 0 && pwrite_all(lfd, b, (size_t)n, 0) == 0) (void)ftruncate(lfd, n);
}

/* ---- compaction and creation -------------------------------------------- */

typedef struct compact_in {
  dt__journal_job *j;
  const char *buf;
  size_t len;
} compact_in;

static int gen_compact(FILE *out, void *ud, size_t *count) {
  compact_in *in = ud;
  return in->j->kind->compact(in->j->ud, in->buf, in->len, out, count,
                              &in->j->rep);
}

/* Writes PATH anew from BUF (the file as it would be with the records
 * appended) through the atomic replace; the view and base follow. */
static int compact(dt__journal_job *j, const char *path, int lfd,
                   const char *buf, size_t len) {
  compact_in in = {j, buf, len};
  int rc = dt__safefile_replace(path, gen_compact, &in, &j->rep);
  if (rc) return rc;
  struct stat st;
  if (stat(path, &st) != 0)
    return dt__file_report_errno(&j->rep, errno, "cannot stat", path);
  j->compacted = 1;
  j->view.known = 1;
  j->view.dev = (uint64_t)st.st_dev;
  j->view.ino = (uint64_t)st.st_ino;
  j->view.off = (uint64_t)st.st_size;
  write_base(lfd, j->view.ino, j->view.off);
  return 0;
}

/* A new (or empty) file: the head, then the records, compacted. */
static int create(dt__journal_job *j, const char *path, int lfd) {
  if (j->want_seen && j->kind->prepare) {
    /* the whole file, empty: nothing in it yet */
    int rc = j->kind->prepare(j->ud, "", 0, 1, &j->recs, &j->rep);
    if (rc) return rc;
  }
  dt__buf all = dt__buf_make(0);
  dt__buf_str(&all, j->kind->head);
  dt__buf_put(&all, j->recs.p, j->recs.len);
  int rc = all.failed ? dt__file_report_oom(&j->rep)
                      : compact(j, path, lfd, all.p, all.len);
  dt__buf_free(&all);
  return rc;
}

/* ---- a save ------------------------------------------------------------- */

static int locked(dt__journal_job *j, const char *path, int lfd) {
  dt__file_report *rep = &j->rep;
  /* A temp file a crashed compaction left is garbage (readers never look
   * at it): the next save, holding the lock no writer of it can hold,
   * removes it, a planted symlink included (never followed). */
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) < sizeof tmp)
    (void)unlink(tmp);
  int fd;
  do
    fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOENT) return create(j, path, lfd);
  if (fd < 0)
    return dt__file_report_errno(rep, errno, "cannot open the file for writing",
                                 NULL);
  char *whole = NULL, *seen = NULL;
  struct stat st;
  int rc = fstat(fd, &st) != 0
               ? dt__file_report_errno(rep, errno, "cannot stat the file", NULL)
               : dt__safefile_trusted(&st, rep);
  uint64_t size = rc ? 0 : (uint64_t)st.st_size, cut = size;
  if (!rc && size > j->kind->max) {
    char cause[128];
    snprintf(cause, sizeof cause, "the file is larger than %zu MiB",
             j->kind->max >> 20);
    rc = dt__file_report_fail(rep, DT_ESTORE, 0, cause,
                              "move it away; a file of the maximum size is "
                              "far smaller");
  }
  if (!rc && size == 0) {
    close(fd);
    return create(j, path, lfd); /* an empty file is an empty one */
  }
  /* The first line says whose file it is (and which version). */
  int upgrade = 0;
  if (!rc) {
    char head[1024];
    ssize_t r;
    do
      r = pread(fd, head, sizeof head, 0);
    while (r < 0 && errno == EINTR);
    const char *nl = r > 0 ? memchr(head, '\n', (size_t)r) : NULL;
    size_t hl = nl ? (size_t)(nl - head) : (r > 0 ? (size_t)r : 0);
    if (hl && head[hl - 1] == '\r') hl--;
    if (r < 0)
      rc = dt__file_report_errno(rep, errno, "cannot read the file", NULL);
    else if ((upgrade = j->kind->header(head, hl, rep)) < 0)
      rc = upgrade; /* refused: the file is left as it is */
  }
  if (!rc) {
    int e = find_cut(fd, size, &cut);
    if (e) rc = dt__file_report_errno(rep, e, "cannot read the file", NULL);
  }
  /* What others appended since the view (or the whole file: another
   * process compacted it since, or nothing was read yet). */
  int is_whole = 0;
  if (!rc && j->want_seen && j->kind->prepare) {
    uint64_t from = 0;
    if (j->view.known && j->view.dev == (uint64_t)st.st_dev &&
        j->view.ino == (uint64_t)st.st_ino && j->view.off <= cut)
      from = j->view.off;
    else
      is_whole = 1;
    int e =
        pread_all(fd, from, (size_t)(cut - from), is_whole ? &whole : &seen);
    if (e == ENOMEM)
      rc = dt__file_report_oom(rep);
    else if (e)
      rc = dt__file_report_errno(rep, e, "cannot read the file", NULL);
    else
      rc = j->kind->prepare(j->ud, is_whole ? whole : seen,
                            (size_t)(cut - from), is_whole, &j->recs, rep);
  }
  if (!rc && j->recs.failed) rc = dt__file_report_oom(rep);
  if (!rc && j->recs.len == 0 && !upgrade && !j->force_compact) {
    rep->unchanged = 1; /* nothing to say: the file stays as it is */
    j->view =
        (dt__safefile_view){1, (uint64_t)st.st_dev, (uint64_t)st.st_ino, cut};
  } else if (!rc) {
    uint64_t base = read_base(lfd, (uint64_t)st.st_ino, cut);
    if (base == (uint64_t)-1) {
      base = cut; /* a file this kit did not compact: its size is the base */
      write_base(lfd, (uint64_t)st.st_ino, base);
    }
    uint64_t after = cut + j->recs.len, journal = after - base;
    uint64_t room =
        base / 4 > DT__JOURNAL_MIN_BYTES ? base / 4 : DT__JOURNAL_MIN_BYTES;
    if (upgrade || j->force_compact || journal > room || after > j->kind->max) {
      /* compact: the whole file with the records, written anew */
      if (!whole) {
        int e = pread_all(fd, 0, (size_t)cut, &whole);
        if (e)
          rc =
              e == ENOMEM
                  ? dt__file_report_oom(rep)
                  : dt__file_report_errno(rep, e, "cannot read the file", NULL);
      }
      dt__buf all = dt__buf_make(0);
      if (!rc) {
        dt__buf_put(&all, whole, (size_t)cut);
        dt__buf_put(&all, j->recs.p, j->recs.len);
        rc = all.failed ? dt__file_report_oom(rep)
                        : compact(j, path, lfd, all.p, all.len);
      }
      dt__buf_free(&all);
    } else {
      /* append: one write after the last whole line, then fdatasync so
       * the save is on disk when it returns (a crash loses nothing) */
      int e = cut < size && ftruncate(fd, (off_t)cut) != 0 ? errno : 0;
      if (!e) e = pwrite_all(fd, j->recs.p, j->recs.len, cut);
      if (!e && fdatasync(fd) != 0) e = errno;
      if (e) {
        (void)ftruncate(fd, (off_t)cut); /* the file as it was */
        rc = dt__file_report_errno(rep, e, "cannot write", NULL);
      } else {
        j->view = (dt__safefile_view){1, (uint64_t)st.st_dev,
                                      (uint64_t)st.st_ino, after};
        for (size_t i = 0; i < j->recs.len; i++) /* records written */
          rep->saved += j->recs.p[i] == '\n';
      }
    }
  }
  free(whole);
  free(seen);
  close(fd);
  return rc;
}

int dt__journal_run(dt__journal_job *j) {
  dt__file_report *rep = &j->rep;
  char what[sizeof rep->what];
  snprintf(what, sizeof what, "%s", j->kind->what);
  dt__file_report_start(rep, what, j->path);
  char path[4096];
  int rc = dt__safefile_resolve(j->path, path, sizeof path, rep);
  if (!rc) rc = dt__safefile_ensure_dir(path, rep);
  if (rc) return j->rc = rc;
  int lfd = dt__safefile_lock(path, rep);
  if (lfd < 0) return j->rc = lfd;
  rc = locked(j, path, lfd);
  dt__safefile_unlock(lfd);
  if (rc && !rep->err) rep->err = rc;
  return j->rc = rc;
}

int dt__journal_magic(const char *const *magics, const char *what,
                      const char *line, size_t n, dt__file_report *rep) {
  for (int i = 0; magics[i]; i++)
    if (n == strlen(magics[i]) && memcmp(line, magics[i], n) == 0)
      return i ? 1 : 0;
  char cause[96];
  snprintf(cause, sizeof cause, "not a detour %.60s file", what);
  return dt__file_report_fail(rep, DT_ESTORE, 0, cause,
                              "move it away or use another directory");
}

int dt__journal_job_end(dt__journal_job *j, dt__buf *pending,
                        dt__file_report *rep) {
  int rc = j->rc;
  *rep = j->rep;
  if (rc) dt__buf_put(pending, j->recs.p, j->recs.len);
  dt__journal_job_free(j);
  return rc;
}
