/* redirect.h — the pure redirect rules (internal): one response in, the
 * next request (or the final answer, or an error) out. No I/O; the only
 * allocations are the next request's URL, method and headers, owned by the
 * state. Table-tested in tests/unit/test_redirect.c; the rules and their
 * sources are docs/redirects.md §1 and docs/decisions.md.
 *
 * How the navigation loop uses it:
 *
 *   dt__redirect_state st;
 *   dt__redirect_params p = {.profile = prof, .url = first, .method = "POST",
 *                            .has_body = 1, .headers = h, .header_count = n,
 *                            .initiator = page_or_NULL};
 *   if ((err = dt__redirect_init(&st, &p)) != 0) fail(err);
 *   for (;;) {
 *     dt__redirect_request req;
 *     dt__redirect_current(&st, &req);         // URL, method, body?, headers
 *     if (hsts says upgrade req.url) {
 *       dt_url *u = dt__hsts_upgrade_url(req.url);
 *       if (dt__redirect_upgrade(&st, u, &out) == DT__REDIRECT_ERROR) fail;
 *       dt_url_free(u); append synthetic hop; continue;
 *     }
 *     send req (client adds Host, Connection, Content-Length, UA, Accept);
 *     switch (dt__redirect_next(&st, status, resp_headers, resp_n, &out)) {
 *       case DT__REDIRECT_FINAL: done; case DT__REDIRECT_ERROR: fail(out.err);
 *       case DT__REDIRECT_FOLLOW: hop note = out.note; continue;
 *     }
 *   }
 *   dt__redirect_cleanup(&st);
 *
 * Bad ports: dt__redirect_init() refuses a first URL on a bad port and
 * dt__redirect_next() refuses a hop to one (DT_EBADPORT). */
#ifndef DT_ENGINE_REDIRECT_H
#define DT_ENGINE_REDIRECT_H

#include "detour.h"
#include "engine/nav/referrer.h"
#include "engine/net/request.h"
#include "engine/profile.h"

#include <stddef.h>

/* Carried request headers (the caller's); more is DT_EINVAL at init. */
#define DT__REDIRECT_MAX_HEADERS DT__REQ_MAX_CALLER_FIELDS
/* Explanation lines per decision and their size (bounded, truncated). */
#define DT__REDIRECT_MAX_STEPS 12
#define DT__REDIRECT_STEP_BYTES 192
#define DT__REDIRECT_NOTE_BYTES 512

/* Fetch's "bad port" list (Fetch §2.9 "port blocking"): 1 if PORT is on it.
 * The list includes 0. */
int dt__port_is_bad(int port);
/* Fetch main fetch "should request be blocked due to a bad port": an
 * HTTP(S) URL whose port (explicit, or the scheme default) is bad. */
int dt__url_port_is_blocked(const dt_url *url);

/* Is STATUS a redirect status (Fetch "redirect status"): exactly 301, 302,
 * 303, 307, 308. Everything else is final, Location or not. */
int dt__redirect_is_redirect_status(int status);

/* The permanent-redirect marker for the audit: 1 when a browser would cache
 * this response with no end, i.e. STATUS is 301 or 308 (heuristically
 * cacheable, RFC 9110 §15.4.2/§15.4.9, RFC 9111 §4.2.2) and it has no
 * explicit freshness or prohibition: no Expires, no Cache-Control max-age,
 * no-store or no-cache, no Pragma: no-cache (Chromium
 * HttpResponseHeaders::GetFreshnessLifetimes: "permanent redirects are
 * cached by browsers"). A 301 with max-age=3600 is cached for an hour, not
 * forever, and is not marked. */
int dt__redirect_is_cacheable_permanent(int status, const dt_header *headers,
                                        size_t count);

typedef enum dt__redirect_verdict {
  DT__REDIRECT_FINAL = 0,  /* this response is the navigation's answer */
  DT__REDIRECT_FOLLOW = 1, /* send dt__redirect_current() next */
  DT__REDIRECT_ERROR = 2   /* network error: out->err says which */
} dt__redirect_verdict;

typedef struct dt__redirect_params {
  const dt__profile *profile; /* NULL → dt__profile_default() (chromium) */
  const dt_url *url;          /* first URL; copied */
  const char *method;         /* NULL → "GET"; copied. Fetch "normalize":
                                 delete/get/head/options/post/put are
                                 upper-cased; others kept byte for byte */
  int has_body;               /* the request has a body to (re)send */
  int body_streamed;          /* body has no replayable source (Fetch
                                 step 11); detour's own bodies are bytes,
                                 so 0 unless an embedder streams */
  const dt_header *headers;   /* caller headers; copied. Host, Connection,
                                 Content-Length and the other hop-by-hop
                                 fields are dropped (the client writes its
                                 own). Referer and Origin are managed: a
                                 caller-set Referer seeds the referrer and
                                 a caller-set Origin the request origin
                                 when no initiator is given. */
  size_t header_count;
  const dt_url *initiator; /* page the navigation starts from (link or
                              form); NULL: typed by the user → no
                              referrer and no request origin */
  dt__referrer_policy referrer_policy; /* EMPTY → the default */
  size_t max_url_bytes;                /* 0 → DT_DEFAULT_MAX_URL_BYTES */
  int max_redirects_set; /* 1: MAX_REDIRECTS replaces the profile's limit
                            (--max-redirs); 0: the profile's (knob 4) */
  unsigned max_redirects;
  int manual; /* 1: redirects are not followed: a redirect
                 response is FINAL with a note (Fetch redirect
                 mode "manual", --no-follow) */
  int mode;   /* dt_request_mode: with an initiator, CORS is fetch() (cors
                 mode), DEFAULT the profile's (knob 10's
                 cors_with_initiator) */
} dt__redirect_params;

/* The state of one navigation, Fetch's "request" between hops. Fields are
 * visible for tests and the navigation's --explain; change them only through
 * the functions below. Every pointer is owned by the state. */
typedef struct dt__redirect_state {
  const dt__profile *profile;
  dt_url *url; /* request's current URL */
  char *method;
  int has_body, body_streamed;
  dt_header *headers; /* carried caller headers (owned copies) */
  size_t header_count;
  unsigned redirect_count;   /* redirects followed, synthetic ones
                                included when the profile counts them */
  unsigned synthetic_count;  /* HSTS internal redirects taken */
  int authorization_dropped; /* sticky: a cross-origin hop happened */
  dt__referrer_policy referrer_policy;
  dt_url *referrer;    /* request's referrer; NULL: no referrer */
  char *origin;        /* request's origin, serialised; NULL none */
  int origin_explicit; /* Origin came from the caller's headers */
  int origin_tainted;  /* Fetch redirect-taint not same-origin */
  int origin_nulled;   /* Chromium: a cross-origin hop happened */
  int origin_removed;  /* Chromium: the method changed */
  int cors;            /* fetch()'s cors mode (an initiator, and the
                          request's mode or the profile's) */
  int auth_retried;    /* the URL's credentials were sent after a 401 */
  int cors_tainted;    /* Fetch response tainting "cors": a URL of the
                          chain was not same-origin with the request's */
  size_t max_url_bytes;
  unsigned max_redirects; /* the profile's, or the caller's override */
  int manual;
  /* The request to send now: carried headers + Referer + Origin. */
  dt_header *req_headers; /* the array is owned; strings are views */
  size_t req_header_count;
  const char *origin_value; /* Chromium: the Origin header carried
                               (st->origin or "null"), NULL: none */
} dt__redirect_state;

/* Fills ST from P (copies everything) and computes the first request's
 * Referer and Origin. Returns 0, DT_EINVAL (bad method, too many headers,
 * unparsable caller Referer), DT_ESCHEME (not http/https), DT_EBADPORT, or
 * DT_ENOMEM. On failure ST holds nothing to free (cleanup is still safe). */
int dt__redirect_init(dt__redirect_state *st, const dt__redirect_params *p);
/* Frees what the state owns; ST may be zeroed or failed-init. */
void dt__redirect_cleanup(dt__redirect_state *st);

/* The request to send now. Pointers are views into ST, valid until the next
 * dt__redirect_next/upgrade/cleanup. HEADERS holds the carried caller
 * headers plus Referer and Origin when they apply; never Host, Connection
 * or Content-Length. */
typedef struct dt__redirect_request {
  const dt_url *url;
  const char *method;
  int send_body; /* 1: send the caller's body again */
  const dt_header *headers;
  size_t header_count;
} dt__redirect_request;
void dt__redirect_current(const dt__redirect_state *st,
                          dt__redirect_request *out);

/* One explanation line: what happened and the rule (static citation). */
typedef struct dt__redirect_step {
  const char *rule;
  char text[DT__REDIRECT_STEP_BYTES];
} dt__redirect_step;

typedef struct dt__redirect_out {
  dt__redirect_verdict verdict;
  int err; /* DT_E* when ERROR, else 0 */
  /* The hop's note: the steps' texts joined by "; " ("302: POST became
   * GET, body dropped; Authorization dropped (cross-origin)"). "" when
   * there is nothing to say. */
  char note[DT__REDIRECT_NOTE_BYTES];
  const char *rule; /* the deciding rule (first step's) */
  size_t step_count;
  dt__redirect_step steps[DT__REDIRECT_MAX_STEPS];
  int cacheable_permanent;   /* dt__redirect_is_cacheable_permanent() */
  dt__redirect_request next; /* FOLLOW: same as dt__redirect_current() */
} dt__redirect_out;

/* HTTP-redirect fetch (Fetch §4.4) for the response STATUS with HEADERS,
 * received for the state's current request. FINAL leaves ST unchanged;
 * FOLLOW advances ST to the next request; ERROR leaves ST unchanged and sets
 * out->err: DT_EREDIRECT_LOCATION (unparsable, too long, or several
 * Location fields per the profile), DT_EREDIRECT_SCHEME, DT_EREDIRECT_LIMIT,
 * DT_EBADPORT, DT_EINVAL (a streamed body cannot be replayed, step 11),
 * DT_ENOMEM. OUT is always filled. */
dt__redirect_verdict dt__redirect_next(dt__redirect_state *st, int status,
                                       const dt_header *headers, size_t count,
                                       dt__redirect_out *out);

/* A final 401 (STATUS, HEADERS) to a navigation whose URL carries
 * credentials (https://user:pw@host/, as a followed Location may) and a
 * WWW-Authenticate: Basic challenge: the same request again, once, with
 * the credentials as Authorization (RFC 7617; measured on Chromium 156:
 * first without, then with). FOLLOW, or FINAL when it does not apply.
 * fetch() (cors mode) gets it only when the profile answers the 401
 * (knob 17b) and the chain never left the page's origin. */
dt__redirect_verdict dt__redirect_auth_retry(dt__redirect_state *st, int status,
                                             const dt_header *headers,
                                             size_t count,
                                             dt__redirect_out *out);

/* The HSTS upgrade of the current request to UPGRADED (made by
 * dt__hsts_upgrade_url; copied, the caller still frees it). It is the
 * synthetic "307 Internal Redirect" hop: method, body and headers are kept
 * (Chromium HSTSPreservesPosts); it counts toward the limit when the profile
 * says so (knob 4b) and recomputes the Referer when the profile says so
 * (R2). Returns FOLLOW, or ERROR with DT_EREDIRECT_LIMIT / DT_ENOMEM. */
dt__redirect_verdict dt__redirect_upgrade(dt__redirect_state *st,
                                          const dt_url *upgraded,
                                          dt__redirect_out *out);

/* Why the browser redirected internally (a synthetic 307). */
typedef enum dt__internal_why {
  DT__INTERNAL_HSTS = 0,      /* a Known HSTS Host */
  DT__INTERNAL_HTTPS_UPGRADE, /* HTTPS-Upgrades: https first */
  DT__INTERNAL_HTTPS_FALLBACK /* HTTPS-Upgrades: back to http */
} dt__internal_why;
/* dt__redirect_upgrade for any of them: the current request goes to URL,
 * method, body and fields kept, counted as the profile counts internal
 * redirects (knob 4b). */
dt__redirect_verdict dt__redirect_internal(dt__redirect_state *st,
                                           const dt_url *url,
                                           dt__internal_why why,
                                           dt__redirect_out *out);
/* The request's referrer computed afresh from SOURCE (the page's URL) for
 * the current URL, with the current policy: Firefox's link after its
 * HTTPS-First upgrade keeps the Referer an https page sends to https
 * (knob 11). 0 or DT_ENOMEM. */
int dt__redirect_referrer_from(dt__redirect_state *st, const dt_url *source);

#endif
