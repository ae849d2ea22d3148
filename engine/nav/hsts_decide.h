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

/* The preload list's age, said where it could have changed an answer
 * (docs/cli.md "Warnings"): a navigation watches its decisions, and its
 * chain gets one warning when a stale list's entry decided a hop or a
 * stale list that the policy disabled had an entry for a hop's host. */
typedef struct dt__preload_watch {
  size_t hop; /* 1-based hop of the first such decision; 0 none */
  int how;    /* 1 upgraded, 2 disabled (went out over http), 3 made a
                 certificate error fatal */
  char entry[DT_MAX_HOST_BYTES + 1];
} dt__preload_watch;
/* Notes decision D about hop HOP (1-based). CERT_FATAL: D was the https
 * hop's question (a certificate error is fatal for a Known HSTS Host). */
void dt__preload_watch_note(dt_ctx *ctx, dt__preload_watch *w,
                            const dt_hsts_decision *d, size_t hop,
                            int cert_fatal);
/* The warning for the chain, in OUT ("" when there is none to give);
 * CHAIN_ERR is the navigation's error (a certificate error on a host the
 * list made known is the list's doing only then). */
void dt__preload_watch_warning(dt_ctx *ctx, const dt__preload_watch *w,
                               int chain_err, char *out, size_t cap);

#endif
