/* jar.c — see jar.h. Step numbers are RFC 6265bis-15's (§5.7 storing,
 * §5.8.3 retrieving); where Chromium differs or adds, the comment says so. */
#include "engine/cookie/jar.h"

#include "engine/cookie/set_cookie.h"
#include "hsts/base/ascii.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

typedef struct group {
  char *key; /* the registrable domain, or the host without one */
  dt__cookie **v;
  size_t n, cap;
} group;

struct dt__cookie_jar {
  group *g; /* open addressing on key; a NULL key is a free slot */
  size_t gcap, gused;
  size_t count;
  uint64_t seq;
  size_t total_max, domain_max;
  dt__jar_change *ch;
  size_t nch, capch;
  int dirty;
  dt__buf pending; /* record lines a failed save did not write */
};

/* ---- cookies and groups -------------------------------------------------- */

static void cookie_free(dt__cookie *c) {
  if (!c) return;
  free(c->name);
  free(c->value);
  free(c->domain);
  free(c->path);
  free(c);
}

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* The group key of a canonical DOMAIN: its registrable domain (eTLD+1), or
 * DOMAIN itself when it has none (a public suffix, an IP address). */
static const char *key_of(const char *domain) {
  const char *r = psl_registrable_domain(psl_builtin(), domain);
  return r ? r : domain;
}

static group *find_group(const dt__cookie_jar *j, const char *key) {
  if (!j->gcap) return NULL;
  for (size_t i = hash(key) & (j->gcap - 1);; i = (i + 1) & (j->gcap - 1)) {
    group *g = &j->g[i];
    if (!g->key) return NULL;
    if (strcmp(g->key, key) == 0) return g;
  }
}

static int grow_groups(dt__cookie_jar *j) {
  size_t ncap = j->gcap ? j->gcap * 2 : 64;
  group *ng = calloc(ncap, sizeof *ng);
  if (!ng) return DT_ENOMEM;
  size_t used = 0;
  for (size_t i = 0; i < j->gcap; i++) {
    group *g = &j->g[i];
    if (!g->key) continue;
    if (!g->n) { /* empty groups are dropped when the table grows */
      free(g->key);
      free(g->v);
      continue;
    }
    size_t k = hash(g->key) & (ncap - 1);
    while (ng[k].key)
      k = (k + 1) & (ncap - 1);
    ng[k] = *g;
    used++;
  }
  free(j->g);
  j->g = ng;
  j->gcap = ncap;
  j->gused = used;
  return 0;
}

static group *get_group(dt__cookie_jar *j, const char *key) {
  group *g = find_group(j, key);
  if (g) return g;
  if ((j->gused + 1) * 2 > j->gcap && grow_groups(j)) return NULL;
  char *k = strdup(key);
  if (!k) return NULL;
  size_t i = hash(key) & (j->gcap - 1);
  while (j->g[i].key)
    i = (i + 1) & (j->gcap - 1);
  j->g[i].key = k;
  j->gused++;
  return &j->g[i];
}

static void remove_at(dt__cookie_jar *j, group *g, size_t i) {
  cookie_free(g->v[i]);
  g->v[i] = g->v[--g->n];
  j->count--;
}

static int same_key(const dt__cookie *a, const char *name, const char *domain,
                    int host_only, const char *path) {
  return a->host_only == host_only && strcmp(a->name, name) == 0 &&
         strcmp(a->domain, domain) == 0 && strcmp(a->path, path) == 0;
}

static int note_change(dt__cookie_jar *j, const dt__jar_change *c) {
  if (j->nch == j->capch) {
    size_t ncap = j->capch ? j->capch * 2 : 16;
    dt__jar_change *n = realloc(j->ch, ncap * sizeof *n);
    if (!n) return DT_ENOMEM;
    j->ch = n;
    j->capch = ncap;
  }
  j->ch[j->nch++] = *c;
  j->dirty = 1;
  return 0;
}

/* A persistent cookie removed by this process: the file must lose it too. */
static void note_deletion(dt__cookie_jar *j, const dt__cookie *c) {
  if (!c->persistent) return;
  dt__jar_change ch = {0};
  ch.name = strdup(c->name);
  ch.domain = strdup(c->domain);
  ch.path = strdup(c->path);
  ch.host_only = c->host_only;
  if (!ch.name || !ch.domain || !ch.path || note_change(j, &ch)) {
    free(ch.name);
    free(ch.domain);
    free(ch.path);
  }
}

static int expired(const dt__cookie *c, int64_t now) {
  return c->persistent && c->expires_ms <= now;
}

/* ---- eviction (Chromium's CookieMonster::GarbageCollect) ----------------- */

static int lru_cmp(const void *pa, const void *pb) {
  const dt__cookie *a = *(dt__cookie *const *)pa, *b = *(dt__cookie *const *)pb;
  if (a->last_access_ms != b->last_access_ms)
    return a->last_access_ms < b->last_access_ms ? -1 : 1;
  if (a->created_ms != b->created_ms)
    return a->created_ms < b->created_ms ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void drop_expired(dt__cookie_jar *j, group *g, int64_t now,
                         const dt__cookie *keep) {
  for (size_t i = g->n; i-- > 0;)
    if (expired(g->v[i], now) && g->v[i] != keep) {
      note_deletion(j, g->v[i]);
      remove_at(j, g, i);
    }
}

/* Removes C from its group. */
static void drop(dt__cookie_jar *j, dt__cookie *c) {
  group *g = find_group(j, key_of(c->domain));
  for (size_t i = 0; g && i < g->n; i++)
    if (g->v[i] == c) {
      note_deletion(j, c);
      remove_at(j, g, i);
      return;
    }
}

/* A group over its bound (Chromium's CookieMonster::GarbageCollect for one
 * key): expired cookies go, then down to max - 30 in six rounds — (low,
 * non-Secure), (low, Secure), (medium, non-Secure), (high, non-Secure),
 * (medium, Secure), (high, Secure) — each round taking the least recently
 * used of its priority beyond the priority's quota (30, 50, 70 of 180);
 * a non-Secure round spares as many as there are Secure ones. */
static void purge_group(dt__cookie_jar *j, group *g, int64_t now,
                        const dt__cookie *keep) {
  drop_expired(j, g, now, keep);
  if (g->n <= j->domain_max) return;
  size_t goal = g->n - (j->domain_max > DT__JAR_DOMAIN_PURGE
                            ? j->domain_max - DT__JAR_DOMAIN_PURGE
                            : 0);
  size_t n = g->n, removed = 0;
  dt__cookie **lru = malloc(n * sizeof *lru);
  if (!lru) return; /* over the bound until the next set: never a loss */
  memcpy(lru, g->v, n * sizeof *lru);
  qsort(lru, n, sizeof *lru, lru_cmp);
  /* quotas scale with the bound: 30/50/70 of Chromium's 180 */
  size_t quota[3] = {j->domain_max * 30 / 180, j->domain_max * 50 / 180, 0};
  quota[2] = j->domain_max - DT__JAR_DOMAIN_PURGE > quota[0] + quota[1]
                 ? j->domain_max - DT__JAR_DOMAIN_PURGE - quota[0] - quota[1]
                 : 0;
  static const struct {
    int prio, secure;
  } rounds[6] = {{DT__PRIORITY_LOW, 0},    {DT__PRIORITY_LOW, 1},
                 {DT__PRIORITY_MEDIUM, 0}, {DT__PRIORITY_HIGH, 0},
                 {DT__PRIORITY_MEDIUM, 1}, {DT__PRIORITY_HIGH, 1}};
  for (int r = 0; r < 6 && removed < goal; r++) {
    size_t count = 0, secure = 0;
    for (size_t i = 0; i < n; i++)
      if (lru[i] && lru[i]->priority == rounds[r].prio) {
        count++;
        secure += lru[i]->secure;
      }
    size_t q = quota[rounds[r].prio];
    if (count <= q) continue;
    int protect = !rounds[r].secure;
    size_t floor = protect && secure > q ? secure : q;
    size_t deletable = count > floor ? count - floor : 0;
    for (size_t i = 0; i < n && removed < goal && deletable; i++) {
      dt__cookie *c = lru[i];
      if (!c || c == keep || c->priority != rounds[r].prio ||
          (protect && c->secure))
        continue;
      lru[i] = NULL;
      drop(j, c);
      removed++;
      deletable--;
    }
  }
  free(lru);
}

/* The whole jar over its bound (the global step): expired cookies go;
 * then, once something has gone unused for 30 days, the least recently
 * used non-Secure cookies among the oldest (max - 300 the goal), then
 * Secure ones; a cookie used in the last 30 days is never taken. */
static void purge_total(dt__cookie_jar *j, int64_t now,
                        const dt__cookie *keep) {
  for (size_t k = 0; k < j->gcap; k++)
    if (j->g[k].key) drop_expired(j, &j->g[k], now, keep);
  if (j->count <= j->total_max) return;
  size_t target = j->total_max > DT__JAR_TOTAL_PURGE
                      ? j->total_max - DT__JAR_TOTAL_PURGE
                      : 0;
  size_t goal = j->count - target, removed = 0;
  int64_t safe = now - DT__JAR_SAFE_FROM_PURGE_MS;
  dt__cookie **all = malloc(j->count * sizeof *all);
  if (!all) return;
  for (int secure = 0; secure < 2 && removed < goal; secure++) {
    size_t n = 0;
    for (size_t k = 0; k < j->gcap; k++)
      for (size_t i = 0; j->g[k].key && i < j->g[k].n; i++)
        if (j->g[k].v[i]->secure == secure && j->g[k].v[i] != keep)
          all[n++] = j->g[k].v[i];
    qsort(all, n, sizeof *all, lru_cmp);
    for (size_t d = 0; d < n && removed < goal; d++) {
      if (all[d]->last_access_ms >= safe) break; /* LRU: the rest are newer */
      drop(j, all[d]);
      removed++;
    }
  }
  free(all);
}

/* ---- the jar ------------------------------------------------------------- */

dt__cookie_jar *dt__jar_new(void) {
  dt__cookie_jar *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  j->total_max = DT__JAR_TOTAL_MAX;
  j->domain_max = DT__JAR_DOMAIN_MAX;
  return j;
}

static void free_changes(dt__cookie_jar *j) {
  for (size_t i = 0; i < j->nch; i++) {
    free(j->ch[i].name);
    free(j->ch[i].domain);
    free(j->ch[i].path);
  }
  j->nch = 0;
}

void dt__jar_free(dt__cookie_jar *j) {
  if (!j) return;
  for (size_t k = 0; k < j->gcap; k++) {
    for (size_t i = 0; i < j->g[k].n; i++)
      cookie_free(j->g[k].v[i]);
    free(j->g[k].v);
    free(j->g[k].key);
  }
  free(j->g);
  free_changes(j);
  free(j->ch);
  dt__buf_free(&j->pending);
  free(j);
}

void dt__jar_set_bounds(dt__cookie_jar *j, size_t total_max,
                        size_t domain_max) {
  if (total_max) j->total_max = total_max;
  if (domain_max) j->domain_max = domain_max;
}

size_t dt__jar_count(const dt__cookie_jar *j) { return j->count; }
int dt__jar_dirty(const dt__cookie_jar *j) {
  return j->dirty || j->pending.len;
}
dt__buf *dt__jar_pending(dt__cookie_jar *j) { return &j->pending; }

size_t dt__jar_changes(const dt__cookie_jar *j, const dt__jar_change **out) {
  *out = j->ch;
  return j->nch;
}

void dt__jar_changes_saved(dt__cookie_jar *j) {
  free_changes(j);
  for (size_t k = 0; k < j->gcap; k++)
    for (size_t i = 0; j->g[k].key && i < j->g[k].n; i++)
      j->g[k].v[i]->fresh = 0;
  j->dirty = 0;
}

/* Inserts C (owned) into its group, replacing the same key; the old one's
 * creation time is kept (§5.7 step 23). Returns 1 replaced, 0 new,
 * DT_ENOMEM (C freed). */
static int insert(dt__cookie_jar *j, dt__cookie *c, int64_t now) {
  group *g = get_group(j, key_of(c->domain));
  if (!g) {
    cookie_free(c);
    return DT_ENOMEM;
  }
  for (size_t i = 0; i < g->n; i++)
    if (same_key(g->v[i], c->name, c->domain, c->host_only, c->path)) {
      /* Chromium keeps the old creation time when the value is the same
       * (6265bis step 23 keeps it always): the Cookie order follows */
      if (strcmp(g->v[i]->value, c->value) == 0) {
        c->created_ms = g->v[i]->created_ms;
        c->seq = g->v[i]->seq;
      }
      /* a session cookie in a persistent one's place: the file loses it */
      if (!c->persistent) note_deletion(j, g->v[i]);
      cookie_free(g->v[i]);
      g->v[i] = c;
      return 1;
    }
  if (g->n == g->cap) {
    size_t ncap = g->cap ? g->cap * 2 : 4;
    dt__cookie **nv = realloc(g->v, ncap * sizeof *nv);
    if (!nv) {
      cookie_free(c);
      return DT_ENOMEM;
    }
    g->v = nv;
    g->cap = ncap;
  }
  g->v[g->n++] = c;
  j->count++;
  if (g->n > j->domain_max) purge_group(j, g, now, c);
  if (j->count > j->total_max) purge_total(j, now, c);
  return 0;
}

static int clean_text(const char *s, const char *forbid) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if ((ch < 0x20 && ch != '\t') || ch == 0x7f || strchr(forbid, ch)) return 0;
  }
  return 1;
}

int dt__cookie_valid(const dt__cookie *c) {
  if (!c->name || !c->value || !c->domain || !c->path) return 0;
  size_t dn = strlen(c->domain);
  if (!dn || dn > DT_MAX_HOST_BYTES || c->path[0] != '/' ||
      strlen(c->path) > DT__JAR_MAX_PATH || c->domain[0] == '.' ||
      c->domain[dn - 1] == '.' || strstr(c->domain, ".."))
    return 0;
  for (const char *p = c->domain; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          strchr(".-_:[]", *p)))
      return 0;
  size_t nv = strlen(c->name) + strlen(c->value);
  return nv && nv <= DT__COOKIE_MAX_NAME_VALUE && clean_text(c->path, "") &&
         clean_text(c->name, ";=") && clean_text(c->value, ";") &&
         c->samesite <= DT__SAMESITE_STRICT && c->priority <= DT__PRIORITY_HIGH;
}

int dt__jar_put(dt__cookie_jar *j, dt__cookie *c) {
  if (!dt__cookie_valid(c)) {
    cookie_free(c);
    return DT_EINVAL;
  }
  if (c->fresh && c->persistent) j->dirty = 1;
  if (!c->seq)
    c->seq = ++j->seq;
  else if (c->seq > j->seq)
    j->seq = c->seq;
  int rc = insert(j, c, c->last_access_ms);
  return rc < 0 ? rc : 0;
}

/* ---- matching (§5.1.3, §5.1.4) ------------------------------------------- */

static int is_ip(const char *h) {
  if (strchr(h, ':') || h[0] == '[') return 1;
  /* a name whose last label is numeric is an IPv4 address (URL Standard) */
  const char *last = strrchr(h, '.');
  last = last ? last + 1 : h;
  if (!*last) return 0;
  for (const char *p = last; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == 'x' || *p == 'X' ||
          (*p >= 'a' && *p <= 'f')))
      return 0;
  return last[0] >= '0' && last[0] <= '9';
}

int dt__cookie_domain_match(const char *host, const char *domain) {
  if (strcmp(host, domain) == 0) return 1;
  size_t hn = strlen(host), dn = strlen(domain);
  return hn > dn && host[hn - dn - 1] == '.' &&
         strcmp(host + hn - dn, domain) == 0 && !is_ip(host);
}

int dt__cookie_path_match(const char *req, const char *cp) {
  size_t n = strlen(cp);
  if (strncmp(req, cp, n) != 0) return 0;
  return req[n] == 0 || cp[n - 1] == '/' || req[n] == '/';
}

void dt__cookie_default_path(const char *path, char *out, size_t cap) {
  const char *last = path && path[0] == '/' ? strrchr(path, '/') : NULL;
  size_t n = last && last != path ? (size_t)(last - path) : 0;
  if (!n || n >= cap) {
    snprintf(out, cap, "/");
    return;
  }
  memcpy(out, path, n);
  out[n] = 0;
}

/* ---- storing (§5.7) ------------------------------------------------------ */

static int istarts(const char *s, size_t n, const char *p) {
  return dt__ascii_istarts(s, n, p);
}

/* The name prefixes (§4.1.3, §5.7 steps 20–22), matched ASCII
 * case-insensitively as 6265bis and Chromium do. Chromium checks them
 * before anything about the request except the URL's security. */
static dt__cookie_reason prefix_check(const dt__set_cookie *p, int host_only,
                                      int secure_url) {
  const char *n = p->name;
  size_t nn = p->name_len;
  int host_rules = p->secure && secure_url && host_only && p->has_path &&
                   p->path_len == 1 && p->path[0] == '/';
  if (istarts(n, nn, "__Secure-") && !(p->secure && secure_url))
    return DT__COOKIE_INVALID_PREFIX;
  if (istarts(n, nn, "__Host-Http-") && !(host_rules && p->http_only))
    return DT__COOKIE_INVALID_PREFIX;
  if (istarts(n, nn, "__Host-") && !host_rules)
    return DT__COOKIE_INVALID_PREFIX;
  /* Chromium's __Http- (on by default): Secure and HttpOnly */
  if (istarts(n, nn, "__Http-") && !(p->secure && secure_url && p->http_only))
    return DT__COOKIE_INVALID_PREFIX;
  /* step 22: a nameless cookie cannot pose as a prefixed one */
  if (!nn) {
    const char *v = p->value;
    size_t vn = p->value_len;
    if (istarts(v, vn, "__Secure-") || istarts(v, vn, "__Host-"))
      return DT__COOKIE_INVALID_PREFIX;
  }
  return DT__COOKIE_OK;
}

/* §5.7 step 16 (Chromium's OverwriteSecure): a cookie from an insecure URL
 * may not replace or shadow a Secure one of the same name whose domain
 * domain-matches it (either way) and whose path the new path matches. */
static int shadows_secure(const dt__cookie_jar *j, const char *name,
                          const char *domain, const char *path) {
  const group *g = find_group(j, key_of(domain));
  for (size_t i = 0; g && i < g->n; i++) {
    const dt__cookie *c = g->v[i];
    if (c->secure && strcmp(c->name, name) == 0 &&
        (dt__cookie_domain_match(c->domain, domain) ||
         dt__cookie_domain_match(domain, c->domain)) &&
        dt__cookie_path_match(path, c->path))
      return 1;
  }
  return 0;
}

static dt__cookie_reason reject(dt__cookie_set_result *out,
                                dt__cookie_reason r) {
  out->outcome = DT__COOKIE_REJECTED;
  out->reason = r;
  return r;
}

int dt__jar_set(dt__cookie_jar *j, const dt__cookie_req *r, const char *field,
                size_t len, dt__cookie_set_result *out) {
  memset(out, 0, sizeof *out);
  dt__set_cookie p;
  dt__cookie_reason why = dt__set_cookie_parse(field, len, &p);
  if (why) return reject(out, why), 0;
  out->name = p.name;
  out->name_len = p.name_len;
  out->secure = p.secure;
  out->http_only = p.http_only;
  out->samesite = p.samesite;
  if (r->no_credentials) return reject(out, DT__COOKIE_CREDENTIALS_OMITTED), 0;
  if (r->third_party) return reject(out, DT__COOKIE_THIRD_PARTY), 0;
  const char *host = dt_url_get(r->url, DT_URL_HOSTNAME);
  /* IPv6 hosts come bracketed from the URL; the cookie keeps them so */
  /* §5.7 steps 4–7: expiry, Max-Age over Expires, capped at 400 days */
  int64_t cap = r->now_ms + DT__COOKIE_MAX_AGE_MS;
  if (p.has_max_age) {
    out->persistent = 1;
    out->expires_ms =
        p.max_age_s <= 0 ? INT64_MIN : r->now_ms + p.max_age_s * 1000;
  } else if (p.has_expires) {
    /* Chromium corrects Expires by the server's clock skew (its Date) */
    out->persistent = 1;
    out->expires_ms = p.expires_ms;
    if (r->server_date_ms > 0) {
      int64_t skew = r->now_ms - r->server_date_ms;
      out->expires_ms = (skew > 0 && out->expires_ms > INT64_MAX - skew)
                            ? INT64_MAX
                        : (skew < 0 && out->expires_ms < INT64_MIN - skew)
                            ? INT64_MIN
                            : out->expires_ms + skew;
    }
  }
  if (out->persistent && out->expires_ms > cap) out->expires_ms = cap;
  /* §5.7 steps 8–11: the domain */
  if (p.has_domain) {
    char dom[DT_MAX_HOST_BYTES + 2];
    int n = is_ip(host)
                ? -1
                : dt_host_canonicalize(p.domain, p.domain_len, dom, sizeof dom);
    if (is_ip(host)) {
      /* an IP address: only its own address as Domain, and host-only */
      if (p.domain_len != strlen(host) ||
          !dt__ascii_nieq(p.domain, p.domain_len, host, strlen(host)))
        return reject(out, DT__COOKIE_INVALID_DOMAIN), 0;
      out->host_only = 1;
      snprintf(out->domain, sizeof out->domain, "%s", host);
    } else if (n < 0 || n > (int)DT_MAX_HOST_BYTES) {
      return reject(out, DT__COOKIE_INVALID_DOMAIN), 0;
    } else if (psl_is_public_suffix(psl_builtin(), dom)) {
      /* step 9: a public suffix is only allowed as the host itself, and
       * then the cookie is host-only */
      if (strcmp(dom, host) != 0)
        return reject(out, DT__COOKIE_PUBLIC_SUFFIX), 0;
      out->host_only = 1;
      snprintf(out->domain, sizeof out->domain, "%s", host);
    } else if (!dt__cookie_domain_match(host, dom)) {
      return reject(out, DT__COOKIE_INVALID_DOMAIN), 0;
    } else {
      out->host_only = 0;
      memcpy(out->domain, dom, (size_t)n + 1);
    }
  } else {
    out->host_only = 1;
    snprintf(out->domain, sizeof out->domain, "%s", host);
  }
  /* §5.7 step 13: the path */
  if (p.has_path) {
    if (p.path_len > DT__JAR_MAX_PATH)
      return reject(out, DT__COOKIE_NAME_VALUE_TOO_BIG), 0;
    memcpy(out->path, p.path, p.path_len);
    out->path[p.path_len] = 0;
  } else {
    dt__cookie_default_path(dt_url_get(r->url, DT_URL_PATHNAME), out->path,
                            sizeof out->path);
  }
  /* then in Chromium's order (CanonicalCookie::Create, then
   * IsSetPermittedInContext): the prefixes, Secure only from a secure URL
   * (step 14), SameSite=None needs Secure (steps 17–18) */
  why = prefix_check(&p, out->host_only, r->secure);
  if (why) return reject(out, why), 0;
  if (p.secure && !r->secure) return reject(out, DT__COOKIE_SECURE_ONLY), 0;
  if (p.samesite == DT__SAMESITE_NONE && !p.secure)
    return reject(out, DT__COOKIE_SAMESITE_NONE_INSECURE), 0;
  /* step 19: a SameSite cookie from a cross-site request that is not a
   * top-level navigation (Chromium: the set context of a main-frame
   * response is always Lax-inclusive; others are worked out as for a
   * request, the method ignored) */
  if (!r->same_site && !r->top_level) {
    if (p.samesite == DT__SAMESITE_STRICT)
      return reject(out, DT__COOKIE_SAMESITE_STRICT), 0;
    if (p.samesite == DT__SAMESITE_LAX)
      return reject(out, DT__COOKIE_SAMESITE_LAX), 0;
    if (p.samesite == DT__SAMESITE_UNSPECIFIED && r->lax_by_default)
      return reject(out, DT__COOKIE_SAMESITE_UNSPECIFIED_LAX), 0;
  }
  char name[DT__COOKIE_MAX_NAME_VALUE + 1];
  memcpy(name, p.name, p.name_len);
  name[p.name_len] = 0;
  /* step 16 */
  if (!r->secure && shadows_secure(j, name, out->domain, out->path))
    return reject(out, DT__COOKIE_OVERWRITE_SECURE), 0;
  /* steps 23–24: an expired cookie only removes the one it names */
  if (out->persistent && out->expires_ms <= r->now_ms) {
    out->outcome = DT__COOKIE_NOTHING;
    group *g = find_group(j, key_of(out->domain));
    for (size_t i = 0; g && i < g->n; i++)
      if (same_key(g->v[i], name, out->domain, out->host_only, out->path)) {
        note_deletion(j, g->v[i]);
        remove_at(j, g, i);
        out->outcome = DT__COOKIE_DELETED;
        break;
      }
    return 0;
  }
  dt__cookie *c = calloc(1, sizeof *c);
  if (!c) return DT_ENOMEM;
  c->name = strdup(name);
  c->value = malloc(p.value_len + 1);
  c->domain = strdup(out->domain);
  c->path = strdup(out->path);
  if (!c->name || !c->value || !c->domain || !c->path) {
    cookie_free(c);
    return DT_ENOMEM;
  }
  memcpy(c->value, p.value, p.value_len);
  c->value[p.value_len] = 0;
  c->created_ms = c->last_access_ms = r->now_ms;
  c->expires_ms = out->persistent ? out->expires_ms : 0;
  c->seq = ++j->seq;
  c->host_only = (unsigned char)out->host_only;
  c->secure = (unsigned char)p.secure;
  c->http_only = (unsigned char)p.http_only;
  c->persistent = (unsigned char)out->persistent;
  c->samesite = (unsigned char)p.samesite;
  c->priority = (unsigned char)p.priority;
  c->fresh = 1;
  int persistent = c->persistent;
  int rc = insert(j, c, r->now_ms);
  if (rc < 0) return rc;
  if (persistent) j->dirty = 1;
  out->outcome = rc == 1 ? DT__COOKIE_REPLACED : DT__COOKIE_STORED;
  return 0;
}

/* ---- retrieving (§5.8.3) ------------------------------------------------- */

static int safe_method(const char *m) {
  return !m || strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
         strcmp(m, "OPTIONS") == 0 || strcmp(m, "TRACE") == 0;
}

/* Why C is held back from R, or DT__COOKIE_OK. */
static dt__cookie_reason withheld(const dt__cookie *c,
                                  const dt__cookie_req *r) {
  if (r->no_credentials) return DT__COOKIE_CREDENTIALS_OMITTED;
  if (r->third_party) return DT__COOKIE_THIRD_PARTY;
  if (c->secure && !r->secure) return DT__COOKIE_SECURE_ONLY;
  if (r->same_site) return DT__COOKIE_OK;
  /* a cross-site request (§5.8.3 step 1.5) */
  int lax_ok = r->top_level && safe_method(r->method);
  switch ((dt__samesite)c->samesite) {
  case DT__SAMESITE_STRICT: return DT__COOKIE_SAMESITE_STRICT;
  case DT__SAMESITE_LAX:
    return lax_ok ? DT__COOKIE_OK : DT__COOKIE_SAMESITE_LAX;
  case DT__SAMESITE_NONE: return DT__COOKIE_OK;
  default:
    if (!r->lax_by_default || lax_ok) return DT__COOKIE_OK;
    /* §5.6.7.1 Lax-allowing-unsafe: young cookies on top-level unsafe
     * navigations */
    if (r->top_level && r->now_ms - c->created_ms < DT__JAR_LAX_UNSAFE_MS)
      return DT__COOKIE_OK;
    return DT__COOKIE_SAMESITE_UNSPECIFIED_LAX;
  }
}

/* Cookie order (§5.8.3 step 2): longer paths first, then earlier
 * creation; held-back ones after the sent ones. */
static int pick_cmp(const void *pa, const void *pb) {
  const dt__cookie_pick *a = pa, *b = pb;
  if ((a->withheld != 0) != (b->withheld != 0)) return a->withheld ? 1 : -1;
  size_t la = strlen(a->c->path), lb = strlen(b->c->path);
  if (la != lb) return la > lb ? -1 : 1;
  if (a->c->created_ms != b->c->created_ms)
    return a->c->created_ms < b->c->created_ms ? -1 : 1;
  return a->c->seq < b->c->seq ? -1 : a->c->seq > b->c->seq;
}

size_t dt__jar_pick(dt__cookie_jar *j, const dt__cookie_req *r,
                    dt__cookie_pick *out, size_t cap) {
  const char *host = dt_url_get(r->url, DT_URL_HOSTNAME);
  const char *path = dt_url_get(r->url, DT_URL_PATHNAME);
  if (!path || path[0] != '/') path = "/";
  group *g = find_group(j, key_of(host));
  size_t n = 0;
  for (size_t i = g ? g->n : 0; i-- > 0;) {
    dt__cookie *c = g->v[i];
    if (expired(c, r->now_ms)) {
      note_deletion(j, c);
      remove_at(j, g, i);
      continue;
    }
    int dm = c->host_only ? strcmp(host, c->domain) == 0
                          : dt__cookie_domain_match(host, c->domain);
    if (!dm || !dt__cookie_path_match(path, c->path)) continue;
    if (n < cap) {
      out[n].c = c;
      out[n].withheld = withheld(c, r);
      /* Chromium notes an access a minute apart at most */
      if (!out[n].withheld &&
          r->now_ms - c->last_access_ms >= DT__JAR_ACCESS_EVERY_MS)
        c->last_access_ms = r->now_ms;
    }
    n++;
  }
  qsort(out, n < cap ? n : cap, sizeof *out, pick_cmp);
  return n;
}

/* ---- listing and clearing ------------------------------------------------ */

static int seq_cmp(const void *pa, const void *pb) {
  const dt__cookie *a = *(dt__cookie *const *)pa, *b = *(dt__cookie *const *)pb;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int dt__jar_each(dt__cookie_jar *j, int64_t now_ms,
                 int (*cb)(const dt__cookie *c, void *ud), void *ud) {
  dt__cookie **all = j->count ? malloc(j->count * sizeof *all) : NULL;
  if (j->count && !all) return DT_ENOMEM;
  size_t n = 0;
  for (size_t k = 0; k < j->gcap; k++) {
    group *g = &j->g[k];
    for (size_t i = g->n; g->key && i-- > 0;) {
      if (expired(g->v[i], now_ms)) {
        note_deletion(j, g->v[i]);
        remove_at(j, g, i);
      }
    }
    for (size_t i = 0; g->key && i < g->n; i++)
      all[n++] = g->v[i];
  }
  if (n) qsort(all, n, sizeof *all, seq_cmp);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    rc = cb(all[i], ud);
  free(all);
  return rc;
}

size_t dt__jar_clear(dt__cookie_jar *j, const char *domain, int64_t from_ms,
                     int64_t to_ms) {
  size_t gone = 0;
  for (size_t k = 0; k < j->gcap; k++) {
    group *g = &j->g[k];
    for (size_t i = g->n; g->key && i-- > 0;) {
      dt__cookie *c = g->v[i];
      if (c->created_ms < from_ms || c->created_ms > to_ms) continue;
      if (domain && !dt__cookie_domain_match(c->domain, domain)) continue;
      remove_at(j, g, i);
      gone++;
    }
  }
  dt__jar_change ch = {.kind = 1, .from_ms = from_ms, .to_ms = to_ms};
  ch.domain = domain ? strdup(domain) : NULL;
  if ((domain && !ch.domain) || note_change(j, &ch)) free(ch.domain);
  return gone;
}

int dt__jar_forget(dt__cookie_jar *j, const char *name, const char *domain,
                   int host_only, const char *path) {
  group *g = find_group(j, key_of(domain));
  for (size_t i = 0; g && i < g->n; i++)
    if (same_key(g->v[i], name, domain, host_only, path)) {
      remove_at(j, g, i);
      return 1;
    }
  return 0;
}

void dt__jar_end_session(dt__cookie_jar *j) {
  for (size_t k = 0; k < j->gcap; k++) {
    group *g = &j->g[k];
    for (size_t i = g->n; g->key && i-- > 0;)
      if (!g->v[i]->persistent) remove_at(j, g, i);
  }
}
