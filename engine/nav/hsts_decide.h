/* hsts_decide.h — the decision (internal): is this URL's host a Known HSTS
 * Host — the dynamic store first, then the preload list, per the context's
 * profile (RFC 6797 §8.2, §8.3; docs/decisions.md knobs 7 and 8). Never
 * touches the network. The answer is a dt_hsts_decision (detour.h), the
 * record a synthetic hop carries. */
#ifndef DT_NAV_HSTS_DECIDE_H
#define DT_NAV_HSTS_DECIDE_H

#include "detour.h"

/* Decides for URL: only http: and ws: URLs are upgraded. Returns
 * d->known. */
int dt__hsts_decide(dt_ctx *ctx, const dt_url *url, dt_hsts_decision *d);
/* The same question for URL's host whatever the scheme (an https hop to a
 * Known HSTS Host allows no certificate override, RFC 6797 §8.4). */
int dt__hsts_host_known(dt_ctx *ctx, const dt_url *url, dt_hsts_decision *d);

#endif
