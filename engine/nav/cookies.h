/* cookies.h — a navigation's cookies (internal): what kind of request each
 * hop is for the jar (engine/cookie/jar.h) — same-site or not by the
 * profile's rule (knob 13), top-level or fetch(), third-party (knob 15),
 * credentials — which cookies go in its Cookie field, and what its
 * response's Set-Cookie fields do, before the next hop is computed. Each
 * decision is recorded on the hop (dt_hop_cookie, dt_hop_set_cookie).
 * docs/cookies.md. */
#ifndef DT_NAV_COOKIES_H
#define DT_NAV_COOKIES_H

#include "detour.h"
#include "engine/cookie/jar.h"
#include "engine/profile.h"

/* the redirect limit is far below this */
#define DT__COOKIE_NAV_MAX_URLS 64

typedef struct dt__cookie_nav {
  const dt__profile *profile;
  const dt_url *initiator; /* the page; NULL typed */
  int api;                 /* the hops are fetch()'s */
  int credentials;         /* dt_credentials (fetch()) */
  int tainted;             /* fetch(): a URL left the page's origin */
  dt_url *urls[DT__COOKIE_NAV_MAX_URLS]; /* the chain's URLs so far */
  size_t nurls;
} dt__cookie_nav;

void dt__cookie_nav_free(dt__cookie_nav *cn);

/* What kind of request a hop to URL with METHOD is, at NOW_MS; URL joins
 * the chain's list. WHY (CAP bytes) says it in words. */
void dt__cookie_nav_req(dt__cookie_nav *cn, const dt_url *url,
                        const char *method, int64_t now_ms, dt__cookie_req *r,
                        char *why, size_t cap);

/* The Cookie value for R from JAR into *VALUE (a new string, NULL when no
 * cookie goes), each matched cookie recorded on HOP (HOP NULL: nothing
 * recorded). 0 or DT_ENOMEM. */
int dt__cookies_for_request(dt__cookie_jar *jar, const dt__cookie_req *r,
                            const char *why, dt_chain *chain, dt_hop *hop,
                            char **value);

/* Applies HOP's Set-Cookie fields for R (its Date corrects Expires),
 * recording what each did. 0 or DT_ENOMEM. */
int dt__cookies_from_response(dt__cookie_jar *jar, dt__cookie_req *r,
                              dt_chain *chain, dt_hop *hop);

#endif
