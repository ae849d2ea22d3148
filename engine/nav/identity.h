/* identity.h — who a request says it is (internal): the fields a browser
 * sends on each hop of a navigation, by the profile's table (knob 10,
 * engine/profile.h; docs/profiles.md "Request fields").
 *
 * Pure: one hop in (its kind, URL, method, body, and the fields the
 * redirect rules carried — the caller's, Referer, Origin), the ordered
 * field list out, each field with the rule that put it there (for the hop
 * record, --explain and the JSON). Sec-Fetch-Site is the one value that
 * depends on earlier hops: it only escalates (Fetch Metadata §2.1), so the
 * navigation's state keeps the worst so far. Table-tested in
 * tests/unit/test_identity.c. */
#ifndef DT_NAV_IDENTITY_H
#define DT_NAV_IDENTITY_H

#include "detour.h"
#include "engine/net/request.h"
#include "engine/profile.h"

/* as many as the client carries (engine/net/request.h) */
#define DT__IDENTITY_MAX_FIELDS (DT__REQ_MAX_CALLER_FIELDS + 24)

/* One navigation's identity. Zero it, then set what applies. */
typedef struct dt__identity_nav {
  const dt__profile *profile;
  const char *user_agent;      /* -A: replaces User-Agent only; NULL */
  unsigned major;              /* the browser's major version; 0: the
                                  profile's */
  const char *accept_language; /* NULL: the profile's */
  const dt_url *initiator;     /* the page of a link or form; NULL typed */
  int form;                    /* the navigation began as a form POST */
  int mode; /* dt_request_mode: fetch() or a navigation (DEFAULT: fetch()
               with an initiator when the profile says so) */
  int cookie_from_jar; /* this hop's carried Cookie holds the jar's cookies
                          (after the caller's own when cookie_from_caller) */
  int cookie_from_caller;
  int site_rank; /* Sec-Fetch-Site so far: 0 none, 1 same-origin, 2
                    same-site, 3 cross-site */
} dt__identity_nav;

typedef struct dt__identity_out {
  dt_header f[DT__IDENTITY_MAX_FIELDS];     /* views: profile strings, the
                                               carried fields, the buffers */
  const char *why[DT__IDENTITY_MAX_FIELDS]; /* the rule, a short line */
  size_t n;
  int api; /* this hop is fetch()'s (cors mode) */
  char ua[320];
  char ch_ua[160];
  char clen[24];
  char why_site[320];
} dt__identity_out;

/* 1 when NAV's hops are fetch()'s (cors mode), not a navigation's. */
int dt__identity_is_api(const dt__identity_nav *nav);

/* The fields of one hop of kind KIND (FIRST/FORM/REDIRECT/UPGRADE; API is
 * chosen here when the profile makes requests with an initiator
 * fetch()'s) to URL with METHOD, sending a body of BODY_LEN bytes when
 * SEND_BODY, carrying CARRIED (the caller's fields after the redirect
 * rules, Referer and Origin; a caller's field with an empty value removes
 * the field of that name, as curl's -H "Name:"). Updates NAV's
 * Sec-Fetch-Site. 0, or DT_EINVAL (a value with CR or LF; too many
 * fields). */
int dt__identity_fields(dt__identity_nav *nav, dt__hop_kind kind,
                        const dt_url *url, const char *method, int send_body,
                        size_t body_len, const dt_header *carried,
                        size_t carried_count, dt__identity_out *out);

/* Fetch Metadata's relation of INITIATOR's origin to URL: "same-origin",
 * "same-site" (schemeful: same scheme and registrable domain, from the
 * public suffix list) or "cross-site" — as a rank 1..3. */
int dt__identity_site_rank(const dt_url *initiator, const dt_url *url);

/* The field's name as the table spells it ("sec-ch-ua", "User-Agent"). */
const char *dt__identity_field_name(dt__field f);

#endif
