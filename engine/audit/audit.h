/* audit.h — the audit's internal view: one site's result while it is
 * judged (judge.c), and how the navigations are run (audit.c, the public
 * dt_audit of detour.h).
 *
 * One audit makes the navigations the HSTS preload checker
 * (chromium/hstspreload, docs/redirects.md §4) and a browser make,
 * all at once on the caller's loop, then judges the chains into
 * dt__audit_findings (engine/audit/audit_header.h) in the checker's order:
 *
 *   chain "https"    https://D/ following at most 3 redirects (checker
 *                    context: HSTS off). Hop 0 is the checker's "response"
 *                    (fetched without following), the rest its HTTPS
 *                    redirect chain (preloadableHTTPSRedirectsURL).
 *   chain "http"     http://D/ following at most 3 redirects (checker):
 *                    checkHSTSOverHTTP on hop 0, preloadableHTTPRedirects on
 *                    the chain, the first redirect's own response.
 *   chain "www"      https://www.D/ without following (checker): only
 *                    whether TLS works (domain.www.no_tls); skipped when D is
 *                    not an eTLD+1, like the checker.
 *   chain "browser"  the target as a browser navigates it (the Chromium
 *                    profile, HSTS on with a fresh memory-only store and the
 *                    preload list): http://D/ for a domain, the URL itself
 *                    (with the method and body) for a URL.
 *
 * The checker is not a browser: its walks run on a context with HSTS off,
 * so no walk upgrades another's URLs. The browser navigation gets a context
 * of its own per audit, so one audit never sees HSTS another one noted; its
 * connections come from a pool all the browsers share (a connection holds
 * no such memory), never from the checker's.
 *
 * Everything is bounded: findings (DT__AUDIT_MAX_FINDINGS), one evidence
 * entry per finding, the chains' own limits. */
#ifndef DT_ENGINE_AUDIT_H
#define DT_ENGINE_AUDIT_H

#include "detour.h"
#include "engine/audit/audit_header.h"

#include <stddef.h>
#include <stdint.h>

/* The chains, as detour.h numbers them. */
#define DT__AUDIT_CHAIN_HTTPS DT_AUDIT_CHAIN_HTTPS
#define DT__AUDIT_CHAIN_HTTP DT_AUDIT_CHAIN_HTTP
#define DT__AUDIT_CHAIN_WWW DT_AUDIT_CHAIN_WWW
#define DT__AUDIT_CHAIN_BROWSER DT_AUDIT_CHAIN_BROWSER
#define DT__AUDIT_CHAIN_COUNT DT_AUDIT_CHAIN_COUNT

/* The checker follows at most this many redirects (redirects.go). */
#define DT__AUDIT_CHECKER_MAX_REDIRECTS 3u
#define DT__AUDIT_TARGET_MAX 2048

/* Which hop a finding points at; chain -1 = none (e.g. domain format). */
typedef struct dt__audit_evidence {
  int chain; /* dt__audit_chain_id or -1 */
  int hop;   /* index into that chain's hops, or -1 */
} dt__audit_evidence;

typedef struct dt__audit_result {
  char target[DT__AUDIT_TARGET_MAX];  /* as given (truncated if longer) */
  char domain[DT_MAX_HOST_BYTES + 1]; /* the domain judged ("" if none) */
  int err;    /* 0, or why (part of) the audit could not run (DT_E*) */
  int judged; /* 1: the navigations ran and were judged; 0: the target
                 stopped at the domain checks or could not be audited */
  /* Findings in report order: the checker's errors, then its warnings
   * (each in the checker's order), then detour's browser-side codes. */
  dt__audit_findings findings;
  dt__audit_evidence ev[DT__AUDIT_MAX_FINDINGS];
  dt_chain *chains[DT__AUDIT_CHAIN_COUNT]; /* NULL: not run */
} dt__audit_result;

/* The pure parts, for tests. Domain format (hstspreload checkDomainFormat,
 * checkEffectiveTLDPlusOne; the public suffix list through libpsl): appends
 * to OUT; returns 1 when the format errors stop the audit, else 0.
 * *ETLD1 is set to 1 when DOMAIN is its own registrable domain. */
int dt__audit_domain(const char *domain, dt__audit_findings *out,
                     dt__audit_evidence *ev, int *etld1);
/* Judges the chains already in RES (domain set, findings holding the domain
 * checks) and appends the rest of the findings in report order. */
void dt__audit_judge(dt__audit_result *res, int etld1);

/* The caller's view of RES (detour.h's dt_audit_result): FS holds
 * DT__AUDIT_MAX_FINDINGS; both live as long as RES. */
void dt__audit_result_view(const dt__audit_result *res, dt_audit_result *pub,
                           dt_audit_finding *fs);
/* Frees RES and its chains. */
void dt__audit_result_free(dt__audit_result *res);

/* Exit-relevant summary. */
size_t dt__audit_errors(const dt__audit_result *res);

/* "https", "http", "www", "browser". */
const char *dt__audit_chain_name(int chain);

#endif
