/* journal.h — how every file detour keeps is saved (internal; the kit's
 * second half, beside safefile.h): a save appends this process's changes
 * as checksummed record lines to the end of the file, and now and then
 * compacts the file (rewrites it with only what it says, through the
 * kit's atomic replace), so a save costs what changed, not what is kept
 * (docs/user-data.md "Saving"; docs/hsts-store-format.md "Saving").
 *
 * One save, under PATH.lock (safefile.h):
 *   1. PATH is opened and checked as a read checks it (regular, trusted,
 *      within its bound, its first line one of the file's headers); a
 *      missing or empty PATH is created whole (its head, then the
 *      records) through the atomic replace;
 *   2. a last line cut short by a crash during an earlier append (no
 *      '\n') is cut off, so the new records start on a line of their own;
 *   3. with a view (safefile.h), what other processes appended since it is
 *      read, or the whole file when it is no longer the file the view saw
 *      (another process compacted it); the owner's prepare callback sees it
 *      before the records are final (the HSTS store drops notes the file
 *      already has within a day, and takes others' records into memory);
 *   4. the records are written in one pwrite at the end and the file is
 *      fdatasync'ed: a crash keeps the old end or the new one, at worst
 *      with a last line cut short, which readers drop (rep->torn) and the
 *      next save cuts off;
 *   5. when the journal (the bytes appended since the last compaction,
 *      remembered in the lock file) outgrows a quarter of the file's
 *      compacted size (at least DT__JOURNAL_MIN_BYTES), or the file is an
 *      older version whose reader would not know the new records, the
 *      owner's compact callback writes the file anew from everything in it
 *      instead (the atomic replace: temp file, fsync, rename, fsync of the
 *      directory).
 * Readers take no lock: every version of the file they can open is a
 * complete file, perhaps with a last line cut short. Records are read in
 * file order, so a journal record comes after what it changes.
 *
 * A job holds only its own data and the path, so it runs on any thread
 * (the engine runs it on libuv's thread pool, off the loop). Pure C +
 * POSIX; no libuv, no engine. */
#ifndef DT_HSTS_BASE_JOURNAL_H
#define DT_HSTS_BASE_JOURNAL_H

#include "hsts/base/buf.h"
#include "hsts/base/safefile.h"

/* The journal may grow to a quarter of the compacted file, and at least
 * this many bytes, before a save compacts (so a small file is not
 * rewritten at every save, and a big one loads at most 1.25x its size). */
#define DT__JOURNAL_MIN_BYTES (64u * 1024u)

/* What a kept file is, for its saves. */
typedef struct dt__journal_kind {
  const char *what; /* "cookie jar": the report's what */
  size_t max;       /* the file's size bound (a read refuses more) */
  /* What a new file starts with: its header line and comments, each
   * ending in '\n'. */
  const char *head;
  /* The first line LINE (N bytes, no '\n' nor '\r'): 0 this file's current
   * version, 1 an older version this build reads (it is compacted before
   * anything is appended: an older reader would not know the new
   * records), or DT_ESTORE with the report filled (not this file, a newer
   * version: the file is left as it is). */
  int (*header)(const char *line, size_t n, dt__file_report *rep);
  /* Writes the compacted file to OUT from BUF (LEN bytes: the whole file,
   * journal included, its header first), records written in *COUNT. UD is
   * the job's. 0 or a DT_E* (the report filled). */
  int (*compact)(void *ud, const char *buf, size_t len, FILE *out,
                 size_t *count, dt__file_report *rep);
  /* Optional, called under the lock before anything is written: SEEN (N
   * bytes) is what other processes appended since the job's view, or the
   * whole file (WHOLE: the view did not match; its header line first; N 0
   * for a new file). It may add record lines to RECS. 0 or a DT_E*
   * (nothing is written). */
  int (*prepare)(void *ud, const char *seen, size_t n, int whole, dt__buf *recs,
                 dt__file_report *rep);
} dt__journal_kind;

/* A header check for a kind whose versions are MAGICS (NULL-terminated,
 * the current one first): 0 for MAGICS[0], 1 for an older one, else
 * DT_ESTORE with the report saying the file is not a WHAT file. */
int dt__journal_magic(const char *const *magics, const char *what,
                      const char *line, size_t n, dt__file_report *rep);

/* One save. The owner fills kind, ud, path, recs and view (prepare needs
 * want_seen), runs it, then reads rc, rep, view and compacted. */
typedef struct dt__journal_job {
  const dt__journal_kind *kind;
  void *ud;
  char *path;   /* owned (dt__journal_job_free) */
  dt__buf recs; /* complete record lines ("<record> <crc>\n") to append */
  /* In: what the owner has read of the file (want_seen); out: the file
   * and offset after this save. */
  dt__safefile_view view;
  int want_seen;     /* call prepare with what others appended */
  int force_compact; /* compact even if the journal is small (tests) */
  int compacted;     /* out: the file was written anew */
  int rc;            /* out: 0 or a DT_E* */
  dt__file_report rep;
} dt__journal_job;

/* A job for KIND's file PATH (copied); NULL when out of memory. */
dt__journal_job *dt__journal_job_new(const dt__journal_kind *kind,
                                     const char *path, void *ud);
void dt__journal_job_free(dt__journal_job *j);
/* Ends a job that ran (its ud already released by the owner): the job's
 * report into REP, and on failure its records back into PENDING, kept for
 * the next save. Frees J; returns its rc. */
int dt__journal_job_end(dt__journal_job *j, dt__buf *pending,
                        dt__file_report *rep);
/* Runs the save J describes (any thread; J's data and the file only).
 * Returns J->rc: 0 (rep.unchanged when there was nothing to append),
 * DT_EIO (the file is as it was), DT_ESTORE (a refused file, or the lock
 * held too long: nothing written), DT_ENOMEM, or prepare's or compact's
 * error. */
int dt__journal_run(dt__journal_job *j);

#endif
