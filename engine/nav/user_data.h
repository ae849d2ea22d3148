/* user_data.h — what a context remembers besides the HSTS store (internal):
 * the HTTPS-Upgrades fallback list, the redirect cache and the cookie jar,
 * each in memory and, with a user-data directory, in its file there
 * (https-upgrades.txt, redirects.txt, cookies.txt) on the crash-safe kit.
 * Set up with the context, saved as navigations end, freed with it; the
 * public calls that list and clear them are here too (docs/user-data.md).
 * The HSTS store keeps its own file and handle (engine/hsts/store.c). */
#ifndef DT_NAV_USER_DATA_H
#define DT_NAV_USER_DATA_H

#include "engine/ctx.h"

/* Makes the parts OPT asks for and loads their files; a file problem is a
 * context warning and that part stays in memory. 0 or DT_ENOMEM. */
int dt__user_data_open(dt_ctx *ctx, const dt_ctx_options *opt);

/* Saving off the loop (docs/user-data.md "Saving"). The parts that changed
 * (and the HSTS store, with WITH_HSTS) are saved by one batch on libuv's
 * thread pool (uv_queue_work): each part's changes are taken on the loop
 * (a few records), appended to its file on a worker (hsts/base/journal.h:
 * the lock, the write, fdatasync, now and then a compaction), and the
 * part is told on the loop (a failure is a context warning). One batch at
 * a time: changes made while one runs go in the next, so each file sees
 * the saves in the order they began.
 * Returns 1 when CB (may be NULL) will run from the loop once what changed
 * until now is on disk, 0 when nothing was unsaved (CB is not called). */
int dt__user_data_save_async(dt_ctx *ctx, int with_hsts, void (*cb)(void *),
                             void *ud);
/* Finishes the batch in flight now, on the loop's thread (its file work
 * is run here when no worker has taken it yet): before a save made in the
 * caller's thread, which must come after it. */
void dt__user_data_flush(dt_ctx *ctx);
/* Saves the parts that changed now, on this thread (a failure is a
 * warning; the first error in REP when not NULL). */
int dt__user_data_save_now(dt_ctx *ctx, dt__file_report *rep);
/* The end of a browser session: session cookies go. Then frees (no batch
 * is in flight: it holds a reference on the context). */
void dt__user_data_free(dt_ctx *ctx);

#endif
