/* jar.h — the cookie jar (internal): RFC 6265bis §5.7 (storing) and §5.8.3
 * (retrieving) as Chromium applies them, with every refusal named
 * (cookie.h) and Chromium's bounds (docs/cookies.md).
 *
 * Cookies are grouped by their registrable domain (eTLD+1 from the public
 * suffix list, or the host itself when it has none), as Chromium's
 * CookieMonster keys them: a request looks at its own group only, and the
 * per-domain bound counts a group. No libuv, no TLS: URLs, fields and a
 * clock in, decisions out; the navigation says what kind of request it is
 * (dt__cookie_req). The files are jar_file.h's. */
#ifndef DT_COOKIE_JAR_H
#define DT_COOKIE_JAR_H

#include "detour.h"
#include "engine/cookie/cookie.h"
#include "hsts/base/buf.h"

/* Chromium's bounds (CookieMonster): a group over 180 is purged to 150, a
 * jar over 3300 to 3000 (docs/cookies.md "Bounds"); the order is jar.c's
 * purge_group and purge_total. */
#define DT__JAR_DOMAIN_MAX 180
#define DT__JAR_DOMAIN_PURGE 30
#define DT__JAR_TOTAL_MAX 3300
#define DT__JAR_TOTAL_PURGE 300
/* Lax-allowing-unsafe (RFC 6265bis §5.6.7.1): a cookie without SameSite
 * still goes on a cross-site top-level POST for this long after creation. */
#define DT__JAR_LAX_UNSAFE_MS (2 * 60 * 1000)
/* Chromium notes a cookie's last access at most once a minute
 * (kDefaultAccessUpdateThresholdSeconds), and its global purge spares
 * cookies used in the last 30 days (kSafeFromGlobalPurgeDays). */
#define DT__JAR_ACCESS_EVERY_MS (60 * 1000)
#define DT__JAR_SAFE_FROM_PURGE_MS (30LL * 24 * 3600 * 1000)
/* A Path attribute or a default path longer than this is not kept. */
#define DT__JAR_MAX_PATH 1024

typedef struct dt__cookie {
  char *name, *value, *domain, *path; /* domain: canonical, no dot */
  int64_t created_ms, last_access_ms;
  int64_t expires_ms; /* persistent only */
  uint64_t seq;       /* creation order within the jar (ties of created) */
  unsigned char host_only, secure, http_only, persistent;
  unsigned char fresh; /* set by this process since the file was read */
  unsigned char samesite, priority; /* dt__samesite, dt__cookie_priority */
} dt__cookie;

typedef struct dt__cookie_jar dt__cookie_jar;

/* What kind of request a Set-Cookie came with, or cookies are wanted for:
 * the navigation works it out per hop (engine/nav/cookies.c). */
typedef struct dt__cookie_req {
  const dt_url *url;
  const char *method;
  int secure;         /* a potentially trustworthy URL (https, localhost) */
  int same_site;      /* schemeful same-site by the profile's rule */
  int top_level;      /* a navigation, not fetch() */
  int third_party;    /* third-party and the profile blocks those */
  int no_credentials; /* fetch()'s credentials mode leaves cookies out */
  int lax_by_default; /* no SameSite means Lax (with the 2 minutes) */
  int64_t now_ms;
  int64_t server_date_ms; /* the response's Date (Expires is corrected by
                             the server's clock skew); 0 unknown */
} dt__cookie_req;

/* What one Set-Cookie did. */
typedef enum dt__cookie_outcome {
  DT__COOKIE_STORED = 0, /* new */
  DT__COOKIE_REPLACED,   /* took an older one's place (its creation kept) */
  DT__COOKIE_DELETED,    /* expired: the cookie it names is gone */
  DT__COOKIE_NOTHING,    /* expired, and there was none to delete */
  DT__COOKIE_REJECTED    /* reason says why */
} dt__cookie_outcome;

typedef struct dt__cookie_set_result {
  dt__cookie_outcome outcome;
  dt__cookie_reason reason;
  int host_only, secure, http_only, persistent;
  dt__samesite samesite;
  int64_t expires_ms;
  const char *name; /* a view into the field */
  size_t name_len;
  char domain[DT_MAX_HOST_BYTES + 1];
  char path[DT__JAR_MAX_PATH + 1];
} dt__cookie_set_result;

/* One cookie a request matched by domain and path: sent or held back. */
typedef struct dt__cookie_pick {
  const dt__cookie *c;        /* valid until the jar next changes */
  dt__cookie_reason withheld; /* DT__COOKIE_OK: sent */
} dt__cookie_pick;

dt__cookie_jar *dt__jar_new(void); /* NULL: out of memory */
void dt__jar_free(dt__cookie_jar *j);
/* The bounds (tests and benchmarks raise them; 0 keeps one). */
void dt__jar_set_bounds(dt__cookie_jar *j, size_t total_max, size_t domain_max);

/* Applies one Set-Cookie field value received for R. 0 (see *out), or
 * DT_ENOMEM (nothing changed). */
int dt__jar_set(dt__cookie_jar *j, const dt__cookie_req *r, const char *field,
                size_t len, dt__cookie_set_result *out);
/* Puts C as it is (an import, a file): replaces the cookie with the same
 * name, domain, host-only flag and path. Takes C (and frees it when it is
 * not kept). 0; DT_EINVAL when C is not a cookie a server could have set
 * (dt__cookie_valid); DT_ENOMEM. */
int dt__jar_put(dt__cookie_jar *j, dt__cookie *c);

/* The cookies R matches by domain and path, the ones to send first in
 * Cookie order (longer paths, then older), then the ones held back. Sent
 * cookies' last access becomes now. Up to CAP in OUT; the count (may be
 * more than CAP). */
size_t dt__jar_pick(dt__cookie_jar *j, const dt__cookie_req *r,
                    dt__cookie_pick *out, size_t cap);

/* Every cookie, in creation order; stops when CB returns non-zero (that
 * value is returned). Expired ones at NOW_MS are dropped first. */
int dt__jar_each(dt__cookie_jar *j, int64_t now_ms,
                 int (*cb)(const dt__cookie *c, void *ud), void *ud);
size_t dt__jar_count(const dt__cookie_jar *j);
/* Removes cookies created in [FROM_MS, TO_MS] whose domain is DOMAIN or
 * under it (NULL: any); how many. Remembered for the next save. */
size_t dt__jar_clear(dt__cookie_jar *j, const char *domain, int64_t from_ms,
                     int64_t to_ms);
/* Removes the cookie with this key, if any (not remembered: the file's
 * merge uses it). 1 removed, 0 none. */
int dt__jar_forget(dt__cookie_jar *j, const char *name, const char *domain,
                   int host_only, const char *path);
/* Removes session cookies (the end of a browser session). */
void dt__jar_end_session(dt__cookie_jar *j);

/* C's fields are a cookie's: a lowercase host name or IP address as the
 * domain (no empty label), a path starting with '/', name and value within 4096
 * bytes and neither empty, and no control byte (nor ';' in name or value, nor
 * '=' in the name) anywhere — what a file or an import says is checked, so a
 * forged record can never put CR or LF into a request. */
int dt__cookie_valid(const dt__cookie *c);

/* §5.1.3 domain-match: HOST is DOMAIN or ends in "." DOMAIN, and is not
 * an IP address. §5.1.4 path-match. Exposed for tests. */
int dt__cookie_domain_match(const char *host, const char *domain);
int dt__cookie_path_match(const char *req_path, const char *cookie_path);
/* §5.1.4 default-path of a request path into OUT (CAP bytes). */
void dt__cookie_default_path(const char *path, char *out, size_t cap);

/* For the file (jar_file.c): changes since the last save. */
typedef struct dt__jar_change {
  int kind; /* 0 a deletion of the key below, 1 a clear */
  char *name, *domain, *path;
  int host_only;
  int64_t from_ms, to_ms; /* clear */
} dt__jar_change;
size_t dt__jar_changes(const dt__cookie_jar *j, const dt__jar_change **out);
void dt__jar_changes_saved(dt__cookie_jar *j);
/* Changed since the last save, or holding lines a failed save did not
 * write (dt__jar_pending: the file's record lines, for the next save). */
int dt__jar_dirty(const dt__cookie_jar *j);
dt__buf *dt__jar_pending(dt__cookie_jar *j);

#endif
