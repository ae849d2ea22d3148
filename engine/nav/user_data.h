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
/* Saves the parts that changed (a failure is a warning). */
void dt__user_data_settle(dt_ctx *ctx);
/* The end of a browser session: session cookies go. Then frees. */
void dt__user_data_free(dt_ctx *ctx);

#endif
