/* safefile.h — the crash-safe file kit (internal): what every file detour
 * keeps shares — the HSTS store (hsts/store_file.c) and the user-data
 * directory's cookie jar, redirect cache and fallback list
 * (docs/user-data.md).
 *
 *   - a report with the path, the cause and the fix of any problem, one
 *     sentence the CLI prints, and counts of bad lines skipped;
 *   - a CRC-32 per record line (one damaged line costs one record); a line
 *     may end in CRLF: the '\r' is not part of the line nor of its CRC;
 *   - reads that refuse what must not be trusted before reading a byte
 *     (not a regular file, group- or world-writable, owned by another
 *     user, over a size bound), as OpenSSH refuses such key files;
 *   - a symbolic link as the path is followed once, so the lock, the temp
 *     file and the rename sit beside the file it names and the link stays;
 *   - replacement that is atomic and durable: PATH.tmp (0600, O_EXCL after
 *     removing a stale one), fsync, rename over PATH, fsync of the
 *     directory; on failure PATH is untouched;
 *   - a lock file PATH.lock held for a save, never waited on forever, and
 *     waited on without polling (woken when the holder closes it);
 *   - the journal (journal.h): a save appends its records and compacts the
 *     file now and then.
 * Pure C + POSIX; no libuv, no engine. */
#ifndef DT_HSTS_BASE_SAFEFILE_H
#define DT_HSTS_BASE_SAFEFILE_H

#include "hsts/base/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* Bad line numbers remembered in a report (more are only counted). */
#define DT__FILE_BAD_KEPT 8
/* How long a lock is waited for before giving up (DT_ESTORE). */
#define DT__FILE_LOCK_WAIT_MS 10000u

/* What a load, save, import or export did. Plain value type. The counters
 * a file does not use stay 0. */
typedef struct dt__file_report {
  int err;           /* 0 or the DT_E* code the call returned */
  int sys_errno;     /* errno behind err, 0 if none */
  int missing;       /* load: the file did not exist (not an error) */
  size_t lines;      /* lines read (header and comments included) */
  size_t loaded;     /* records taken from the file or import */
  size_t skipped;    /* bad lines skipped (each costs one record) */
  size_t torn;       /* 1: the last line was an append cut short (a crash
                        while saving: dropped, not counted as damage) */
  size_t expired;    /* expired records dropped */
  size_t tombstones; /* deletions read from the file */
  size_t retired;    /* records of a kind an older detour wrote and this one
                        no longer keeps, read for what they still mean (the
                        HSTS store's knockouts, docs/hsts-store-format.md) */
  size_t saved;      /* save/export: records written */
  int unchanged;     /* save: nothing new, the file was not rewritten */
  size_t nbad;       /* how many of bad_lines[] are set */
  size_t bad_lines[DT__FILE_BAD_KEPT]; /* 1-based line numbers */
  char what[32];                       /* "HSTS store", "cookie jar", ... */
  char path[512];     /* the file concerned (truncated if longer) */
  char cause[256];    /* e.g. "Permission denied" */
  char fix[256];      /* what the user can do */
  char message[1200]; /* one sentence with what, path, cause and fix */
} dt__file_report;

/* Clears REP for a call on WHAT's file PATH (NULL: in memory). */
void dt__file_report_start(dt__file_report *rep, const char *what,
                           const char *path);
/* One bad line (LINENO, 1-based) skipped. */
void dt__file_report_bad(dt__file_report *rep, size_t lineno);
/* Tallies what a record reader said of line LINENO: 0 loaded, 1 expired,
 * DT_ENOMEM (the load fails: returns it, with the report filled), any
 * other code a bad line skipped. Returns 0 or DT_ENOMEM. */
int dt__file_report_record(dt__file_report *rep, int rc, size_t lineno);
/* Fills the error part: cause, fix, and the sentence. Returns ERR. */
int dt__file_report_fail(dt__file_report *rep, int err, int sys_errno,
                         const char *cause, const char *fix);
/* Out of memory (DT_ENOMEM, "retry"). Returns DT_ENOMEM. */
int dt__file_report_oom(dt__file_report *rep);
/* An errno E from the file system while doing WHAT (on WHERE, or the
 * report's path), as cause and fix. Returns DT_EIO. */
int dt__file_report_errno(dt__file_report *rep, int e, const char *what,
                          const char *where);

/* The next line of [*P, END): sets *LINE and *N (without the '\n' and a
 * '\r' before it: a file copied through a CRLF system still reads) and
 * moves *P past it. Returns 0 when nothing is left. */
int dt__safefile_line(const char **p, const char *end, const char **line,
                      size_t *n);

/* CRC-32 (IEEE 802.3): 0xcbf43926 for "123456789". */
uint32_t dt__crc32(const void *buf, size_t len);

/* What of a file this process has read: which file (device, inode) and
 * how far (the end of its last whole line), so a later save reads only
 * what other processes appended since (journal.h). */
typedef struct dt__safefile_view {
  int known; /* 0: nothing read yet (or the file was missing) */
  uint64_t dev, ino, off;
} dt__safefile_view;

/* Reads PATH whole into *buf (free()) and *len. A missing file sets
 * rep->missing and *buf = NULL, 0 returned. DT_ESTORE: not a regular
 * file, group- or world-writable or owned by another user (anyone else
 * could plant records), bigger than MAX. DT_EIO, DT_ENOMEM. VIEW (may be
 * NULL) says what was read. */
int dt__safefile_read(const char *path, size_t max, char **buf, size_t *len,
                      dt__file_report *rep);
int dt__safefile_read_view(const char *path, size_t max, char **buf,
                           size_t *len, dt__safefile_view *view,
                           dt__file_report *rep);
/* Whether the open file FD (its stat ST) may be trusted: a regular file,
 * not group- or world-writable, owned by this user (or root, as OpenSSH
 * allows). 0, or DT_ESTORE with the cause and the fix (chmod, chown). */
int dt__safefile_trusted(const struct stat *st, dt__file_report *rep);
/* PATH with symbolic links at its last component followed (PATH itself
 * when it is not a link, or names nothing yet) into OUT (CAP bytes): the
 * file a save must lock, write beside and rename over, so a link stays a
 * link (and a link and its target share one lock). 0, or DT_EINVAL (too
 * long), DT_EIO (a loop, an unreadable link) with the report filled. */
int dt__safefile_resolve(const char *path, char *out, size_t cap,
                         dt__file_report *rep);
/* mkdir -p of PATH's directory, new levels 0700 (what detour keeps says
 * where a user went: private by default). */
int dt__safefile_ensure_dir(const char *path, dt__file_report *rep);

/* Writes the file's content to OUT, counting records in *COUNT. 0 or a
 * DT_E*. */
typedef int (*dt__safefile_gen)(FILE *out, void *ud, size_t *count);
/* Replaces PATH atomically and durably with what GEN writes (through
 * PATH.tmp). rep->saved is the count. 0, or DT_EIO with PATH untouched, or
 * GEN's error. */
int dt__safefile_replace(const char *path, dt__safefile_gen gen, void *ud,
                         dt__file_report *rep);

/* Takes the lock PATH.lock (created 0600), waiting at most the lock wait
 * (asleep until the holder closes the lock file, not polling). Returns the
 * lock's descriptor (give it to dt__safefile_unlock), or a negative DT_E*
 * (DT_ESTORE when another process holds it too long). */
int dt__safefile_lock(const char *path, dt__file_report *rep);
void dt__safefile_unlock(int fd);
/* The lock wait, for tests (the default DT__FILE_LOCK_WAIT_MS). */
void dt__safefile_set_lock_wait(unsigned ms);

/* ---- record-line files -------------------------------------------------
 * The shape of the user-data directory's files: line 1 is the file's magic
 * (name and version: MAGICS lists the ones a reader takes, NULL-ended, the
 * current version first), then one record per line as "<record> <crc>",
 * the CRC-32 of every byte before the last space in 8 lowercase hex
 * digits; blank lines and '#' comments are skipped. A line whose CRC does
 * not match or whose record the owner refuses costs that record only; a
 * last line without its '\n' that fails is an append cut short (rep->torn).
 * Records are taken in file order: a journal's records (journal.h) come
 * after the ones they change. */

/* Takes one verified record (N bytes, no CRC, no newline). Returns 0 (taken),
 * 1 (expired, dropped: rep->expired), -1 (bad record: rep->skipped) or
 * DT_ENOMEM (stops the read). */
typedef int (*dt__safefile_record_fn)(void *ud, const char *rec, size_t n);
/* Which of MAGICS the first line of BUF is: its index, or -1. */
int dt__safefile_magic(const char *buf, size_t len, const char *const *magics);
/* Passes BUF's records to FN. 0, DT_ESTORE (line 1 is none of MAGICS: not
 * this file, nothing taken) or DT_ENOMEM. rep->lines and ->loaded are
 * counted. */
int dt__safefile_records(const char *buf, size_t len, const char *const *magics,
                         dt__safefile_record_fn fn, void *ud,
                         dt__file_report *rep);
/* Reads PATH (at most MAX bytes, as dt__safefile_read) and passes its
 * records to FN; a missing file is 0 with rep->missing. */
int dt__safefile_load_records(const char *path, size_t max,
                              const char *const *magics,
                              dt__safefile_record_fn fn, void *ud,
                              dt__file_report *rep);
/* Writes "REC <crc>\n" to OUT. */
void dt__safefile_put_record(FILE *out, const char *rec, size_t n);

/* ---- clears --------------------------------------------------------------
 * What a "clear browsing data" asks of the next save: the file's records
 * made in these time ranges are dropped when the save merges the file in,
 * so a clear reaches the file without undoing what other processes wrote
 * outside it. Past DT__CLEARS_MAX ranges the last one widens. */
#define DT__CLEARS_MAX 8
typedef struct dt__clears {
  int64_t from[DT__CLEARS_MAX], to[DT__CLEARS_MAX];
  size_t n;
} dt__clears;
void dt__clears_add(dt__clears *c, int64_t from_ms, int64_t to_ms);
/* 1 when T falls in a range. */
int dt__clears_cover(const dt__clears *c, int64_t t);

/* ---- record fields ------------------------------------------------------
 * A record is space-separated fields; text fields are percent-encoded
 * (bytes <= 0x20, '%', '=' and 0x7f as %XX) so any string fits one. */
typedef struct dt__recfield {
  const char *s, *e;
} dt__recfield;
/* Splits REC into at most MAX fields in OUT; the count, or MAX + 1 when
 * there are more (the record is then not this version's). */
size_t dt__record_split(const char *rec, size_t n, dt__recfield *out,
                        size_t max);
/* Appends S encoded to B. */
void dt__record_put_text(dt__buf *b, const char *s);
/* F decoded into a new string (free()), or NULL: a bad escape, an encoded
 * NUL, out of memory. */
char *dt__record_text(dt__recfield f);
/* F as a non-negative decimal (no sign, no overflow): 0, or -1. */
int dt__record_int(dt__recfield f, int64_t *out);
/* F as a decimal with an optional '-' (a clear's range may start at
 * INT64_MIN): 0, or -1. */
int dt__record_sint(dt__recfield f, int64_t *out);
/* F is exactly the word W. */
int dt__record_is(dt__recfield f, const char *w);

#endif
