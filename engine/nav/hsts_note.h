/* hsts_note.h — noting a response's Strict-Transport-Security field
 * (internal; RFC 6797 §8.1, docs/hsts.md rules 1–5): over a verified
 * https connection to a domain, the first field is parsed with the
 * profile's cap and applied to the context's store. What happened is the
 * hop's dt_sts_note (detour.h). */
#ifndef DT_NAV_HSTS_NOTE_H
#define DT_NAV_HSTS_NOTE_H

#include "detour.h"

/* Notes HOP's first STS field (HOP answered URL) when the rules allow it,
 * and records the outcome in hop->sts. Nothing when the hop has no
 * response or no STS field. */
void dt__hsts_observe(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                      const dt_url *url);

#endif
