/* redirect_cache.h — the browser's memory of redirects (internal): a
 * redirect answer kept by URL and served again with no request while it
 * is fresh (RFC 9111 §4.2), as measured on Chromium (docs/redirect-cache.md):
 *   - 301 and 308 without Cache-Control or Expires: heuristically fresh,
 *     kept for good (profile knob 12: Chromium yes, Firefox no);
 *   - 301, 302, 307, 308 with explicit freshness (max-age, or Expires after
 *     Date): until it runs out;
 *   - never: no-store, no-cache, max-age=0, a request other than GET, or a
 *     302/307 without explicit freshness.
 * Bounded (DT__RC_MAX entries, the oldest goes), and on disk in the
 * user-data directory with the crash-safe kit (hsts/base/safefile.h). */
#ifndef DT_NAV_REDIRECT_CACHE_H
#define DT_NAV_REDIRECT_CACHE_H

#include "detour.h"
#include "hsts/base/journal.h"

#include <stdint.h>

#define DT__RC_MAX 4096      /* entries */
#define DT__RC_MAX_FIELDS 16 /* response fields kept per entry */
#define DT__RC_MAX_URL 8192  /* a longer URL is not kept */
#define DT__RC_FOREVER INT64_MAX

typedef struct dt__rc_entry {
  char *url; /* the request's URL, without its fragment */
  int status;
  char *reason;
  dt_header fields[DT__RC_MAX_FIELDS]; /* owned strings */
  size_t nfields;
  int64_t stored_ms;  /* when it was received (the ctx clock) */
  int64_t expires_ms; /* DT__RC_FOREVER: kept for good */
  int fresh_here;     /* stored by this process since its load: saved */
  uint64_t by;        /* the navigation that stored it (0: from the file) */
} dt__rc_entry;

typedef struct dt__redirect_cache {
  dt__rc_entry *e;
  size_t n, cap;
  int dirty;
  dt__clears cleared; /* clears the next save applies to the file */
  dt__buf pending;    /* record lines a failed save did not write */
} dt__redirect_cache;

/* How long the answer STATUS with FIELDS may be served from the cache,
 * received at NOW_MS to a METHOD request: -1 not at all, DT__RC_FOREVER,
 * or the expiry time. HEURISTIC_PERMANENT: knob 12. */
int64_t dt__rc_expiry(const char *method, int status, const dt_header *fields,
                      size_t count, int64_t now_ms, int heuristic_permanent);

/* Keeps the answer for URL when dt__rc_expiry says so (replacing an older
 * one). 0, or DT_ENOMEM. */
int dt__rc_store(dt__redirect_cache *c, const char *url, const char *method,
                 int status, const char *reason, const dt_header *fields,
                 size_t count, int64_t now_ms, int heuristic_permanent,
                 uint64_t nav_id);
/* The fresh entry for URL (GET) at NOW_MS, or NULL; stale ones go. An
 * entry the navigation NAV_ID stored itself is not served to it: Chromium
 * serves cached redirects to later navigations (measured: a 301 loop
 * within one navigation goes to the network every time, conformance C63). */
const dt__rc_entry *dt__rc_lookup(dt__redirect_cache *c, const char *url,
                                  int64_t now_ms, uint64_t nav_id);
/* Forgets entries stored in [FROM_MS, TO_MS], here and (at the next
 * save) in the file; how many. */
size_t dt__rc_clear(dt__redirect_cache *c, int64_t from_ms, int64_t to_ms);
/* Frees what C holds (its unsaved lines too); C is then empty. */
void dt__rc_free(dt__redirect_cache *c);

/* The file (docs/redirect-cache.md), version 2 (version 1, without clears,
 * still loads):
 *   e <stored> <expires|forever> <status> <url> <reason> [<name>=<value>]...
 *   x <from_ms> <to_ms>      a clear: entries above stored in [from, to]
 *                            are forgotten
 * Load merges it in (a missing file is empty), records in file order. A
 * save appends what this process cleared and then what it stored
 * (hsts/base/journal.h); _begin/_end split it for a save off the loop as
 * the fallback list's do (https_upgrades.h). */
int dt__rc_load(dt__redirect_cache *c, const char *path, int64_t now_ms,
                dt__file_report *rep);
int dt__rc_load_mem(dt__redirect_cache *c, const char *buf, size_t len,
                    int64_t now_ms, dt__file_report *rep);
int dt__rc_save(dt__redirect_cache *c, const char *path, int64_t now_ms,
                dt__file_report *rep);
dt__journal_job *dt__rc_save_begin(dt__redirect_cache *c, const char *path,
                                   int64_t now_ms, int *err);
int dt__rc_save_end(dt__redirect_cache *c, dt__journal_job *j,
                    dt__file_report *rep);

/* The file for the journal (hsts/base/journal.h): its header check and
 * its compaction, exposed for the fuzz target. Its compaction's user data
 * points to the int64_t now (ms). */
const dt__journal_kind *dt__rc_journal_kind(void);

#endif
