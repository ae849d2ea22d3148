/* profile.h — browser profiles as data (internal).
 *
 * A profile is a table of behaviour knobs: where the Fetch standard, the RFCs
 * and real browsers disagree, detour does not pick silently; each difference
 * is a field here and each profile sets it (docs/decisions.md, "The
 * knobs"; docs/profiles.md lists every knob, its value per profile and its
 * source). Code asks the profile, never "is this chromium?".
 *
 * Profiles are static, read-only rows: pointers returned here live for the
 * whole program and are never freed. */
#ifndef DT_ENGINE_PROFILE_H
#define DT_ENGINE_PROFILE_H

#include "detour.h"
#include "hsts/preload.h"

#include <stdint.h>

/* Knob 1: an empty `Location:` on a redirect status. */
typedef enum dt__empty_location {
  /* Chromium `HttpResponseHeaders::IsRedirect` looks for the first non-empty
   * Location; with none the 3xx is the final response (curl test 54 too). */
  DT__EMPTY_LOCATION_FINAL = 0,
  /* Fetch "location URL": "" parses to the response's own URL, so the
   * request redirects to itself until the limit (WPT
   * redirect-empty-location.any.js expects a network error). */
  DT__EMPTY_LOCATION_SELF
} dt__empty_location;

/* Knob 5: the Origin header after a cross-origin hop that keeps the method
 * (a 307/308 keeping a POST). */
typedef enum dt__origin_rule {
  /* Chromium //net RedirectUtil::UpdateHttpRequest: any cross-origin hop
   * replaces Origin with "null" (crbug 471397, POST reflection). */
  DT__ORIGIN_NULL_ON_CROSS_ORIGIN = 0,
  /* Fetch "serializing a request origin": the initiator's origin until the
   * request's redirect-taint stops being same-origin (A→B sends A; A→B→A
   * sends null to A). */
  DT__ORIGIN_REDIRECT_TAINT
} dt__origin_rule;

/* Knob 8 (a deeper preload entry without include_subdomains below an
 * ancestor that has it) uses hsts/preload.h's dt__preload_mode:
 * MOST_SPECIFIC (the deepest matching entry decides) or ANY_ANCESTOR (any
 * ancestor with include_subdomains counts). */

/* Knob 9: how a session and a request look on HTTP/2 (RFC 9113): the
 * SETTINGS a browser announces, the connection window it opens, the order
 * of the pseudo-header fields and the extra fields it sends. Servers and
 * CDNs tell browsers apart by exactly these (engine/net/http2.c). */
typedef struct dt__h2_shape {
  /* SETTINGS in the order sent; id 0 ends the list (RFC 9113 §6.5.2) */
  struct {
    uint16_t id;
    uint32_t value;
  } settings[8];
  uint32_t conn_window;     /* connection receive window (WINDOW_UPDATE on
                               stream 0 up from 65535); 0 leaves it */
  const char *pseudo_order; /* "masp": :method :authority :scheme :path */
  int headers_priority;     /* 1: HEADERS carry RFC 7540 priority: */
  uint16_t weight;          /* weight 1..256, */
  int exclusive;            /* exclusive dependency on stream 0 */
  const char *priority;     /* RFC 9218 `priority` value sent last; NULL:
                               none */
  int te_trailers;          /* 1: `te: trailers` after the fields */
} dt__h2_shape;

typedef struct dt__profile {
  const char *name;    /* "chromium", "fetch", "firefox" */
  const char *summary; /* one line for --help and docs */

  /* --- redirects (engine/nav/redirect.c) --- */
  dt__empty_location empty_location; /* knob 1 */
  int follow_identical_locations;    /* knob 2: 1 follow, 0 network error */
  int differing_locations_error;     /* knob 3: 1 in every profile */
  unsigned max_redirects;            /* knob 4: redirects followed; the
                                        next redirect response fails */
  int synthetic_hops_count;          /* knob 4b: HSTS int307 uses one */
  dt__origin_rule origin_rule;       /* knob 5 */
  /* R1: Referrer-Policy tokens matched ASCII case-insensitively (Chromium
   * redirect_info.cc CompareCaseInsensitiveASCII) or exactly (Referrer
   * Policy "parse a referrer policy from a Referrer-Policy header"). */
  int referrer_policy_case_insensitive;
  /* R2: the HSTS internal redirect recomputes the Referer like a real
   * redirect (Chromium: the int307 runs ComputeRedirectInfo) or leaves the
   * request's referrer alone (Fetch: the upgrade only sets the scheme). */
  int synthetic_hop_recomputes_referrer;

  /* --- HSTS (hsts/, passed in by the navigation as plain values) --- */
  uint64_t hsts_max_age_cap;                /* knob 6: seconds; 0 = no cap */
  int hsts_max_age_zero_knocks_out_preload; /* knob 7 */
  dt__preload_mode preload_rule;            /* knob 8 */

  /* --- the wire (engine/net/) --- */
  dt__h2_shape h2; /* knob 9 */
} dt__profile;

/* The profile named NAME (ASCII case-insensitive), or NULL if unknown. */
const dt__profile *dt__profile_find(const char *name);
/* NAME's profile, the default for NULL; NULL when unknown. */
const dt__profile *dt__profile_lookup(const char *name);
/* chromium: what `detour` does with no --profile. */
const dt__profile *dt__profile_default(void);
/* All rows, for --help, docs and tests: i in [0, dt__profile_count()). */
size_t dt__profile_count(void);
const dt__profile *dt__profile_at(size_t i);

#endif
