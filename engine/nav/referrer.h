/* referrer.h — Referrer Policy (W3C webappsec-referrer-policy, snapshot
 * 88f8f25): parsing the `Referrer-Policy` header and computing the referrer
 * of a request (internal, pure: no I/O).
 *
 * A "referrer" here is a URL (the request's referrer in Fetch terms): the
 * page a navigation comes from, then, after every hop, the stripped value
 * computed for that hop. It only ever gets less specific along a chain
 * (docs/redirects.md rule 22), because each hop's result is stored back.
 */
#ifndef DT_ENGINE_REFERRER_H
#define DT_ENGINE_REFERRER_H

#include "detour.h"

/* Referrer Policy §3 "referrer policy" enum. DT__RP_EMPTY is the empty
 * string: "use the default", strict-origin-when-cross-origin (§3.1, Fetch
 * main fetch step "set request's referrer policy to the default"). */
typedef enum dt__referrer_policy {
  DT__RP_EMPTY = 0,
  DT__RP_NO_REFERRER,
  DT__RP_NO_REFERRER_WHEN_DOWNGRADE,
  DT__RP_SAME_ORIGIN,
  DT__RP_ORIGIN,
  DT__RP_STRICT_ORIGIN,
  DT__RP_ORIGIN_WHEN_CROSS_ORIGIN,
  DT__RP_STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
  DT__RP_UNSAFE_URL
} dt__referrer_policy;

#define DT__RP_DEFAULT DT__RP_STRICT_ORIGIN_WHEN_CROSS_ORIGIN

/* The policy's token ("strict-origin-when-cross-origin"); "" for EMPTY.
 * Static string. */
const char *dt__referrer_policy_name(dt__referrer_policy p);
/* EMPTY → the default policy; any other value unchanged. */
dt__referrer_policy dt__referrer_policy_effective(dt__referrer_policy p);

/* One token (LEN bytes) → policy. Returns 1 and sets *out when TOKEN is a
 * referrer policy, 0 otherwise (unknown and legacy tokens such as `never`,
 * `default`, `always` are not policies; §11.1). CASE_INSENSITIVE selects
 * Chromium's ASCII case-insensitive match (profile knob R1). */
int dt__referrer_policy_from_token(const char *token, size_t len,
                                   int case_insensitive,
                                   dt__referrer_policy *out);

/* Referrer Policy §11.1 "parse a referrer policy from a Referrer-Policy
 * header": every `Referrer-Policy` field of HEADERS, split on commas, OWS
 * trimmed; the LAST recognised token wins; unknown tokens are ignored.
 * Returns 1 and sets *out when one was recognised, 0 when none (then the
 * request's policy stays as it is: Fetch "set request's referrer policy on
 * redirect" step 2). */
int dt__referrer_policy_parse_header(const dt_header *headers, size_t count,
                                     int case_insensitive,
                                     dt__referrer_policy *out);

/* Secure Contexts §3.1/§3.2 "is url potentially trustworthy": about:blank,
 * about:srcdoc, data:; https/wss; 127.0.0.0/8 and ::1; localhost and
 * *.localhost; file:. */
int dt__url_is_potentially_trustworthy(const dt_url *url);

/* Referrer Policy §8.4 "strip url for use as a referrer": no userinfo, no
 * fragment; ORIGIN_ONLY also drops path and query ("https://a.test/").
 * Returns a new URL in *out (dt_url_free it) or *out = NULL for "no
 * referrer" (local schemes about:, blob:, data:). 0 or DT_ENOMEM/DT_EURL. */
int dt__referrer_strip(const dt_url *url, int origin_only, dt_url **out);

/* Referrer Policy §8.3 "determine request's referrer": REFERRER is the
 * request's referrer (NULL: no referrer → stays none), TARGET the request's
 * current URL, POLICY its referrer policy (EMPTY → default). On success
 * *out is the new referrer (dt_url_free it), or NULL for no referrer; the
 * caller stores it back as the request's referrer. A serialisation over
 * 4096 bytes falls back to the origin (§8.3 step 6). Returns 0, or
 * DT_ENOMEM / DT_EURL. */
int dt__referrer_compute(const dt_url *referrer, dt__referrer_policy policy,
                         const dt_url *target, dt_url **out);

#endif
