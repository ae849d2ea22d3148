/* hsts_policy.h — the engine's HSTS decisions (internal): is this URL's host
 * a Known HSTS Host (dynamic store first, then the preload list, per the
 * context's profile), and what does a response's Strict-Transport-Security
 * field do to the store. The data structures live in hsts/ (pure C); this
 * file applies the rules that need the engine's view of a hop: scheme,
 * host kind, certificate verification.
 *
 * Rules: RFC 6797 §8.1 (noting), §8.3 (URI loading), §8.2 (Known HSTS Host);
 * reference/hsts-rules.md rules 1, 4, 5 (when a header is noted) and
 * DECISIONS.md knobs 6–8. */
#ifndef DT_ENGINE_HSTS_POLICY_H
#define DT_ENGINE_HSTS_POLICY_H

#include "detour.h"
#include "engine/nav/chain.h"

#include <stdint.h>

typedef enum dt__hsts_source {
  DT__HSTS_SRC_NONE = 0,
  DT__HSTS_SRC_DYNAMIC, /* the persistent store (a header seen earlier) */
  DT__HSTS_SRC_PRELOAD  /* the preload list */
} dt__hsts_source;

typedef struct dt__hsts_verdict {
  int upgrade;             /* 1 → make the synthetic 307 */
  dt__hsts_source source;
  /* Why not (upgrade == 0): "not-http" (scheme is not http/ws),
   * "not-a-domain" (IP literal or no host), "localhost", "hsts-off",
   * or the store's / list's reason token ("no-entry", "expired", ...). */
  const char *why;
  char host[DT_MAX_HOST_BYTES + 1];  /* the host looked up */
  char entry[DT_MAX_HOST_BYTES + 1]; /* the entry that matched */
  int include_subdomains;
  int exact;               /* the entry is the host itself */
  int64_t expires_ms;      /* dynamic: expiry (INT64_MAX: none) */
  int64_t observed_ms;     /* dynamic: when the header was noted */
  char list_date[11];      /* preload: the list's date */
} dt__hsts_verdict;

/* Decides for URL (http:/ws: URLs only can upgrade). Never touches the
 * network. Returns v->upgrade. */
int dt__hsts_decide(dt_ctx *ctx, const dt_url *url, dt__hsts_verdict *v);
/* The same question for URL's host whatever the scheme (an https hop to a
 * Known HSTS Host allows no certificate override). Returns v->upgrade. */
int dt__hsts_host_known(dt_ctx *ctx, const dt_url *url, dt__hsts_verdict *v);

/* One line for people: "HSTS: preload entry example.com, includeSubDomains
 * (list 2026-06-01)". */
void dt__hsts_verdict_note(const dt__hsts_verdict *v, char *out, size_t cap);
/* The machine-readable reason object for the synthetic hop (JSON), copied
 * into CHAIN's arena; NULL on ENOMEM. */
const char *dt__hsts_verdict_json(dt_chain *chain, const dt__hsts_verdict *v);

/* Notes the first Strict-Transport-Security field of HOP (a response to
 * URL) into the context's store when the rules allow it, and records what
 * happened as hop->hsts_json, and in HUMAN (cap bytes; "" when the hop had
 * no STS field) for the hop's note. */
void dt__hsts_observe(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                      const dt_url *url, char *human, size_t cap);

#endif
