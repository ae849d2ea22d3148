/* navigate.h — the navigation loop's one internal entry point besides the
 * public dt_fetch / dt_nav_cancel (navigate.c). */
#ifndef DT_NAV_NAVIGATE_H
#define DT_NAV_NAVIGATE_H

#include "detour.h"

/* Cancels every navigation of CTX in flight: each callback then runs with
 * DT_ECANCELED (dt_ctx_close). */
void dt__nav_cancel_all(dt_ctx *ctx);

#endif
