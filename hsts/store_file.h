/* store_file.h — the HSTS store on disk (docs/hsts-store-format.md):
 * a versioned text file with a CRC32 per line whose records merge in any
 * order, saved by appending this process's changes under a lock (the
 * kit's journal, hsts/base/journal.h: one write and an fdatasync, the
 * file compacted now and then by an atomic replace), so that several
 * processes sharing one file lose nothing (the curl/curl#21847 problem)
 * and a save costs what changed. Also import from and export to curl's
 * --hsts cache format.
 *
 * Internal (dt__ names); the engine and the CLI wrap it. Pure C + POSIX
 * (open, flock, fsync, rename); no libuv: a save's middle step runs on any
 * thread (the engine runs it off the loop). Every problem is reported with
 * the path, the cause and the fix, and the caller can go on with the store
 * in memory only.
 *
 * Ownership: nothing here returns memory to free. Reports are the
 * caller's (a plain struct, filled in place). FILE streams passed in are
 * written and flushed, never closed. Paths are only read during the call. */
#ifndef DT_HSTS_STORE_FILE_H
#define DT_HSTS_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hsts/base/journal.h"
#include "hsts/base/safefile.h"
#include "hsts/store.h"

#define DT__HSTS_FILE_VERSION 1
#define DT__HSTS_FILE_MAGIC "detour-hsts-store"
/* Bad line numbers remembered in a report (more are only counted). */
#define DT__HSTS_FILE_BAD_KEPT DT__FILE_BAD_KEPT
/* Longest line accepted; longer lines are bad lines (a bound, not a rule:
 * the longest valid entry line is under 320 bytes). */
#define DT__HSTS_FILE_MAX_LINE 1024u
/* Largest store file read (bigger files are refused, not truncated). */
#define DT__HSTS_FILE_MAX_BYTES (256u * 1024u * 1024u)
/* Deletions are remembered in the file this long, so a process that noted
 * the host before the deletion cannot bring it back on its next save. */
#define DT__HSTS_FILE_TOMB_KEEP_MS (30LL * 24 * 3600 * 1000)
/* A save skips the rewrite when its only changes are entries the file
 * already has with an expiry within this much (Firefox's one day). */
#define DT__HSTS_FILE_REWRITE_SLACK_MS (24LL * 3600 * 1000)
/* How long a save waits for another process's lock before giving up
 * (DT_ESTORE, nothing written, the journal kept). */
#define DT__HSTS_FILE_LOCK_WAIT_MS DT__FILE_LOCK_WAIT_MS
/* Range deletions ("clear", "delete observed between") kept in the file. */
#define DT__HSTS_FILE_RANGES_KEPT 64u

/* What a load, save, import or export did: the kit's report
 * (hsts/base/safefile.h), with "HSTS store" as what. Every call below
 * clears it first. */
typedef dt__file_report dt__hsts_file_report;

/* Loads the store file PATH into S (merged: an entry replaces S's only if
 * it was observed later; deletions in the file remove S's older entries).
 * A missing file is not an error (rep->missing = 1). Bad lines are
 * skipped and counted; expired entries are dropped. Refused with
 * DT_ESTORE: a world-writable file (anyone could plant entries), a file
 * that is not regular, a file that is not a detour store, a newer format
 * version. DT_EIO: the file could not be read. DT_ENOMEM. S is unchanged
 * on DT_ESTORE/DT_EIO, so the caller can continue memory-only. REP may be
 * NULL. */
int dt__hsts_file_load(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep);

/* Loads from memory (BUF, LEN bytes; need not be NUL-terminated): the
 * parser behind dt__hsts_file_load, exposed for the fuzzer and tests.
 * Never crashes on any bytes. Returns 0, DT_ESTORE (not a store / newer
 * version; S unchanged) or DT_ENOMEM. */
int dt__hsts_file_load_mem(dt__hsts_store *s, const char *buf, size_t len,
                           dt__hsts_file_report *rep);

/* As dt__hsts_file_load, and VIEW (not NULL) says what was read, so a
 * later save reads only what other processes appended since. */
int dt__hsts_file_load_view(dt__hsts_store *s, const char *path,
                            dt__safefile_view *view, dt__hsts_file_report *rep);

/* Saves S to PATH under an exclusive flock on "PATH.lock" (journal.h):
 * S's journal (range deletions, deletions, entries noted here) is appended
 * to the file as records, which mean what a merge would say (the later
 * observation wins). Missing directories are created with mode 0700, a
 * new file with 0600. An entry the file already has with the same flags
 * and an expiry within a day is not written (Firefox's rule); with nothing
 * to write the file is untouched (rep->unchanged). Afterwards S holds what
 * the file holds, other processes' entries included, and its journal is
 * empty. Returns 0, DT_EIO (cannot create or write: disk full,
 * permissions; the file is as it was), DT_ESTORE (the existing file is
 * refused, as for load; it is never written), DT_ENOMEM. On error S is
 * unchanged (its journal kept for a later try). REP may be NULL. Without
 * a view the whole file is read at every save; _view keeps VIEW (from
 * dt__hsts_file_load_view) up to date, so a save reads only what others
 * appended. */
int dt__hsts_file_save(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep);
int dt__hsts_file_save_view(dt__hsts_store *s, const char *path,
                            dt__safefile_view *view, dt__hsts_file_report *rep);

/* A save that also compacts the file whatever its journal's size: it is
 * written anew with only what it says (superseded records, deletions
 * older than DT__HSTS_FILE_TOMB_KEEP_MS and expired entries go). Saves do
 * this on their own when the journal outgrows a quarter of the file. */
int dt__hsts_file_compact(dt__hsts_store *s, const char *path,
                          dt__hsts_file_report *rep);

/* The save in three steps, for a save off the loop thread (the engine):
 *   _begin (S's thread) takes S's journal into a job: with RESET_NOW S's
 *     journal is emptied at once (changes made while the job runs stay
 *     for the next save) and PENDING (NPENDING bytes of record lines an
 *     earlier failed save gave back) goes first; without, S's journal is
 *     emptied by a successful _end. VIEW (may be NULL) is copied. NULL
 *     when out of memory (*ERR DT_ENOMEM);
 *   _run (any thread) touches only the job and the file;
 *   _end (S's thread) fills REP and VIEW, makes S hold what the file
 *     holds (the others' records appended since the view, or the file's
 *     whole picture when another process compacted it, with S's newer
 *     changes on top) and frees the job. On failure with RESET_NOW the
 *     job's record lines are appended to PENDING for the next save.
 *     Returns the save's code. */
typedef struct dt__hsts_save dt__hsts_save;
dt__hsts_save *dt__hsts_save_begin(dt__hsts_store *s, const char *path,
                                   const dt__safefile_view *view,
                                   const char *pending, size_t npending,
                                   int reset_now, int *err);
int dt__hsts_save_run(dt__hsts_save *j);
int dt__hsts_save_end(dt__hsts_store *s, dt__hsts_save *j,
                      dt__safefile_view *view, dt__buf *pending,
                      dt__hsts_file_report *rep);
/* Frees a job that is not ended (out of memory on the way). */
void dt__hsts_save_free(dt__hsts_save *j);
/* Makes J compact the file whatever its journal's size (a load found
 * records this version no longer keeps: report.retired). Before _run. */
void dt__hsts_save_compact(dt__hsts_save *j);

/* Sets the lock wait for every later save in this process (tests use a
 * short one; 0 = try once). Not thread-safe: set it at start-up. */
void dt__hsts_file_set_lock_wait(unsigned ms);

/* Writes S (no merge, no lock) in the store format to OUT; for tests and
 * `detour hsts list --format store`. Returns 0 or DT_EIO. */
int dt__hsts_file_write(dt__hsts_store *s, FILE *out,
                        dt__hsts_file_report *rep);

/* ---- curl's --hsts cache format ------------------------------------------ */
/* One entry per line: `[.]host "YYYYMMDD HH:MM:SS"` (UTC expiry) or
 * `[.]host "unlimited"`; a leading '.' means includeSubDomains; lines
 * starting with '#' are comments (CURLOPT_HSTS(3), "FILE FORMAT"). curl
 * keeps no observation time: imported entries are observed at import. */

/* Imports BUF into S (entries journalled, so the next save keeps them).
 * Bad lines are skipped and counted, expired ones dropped. Returns 0 or
 * DT_ENOMEM. */
int dt__hsts_file_import_curl_mem(dt__hsts_store *s, const char *buf,
                                  size_t len, dt__hsts_file_report *rep);
/* Same from the file PATH: DT_EIO when it cannot be read (with report). */
int dt__hsts_file_import_curl(dt__hsts_store *s, const char *path,
                              dt__hsts_file_report *rep);
/* Writes every live entry to OUT in curl's format (expiry rounded down to
 * the second; DT__HSTS_NEVER as "unlimited"). Returns 0 or DT_EIO. */
int dt__hsts_file_export_curl(dt__hsts_store *s, FILE *out,
                              dt__hsts_file_report *rep);
/* Same to PATH, written atomically with mode 0600. */
int dt__hsts_file_export_curl_path(dt__hsts_store *s, const char *path,
                                   dt__hsts_file_report *rep);

/* ---- helpers ------------------------------------------------------------- */
/* The default store path: $XDG_DATA_HOME/detour/hsts.txt when
 * XDG_DATA_HOME is set and absolute (XDG Base Directory spec), else
 * $HOME/.local/share/detour/hsts.txt. Writes a NUL-terminated path to OUT
 * (CAP bytes). Returns 0, or DT_EINVAL when neither variable is usable
 * or the path does not fit (out is then ""). */
int dt__hsts_file_default_path(char *out, size_t cap);

#endif
