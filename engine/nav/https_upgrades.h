/* https_upgrades.h — Chromium's HTTPS-Upgrades and Firefox's HTTPS-First
 * (internal): which http navigations are tried over https first, what
 * counts as that attempt failing, and the hosts that fell back (not tried
 * again). Profile knob 11; docs/https-upgrades.md has the rules and their
 * sources. The navigation (navigate.c) records the synthetic 307s. */
#ifndef DT_NAV_HTTPS_UPGRADES_H
#define DT_NAV_HTTPS_UPGRADES_H

#include "detour.h"
#include "engine/profile.h"
#include "hsts/base/journal.h"

#include <stddef.h>

/* The hosts that fell back, most recent last (bounded: the oldest goes). */
#define DT__FALLBACK_MAX 1024

typedef struct dt__fallback_list {
  char *host[DT__FALLBACK_MAX];
  int64_t at[DT__FALLBACK_MAX]; /* when it fell back (ms, the ctx clock) */
  unsigned char fresh[DT__FALLBACK_MAX]; /* added by this process since its
                                            last save: what a save adds */
  size_t n;
  int dirty;          /* added since the file was read or written */
  dt__clears cleared; /* clears the next save applies to the file */
  dt__buf pending;    /* record lines a failed save did not write */
} dt__fallback_list;

int dt__fallback_has(const dt__fallback_list *l, const char *host);
/* HOST fell back at AT_MS. 0 or DT_ENOMEM. */
int dt__fallback_add(dt__fallback_list *l, const char *host, int64_t at_ms);
/* Empties L and frees what it holds (its unsaved lines too). */
void dt__fallback_clear(dt__fallback_list *l);
/* Forgets the hosts that fell back in [FROM_MS, TO_MS], here and (at the
 * next save) in the file; how many. */
size_t dt__fallback_clear_between(dt__fallback_list *l, int64_t from_ms,
                                  int64_t to_ms);

/* The list on disk, in the user-data directory (docs/https-upgrades.md):
 *   detour-https-upgrades 2
 *   f <host> <at_ms> <crc>          a host fell back at at_ms
 *   x <from_ms> <to_ms> <crc>       a clear: the hosts above that fell
 *                                   back in [from, to] are forgotten
 * with the kit's guarantees (hsts/base/safefile.h, journal.h); version 1
 * (f records only) still loads. Load merges the file into L (a missing
 * file is empty), reading records in file order. A save appends L's clears
 * and then the hosts L added (journal.h), so processes sharing the
 * directory lose nothing and a clear is not undone by a process that had
 * loaded the cleared hosts; both fill REP. */
int dt__fallback_load(dt__fallback_list *l, const char *path,
                      dt__file_report *rep);
int dt__fallback_save(dt__fallback_list *l, const char *path,
                      dt__file_report *rep);
/* The save in three steps, for a save off the loop (engine/nav/user_data):
 * _begin takes L's changes into a job (L forgets them; NULL when there are
 * none, or out of memory: *ERR then DT_ENOMEM), dt__journal_run runs it on
 * any thread, _end (L's thread) gives L back what a failed save did not
 * write, fills REP from the job and frees it: 0 or the job's error. */
dt__journal_job *dt__fallback_save_begin(dt__fallback_list *l, const char *path,
                                         int *err);
int dt__fallback_save_end(dt__fallback_list *l, dt__journal_job *j,
                          dt__file_report *rep);
/* The file's bytes BUF merged into L (for the fuzz target). */
int dt__fallback_load_mem(dt__fallback_list *l, const char *buf, size_t len,
                          dt__file_report *rep);

/* A unique public host name: a registrable domain under a suffix the
 * public suffix list names (not .test, .local, .localhost, not one label,
 * not an IP literal). */
int dt__https_upgrades_unique_host(const dt_url *url);

/* Is URL (requested with METHOD, a navigation whose URL came as INPUT)
 * tried over https first under P? API: the request is fetch()'s, which
 * neither browser upgrades (HTTPS-First "only upgrades top-level loads",
 * nsHTTPSOnlyUtils::ShouldUpgradeHttpsFirstRequest step 2). The HSTS
 * decision comes before and is not this one's; FALLBACK holds the hosts
 * that fell back or are exempt. */
int dt__https_upgrades_eligible(const dt__https_upgrades *p, const dt_url *url,
                                const char *method, dt__input input, int api,
                                const dt__fallback_list *fallback);

/* Does this http request exempt its host from later upgrades, as a
 * fallback does? Firefox: a URL typed with its http:// scheme, for a name
 * HTTPS-First would otherwise consider (ShouldUpgradeHttpsFirstRequest
 * step 5 adds the exception before looking at the port or the method). */
int dt__https_upgrades_exempts(const dt__https_upgrades *p, const dt_url *url,
                               dt__input input, int api);

/* Does an https answer with STATUS fail the attempt by itself (Firefox:
 * 4xx and 5xx; Chromium shows any status)? */
int dt__https_upgrades_status_fails(const dt__https_upgrades *p, int status);

/* The file for the journal (hsts/base/journal.h): its header check and
 * its compaction, exposed for the fuzz target. Its compaction takes no user
 * data. */
const dt__journal_kind *dt__fallback_journal_kind(void);

#endif
