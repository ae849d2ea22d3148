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

/* Knob 10: who the request says it is — its fields' names, order and
 * values for each kind of hop (engine/nav/identity.c; docs/profiles.md
 * lists them with their sources). Host (or HTTP/2's pseudo-header fields)
 * always comes first and is the client's; the rest is this table. */
typedef enum dt__field {
  DT__F_END = 0,
  DT__F_CONNECTION,
  DT__F_CONTENT_LENGTH,
  DT__F_CACHE_CONTROL,
  DT__F_CH_UA,
  DT__F_CH_UA_MOBILE,
  DT__F_CH_UA_PLATFORM,
  DT__F_UPGRADE_INSECURE,
  DT__F_CONTENT_TYPE,
  DT__F_USER_AGENT,
  DT__F_ORIGIN,
  DT__F_ACCEPT,
  DT__F_SEC_FETCH_SITE,
  DT__F_SEC_FETCH_MODE,
  DT__F_SEC_FETCH_USER,
  DT__F_SEC_FETCH_DEST,
  DT__F_REFERER,
  DT__F_ACCEPT_ENCODING,
  DT__F_ACCEPT_LANGUAGE,
  DT__F_PRIORITY,
  DT__F_OTHERS, /* the caller's fields no slot names, in their order */
  DT__F_COOKIE,
  DT__F_COUNT
} dt__field;

/* The kinds of hop whose field order a browser was measured to change. */
typedef enum dt__hop_kind {
  DT__KIND_FIRST = 0, /* the navigation's first request (typed or link) */
  DT__KIND_FORM,      /* the first request of a form POST */
  DT__KIND_REDIRECT,  /* after a followed 3xx or an HSTS internal 307 */
  DT__KIND_UPGRADE,   /* after an HTTPS-Upgrades internal 307 */
  DT__KIND_API,       /* fetch() (cors mode), every hop */
  DT__KIND_COUNT
} dt__hop_kind;

#define DT__IDENTITY_MAX_SLOTS 24

typedef struct dt__identity {
  /* values; "{v}" stands for the major version */
  const char *user_agent;
  unsigned major;
  const char *ch_ua; /* client hints; NULL: the browser sends none */
  const char *ch_ua_mobile;
  const char *ch_ua_platform;
  const char *accept; /* a navigation's */
  const char *accept_language;
  const char *accept_encoding_secure; /* https and trustworthy origins */
  const char *accept_encoding_plain;  /* plain http to anything else */
  /* RFC 9218 Priority: a navigation's, sent over HTTP/1.1 too, and
   * fetch()'s (cors mode); NULL: none */
  const char *priority;
  const char *priority_api;
  int form_cache_control;  /* a form POST sends Cache-Control: max-age=0,
                              on every hop of its navigation */
  int cors_with_initiator; /* requests with an initiator are fetch()'s,
                              cors mode (the fetch profile) */
  /* the order per kind; an empty one (first slot END) is FIRST's */
  dt__field order[DT__KIND_COUNT][DT__IDENTITY_MAX_SLOTS];
  const char *source; /* where the values and orders come from */
} dt__identity;

/* Knob 11: trying https first for an http navigation — Chromium's
 * HTTPS-Upgrades and Firefox's HTTPS-First are one mechanism with
 * different values (engine/nav/https_upgrades.c; docs/https-upgrades.md
 * gives each value its source). */
/* How the navigation's URL came: what the user typed, with its scheme or
 * without (the address bar added it: dt_address_bar_url), or a link on
 * the initiator's page. Kept for every hop of the navigation. */
typedef enum dt__input {
  DT__INPUT_TYPED = 0,  /* typed with its scheme (`http://a.example/`) */
  DT__INPUT_SCHEMELESS, /* typed without one (`a.example`) */
  DT__INPUT_LINK,       /* a link or form on the initiator's page */
  DT__INPUT_COUNT
} dt__input;
#define DT__INPUT_BIT(i) (1u << (i))

typedef struct dt__https_upgrades {
  const char *name; /* "HTTPS-Upgrades", "HTTPS-First"; NULL: none */
  unsigned inputs;  /* DT__INPUT_BITs of the inputs that are upgraded */
  /* How long the https attempt runs alone (ms; dt_ctx_options can set
   * it): then it fails (no probe), or a background GET of the http
   * origin goes out (probe) and its answer gives https up. */
  unsigned wait_ms;
  int probe;
  /* An https answer with a status in [status_min, status_max] fails the
   * attempt too (0, 0: none does). */
  int status_min, status_max;
  /* Hosts that fell back are exempt for the context's life only (1), or
   * kept in the user-data directory (0). */
  int session_exemptions;
  /* A typed http:// URL with its scheme exempts its host like a fallback
   * (1). */
  int typed_http_exempts;
  /* An upgraded link's Referer is judged on the https URL (1: an https
   * page's link keeps its Referer), or was judged on the http URL before
   * the upgrade (0: none from an https page, the downgrade rule). */
  int referrer_after_upgrade;
} dt__https_upgrades;

/* Knob 16: a br or zstd body over plain http to a host that is not
 * potentially trustworthy — codings the request did not offer there
 * (knob 10's accept_encoding_plain). */
typedef enum dt__unoffered_coding {
  /* Chromium 156, measured: ERR_CONTENT_DECODING_FAILED (DT_EDECODE) */
  DT__UNOFFERED_ERROR = 0,
  /* Firefox ESR 153, measured: the body is shown as it came, undecoded */
  DT__UNOFFERED_RAW,
  /* Fetch "handle content codings": a coding the user agent supports is
   * decoded, offered or not (RFC 9110 §8.4 lets a server send one the
   * client did not ask for; §12.5.3's SHOULD binds the server) */
  DT__UNOFFERED_DECODE
} dt__unoffered_coding;

/* Knob 17: fetch() (cors mode) redirected to a Location with userinfo
 * (`https://user:pw@b.test/`). A navigation follows it in every profile
 * (without the credentials; a 401 Basic is answered with them once). */
typedef enum dt__api_location_credentials {
  /* Chromium 156, measured: a network error, whatever the origin */
  DT__API_CREDENTIALS_ERROR = 0,
  /* Fetch HTTP-redirect fetch steps 9-10: a network error when the
   * Location's origin is not the request's origin, or the response
   * tainting is already "cors"; followed otherwise */
  DT__API_CREDENTIALS_CROSS_ORIGIN_ERROR
} dt__api_location_credentials;

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
  uint64_t hsts_max_age_cap; /* knob 6: seconds; 0 = no cap */
  /* Knob 7 (max-age=0 from a preloaded host) is no longer a field: it has
   * no effect on the list in every profile (measured on Firefox ESR 153 as
   * on Chromium; docs/decisions.md knob 7). */
  dt__preload_mode preload_rule; /* knob 8 */

  /* --- the wire (engine/net/) --- */
  dt__h2_shape h2;                   /* knob 9 */
  dt__identity request;              /* knob 10 */
  dt__https_upgrades https_upgrades; /* knob 11 */
  /* Knob 12: a 301/308 without freshness information is kept by the
   * redirect cache for good (heuristic freshness, RFC 9111 §4.2.2): 1
   * Chromium, 0 Firefox (both measured); docs/redirect-cache.md. */
  int redirect_cache_permanent;

  /* --- cookies (engine/nav/cookies.c; docs/cookies.md) --- */
  /* Knob 13: SameSite judged on the whole redirect chain (every URL
   * same-site with the current one: RFC 6265bis §5.2, Firefox measured)
   * or on the initiator and the current URL only (Chromium measured; its
   * kCookieSameSiteConsidersRedirectChain is off by default). */
  int samesite_whole_chain;
  /* Knob 14: a cookie without SameSite is Lax, still sent on a cross-site
   * top-level POST for 2 minutes after its creation (Chromium; RFC
   * 6265bis §5.6.7.1 lets a browser do it); 0: it goes everywhere
   * (Firefox measured, and the RFC's base rule). */
  int samesite_lax_by_default;
  /* Knob 15: third-party cookies (a fetch() to another site than the
   * page's) blocked, SameSite=None included (Chromium measured; Firefox's
   * state partitioning keeps a site's own cookies out of such requests
   * too), or allowed (the standards). */
  int block_third_party_cookies;

  /* --- content codings (engine/nav/navigate.c; docs/codings.md) --- */
  dt__unoffered_coding unoffered_coding; /* knob 16 */

  /* --- fetch() and credentials in a Location (engine/nav/redirect.c) --- */
  dt__api_location_credentials api_location_credentials; /* knob 17 */
  /* Knob 17b: fetch() that followed such a Location answers a 401 with
   * `WWW-Authenticate: Basic` once with the URL's credentials (Firefox
   * measured: 1); 0: the 401 is the answer (Fetch would prompt the end
   * user, HTTP-network-or-cache fetch's 401 step; detour has none). */
  int api_auth_retry;
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
