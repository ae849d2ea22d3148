/* hsts_policy.c — see hsts_policy.h. */
#include "engine/nav/hsts_policy.h"

#include "engine/ctx.h"
#include "engine/out/jsonw.h"
#include "engine/nav/upgrade.h"
#include "hsts/store_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Moves the finished JSON into the chain's arena (NULL on ENOMEM). */
static const char *to_chain(dt_chain *chain, dt__jw *w) {
  char *json = dt__jw_finish(w);
  const char *s = json ? dt__chain_strdup(chain, json) : NULL;
  dt_free(json);
  return s;
}

/* The canonical host of a domain URL. The URL parser already did IDNA and
 * lowercasing; the store's canonicaliser strips trailing dots (rule 19),
 * checks lengths, and refuses localhost and *.localhost (rule 3). */
static dt__host_reason domain_host(const dt_url *url,
                                   char out[DT_MAX_HOST_BYTES + 1],
                                   size_t *len) {
  *len = 0;
  if (dt_url_host_kind(url) != DT_HOST_DOMAIN)
    return DT__HOST_IP_LITERAL;
  const char *h = dt_url_get(url, DT_URL_HOSTNAME);
  return dt__hsts_canon(h, strlen(h), out, len);
}

int dt__hsts_decide(dt_ctx *ctx, const dt_url *url, dt__hsts_verdict *v) {
  const char *scheme = dt_url_scheme(url);
  if (strcmp(scheme, "http") != 0 && strcmp(scheme, "ws") != 0) {
    memset(v, 0, sizeof *v);
    v->why = "not-http";
    return 0;
  }
  return dt__hsts_host_known(ctx, url, v);
}

/* The preload list's verdict for HOST under the profile. A knockout for
 * HOST (knob 7) takes the list's entry for that exact name out: only an
 * ancestor's entry with include_subdomains can still apply, found by
 * asking for each ancestor in turn. */
static int preload_known(dt_ctx *ctx, const char *host, size_t n,
                         dt__preload_match *m, int *knocked) {
  dt__preload_mode mode = ctx->profile->preload_rule;
  *knocked = 0;
  int known = dt__preload_lookup(ctx->preload, host, n, mode, m);
  dt__hsts_entry e;
  if (!known || m->reason != DT__PRELOAD_R_EXACT ||
      !ctx->profile->hsts_max_age_zero_knocks_out_preload ||
      !dt__hsts_store_get(ctx->hsts, host, n, &e) || !e.knockout)
    return known;
  *knocked = 1;
  for (const char *a = memchr(host, '.', n); a; a = memchr(a, '.', n)) {
    a++;
    n = strlen(a);
    known = dt__preload_lookup(ctx->preload, a, n, mode, m);
    if (!known) break;                   /* nothing above either */
    if (m->include_subdomains) { /* covers HOST below it */
      m->reason = DT__PRELOAD_R_ANCESTOR;
      return 1;
    }
    if (m->reason != DT__PRELOAD_R_EXACT) break;
  }
  m->known = 0;
  return 0;
}

int dt__hsts_host_known(dt_ctx *ctx, const dt_url *url, dt__hsts_verdict *v) {
  memset(v, 0, sizeof *v);
  v->why = "no-entry";
  if (ctx->hsts_off) {
    v->why = "hsts-off";
    return 0;
  }
  size_t n = 0;
  dt__host_reason hr = domain_host(url, v->host, &n);
  if (hr != DT__HOST_OK) {
    v->why = hr == DT__HOST_LOCALHOST ? "localhost" : "not-a-domain";
    return 0;
  }
  /* Knob 7: the dynamic store first, then the preload list; either one
   * makes the host a Known HSTS Host (RFC 6797 §8.2). */
  dt__hsts_decision d;
  if (dt__hsts_store_lookup(ctx->hsts, v->host, n, &d)) {
    v->upgrade = 1;
    v->source = DT__HSTS_SRC_DYNAMIC;
    snprintf(v->entry, sizeof v->entry, "%s", d.entry.host);
    v->include_subdomains = d.entry.include_subdomains;
    v->exact = d.reason == DT__HSTS_R_EXACT;
    v->expires_ms = d.entry.expires_ms;
    v->observed_ms = d.entry.observed_ms;
    return 1;
  }
  v->why = dt__hsts_reason_name(d.reason);
  if (!ctx->preload)
    return 0;
  dt__preload_match m;
  int knocked = 0;
  if (preload_known(ctx, v->host, n, &m, &knocked)) {
    dt__preload_info info;
    dt__preload_get_info(ctx->preload, &info);
    v->upgrade = 1;
    v->source = DT__HSTS_SRC_PRELOAD;
    snprintf(v->entry, sizeof v->entry, "%s", m.name);
    v->include_subdomains = m.include_subdomains;
    v->exact = m.reason == DT__PRELOAD_R_EXACT;
    memcpy(v->list_date, info.list_date, sizeof v->list_date);
    return 1;
  }
  /* The dynamic store's near miss is more telling than "no-entry". */
  if (knocked)
    v->why = "knocked-out";
  else if (d.reason == DT__HSTS_R_NO_ENTRY)
    v->why = dt__preload_reason_name(m.reason);
  return 0;
}

int dt_ctx_hsts_upgrade(dt_ctx *ctx, const char *url, char **upgraded) {
  if (!ctx || !url || !upgraded)
    return DT_EINVAL;
  *upgraded = NULL;
  dt_url *u = NULL;
  int rc = dt_url_parse(&u, url, strlen(url), NULL);
  if (rc)
    return rc;
  dt__hsts_verdict v;
  rc = 0;
  if (dt__hsts_decide(ctx, u, &v)) {
    dt_url *up = dt__hsts_upgrade_url(u);
    const char *href = up ? dt_url_get(up, DT_URL_HREF) : NULL;
    size_t n = href ? strlen(href) + 1 : 0;
    *upgraded = n ? malloc(n) : NULL;
    if (*upgraded) {
      memcpy(*upgraded, href, n);
      rc = 1;
    } else {
      rc = DT_ENOMEM;
    }
    dt_url_free(up);
  }
  dt_url_free(u);
  return rc;
}

void dt__hsts_verdict_note(const dt__hsts_verdict *v, char *out, size_t cap) {
  if (v->source == DT__HSTS_SRC_PRELOAD) {
    snprintf(out, cap, "HSTS: preload entry %s%s (list %s)", v->entry,
             v->include_subdomains ? ", includeSubDomains" : "",
             v->list_date);
    return;
  }
  char exp[32] = "never";
  if (v->expires_ms != INT64_MAX)
    dt__rfc3339(v->expires_ms / 1000, exp);
  snprintf(out, cap, "HSTS: dynamic entry %s%s (expires %s)", v->entry,
           v->include_subdomains ? ", includeSubDomains" : "", exp);
}

const char *dt__hsts_verdict_json(dt_chain *chain, const dt__hsts_verdict *v) {
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "type");
  dt__jw_str(&w, "hsts");
  dt__jw_key(&w, "store");
  dt__jw_str(&w, v->source == DT__HSTS_SRC_PRELOAD ? "preload" : "dynamic");
  dt__jw_key(&w, "host");
  dt__jw_str(&w, v->host);
  dt__jw_key(&w, "entry");
  dt__jw_str(&w, v->entry);
  dt__jw_key(&w, "include_subdomains");
  dt__jw_bool(&w, v->include_subdomains);
  char when[32];
  if (v->source == DT__HSTS_SRC_PRELOAD) {
    dt__jw_key(&w, "list_date");
    dt__jw_str(&w, v->list_date);
  } else {
    dt__jw_key(&w, "expires");
    if (v->expires_ms == INT64_MAX) {
      dt__jw_null(&w);
    } else {
      dt__rfc3339(v->expires_ms / 1000, when);
      dt__jw_str(&w, when);
    }
    dt__jw_key(&w, "observed");
    dt__rfc3339(v->observed_ms / 1000, when);
    dt__jw_str(&w, when);
  }
  dt__jw_obj_close(&w);
  return to_chain(chain, &w);
}

/* ---- noting a header (RFC 6797 §8.1) -------------------------------------- */

static const char *observe_json(dt_chain *chain, const char *value,
                                const char *ignored,
                                const dt__hsts_note_result *r, int have_r) {
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "header");
  dt__jw_str(&w, value);
  dt__jw_key(&w, "ignored");
  dt__jw_str(&w, ignored); /* null when the header was considered */
  dt__jw_key(&w, "outcome");
  dt__jw_str(&w, have_r ? dt__hsts_note_outcome_name(r->outcome) : "ignored");
  dt__jw_key(&w, "noted");
  if (have_r && r->outcome == DT__HSTS_NOTED) {
    char when[32];
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "host");
    dt__jw_str(&w, r->entry.host);
    dt__jw_key(&w, "max_age");
    dt__jw_uint(&w, r->sts.max_age);
    dt__jw_key(&w, "include_subdomains");
    dt__jw_bool(&w, r->entry.include_subdomains);
    dt__jw_key(&w, "expires");
    dt__rfc3339(r->entry.expires_ms / 1000, when);
    dt__jw_str(&w, when);
    dt__jw_key(&w, "clamped");
    dt__jw_bool(&w, r->sts.clamped);
    dt__jw_obj_close(&w);
  } else {
    dt__jw_null(&w);
  }
  dt__jw_key(&w, "rejected");
  if (have_r && r->outcome == DT__HSTS_REJECTED) {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, dt__sts_code_name(r->sts.code));
    dt__jw_key(&w, "offset");
    dt__jw_uint(&w, r->sts.offset);
    dt__jw_key(&w, "message");
    dt__jw_str(&w, dt__sts_code_message(r->sts.code));
    dt__jw_obj_close(&w);
  } else if (have_r && r->outcome == DT__HSTS_REFUSED_HOST) {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, dt__host_reason_name(r->host_reason));
    dt__jw_key(&w, "message");
    dt__jw_str(&w, dt__host_reason_message(r->host_reason));
    dt__jw_obj_close(&w);
  } else {
    dt__jw_null(&w);
  }
  dt__jw_obj_close(&w);
  return to_chain(chain, &w);
}

void dt__hsts_observe(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                      const dt_url *url, char *human, size_t cap) {
  human[0] = 0;
  if (!hop->has_response)
    return;
  /* Rule 5: only the first STS field of a response counts. */
  const char *value = dt__hop_resp_header(hop, "Strict-Transport-Security");
  if (!value)
    return;
  const char *ignored = NULL;
  /* RFC 6797 §8.1 / rule 1: over secure transport only, and only when the
   * certificate verified with no error (§8.1.1) — never with -k. */
  if (strcmp(dt_url_scheme(url), "https") != 0)
    ignored = "not-https"; /* §8.1: ignored over insecure transport */
  else if (!hop->conn.cert_verified || ctx->insecure)
    ignored = "certificate-not-verified";
  else if (ctx->hsts_off)
    ignored = "hsts-off";
  else if (dt_url_host_kind(url) != DT_HOST_DOMAIN)
    ignored = "ip-literal"; /* §8.1.1 / rule 4 */
  if (ignored) {
    hop->hsts_json = observe_json(chain, value, ignored, NULL, 0);
    snprintf(human, cap, "STS header ignored (%s)", ignored);
    return;
  }
  const char *host = dt_url_get(url, DT_URL_HOSTNAME);
  dt__hsts_note_result r;
  int64_t now = dt_clock_now_ms(&ctx->clock);
  dt__hsts_note(ctx->hsts, host, strlen(host), value, strlen(value), now,
                ctx->profile->hsts_max_age_cap, &r);
  if (r.outcome == DT__HSTS_NOTED || r.outcome == DT__HSTS_DELETED)
    ctx->hsts_dirty = 1;
  /* Knob 7 (firefox): max-age=0 from a host the preload list names exactly
   * stores a knockout, so the list stops applying to that exact name
   * (nsSiteSecurityService's SecurityPropertyKnockout; hsts-rules.md 24). */
  if ((r.outcome == DT__HSTS_DELETED || r.outcome == DT__HSTS_NOTHING) &&
      ctx->profile->hsts_max_age_zero_knocks_out_preload && ctx->preload) {
    dt__preload_match pm;
    dt__preload_lookup(ctx->preload, host, strlen(host),
                       ctx->profile->preload_rule, &pm);
    if (pm.reason == DT__PRELOAD_R_EXACT &&
        dt__hsts_store_add_knockout(ctx->hsts, host, strlen(host), now,
                                    NULL) == 0) {
      r.outcome = DT__HSTS_KNOCKED_OUT;
      ctx->hsts_dirty = 1;
    }
  }
  hop->hsts_json = observe_json(chain, value, NULL, &r, 1);
  switch (r.outcome) {
  case DT__HSTS_NOTED:
    snprintf(human, cap, "STS noted: %s max-age=%llu%s", r.entry.host,
             (unsigned long long)r.sts.max_age,
             r.entry.include_subdomains ? " includeSubDomains" : "");
    break;
  case DT__HSTS_DELETED:
    snprintf(human, cap, "STS max-age=0: entry for %s deleted", host);
    break;
  case DT__HSTS_NOTHING:
    snprintf(human, cap, "STS max-age=0: no entry for %s", host);
    break;
  case DT__HSTS_KNOCKED_OUT:
    snprintf(human, cap,
             "STS max-age=0: knockout stored for %s (the preload list no "
             "longer applies to it)",
             host);
    break;
  case DT__HSTS_REJECTED:
    snprintf(human, cap, "STS header rejected: %s at byte %zu",
             dt__sts_code_name(r.sts.code), r.sts.offset);
    break;
  case DT__HSTS_REFUSED_HOST:
    snprintf(human, cap, "STS header not noted: %s",
             dt__host_reason_message(r.host_reason));
    break;
  }
}

/* ---- the store file (hsts/store_file.c does the work) --------------------- */

void dt__ctx_hsts_load(dt_ctx *ctx) {
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_load(ctx->hsts, ctx->hsts_path, &rep);
  if (rc) {
    /* A browser with an unusable profile directory still browses: the
     * store goes on in memory and nothing is written (rule 28). */
    dt__ctx_warn(ctx, "%s; HSTS store kept in memory only", rep.message);
    free(ctx->hsts_path);
    ctx->hsts_path = NULL;
  } else if (rep.skipped) {
    dt__ctx_warn(ctx,
                 "HSTS store %s: %zu damaged line(s) skipped (first at line "
                 "%zu), %zu entries loaded",
                 ctx->hsts_path, rep.skipped, rep.nbad ? rep.bad_lines[0] : 0,
                 rep.loaded);
  }
}

int dt__ctx_hsts_save(dt_ctx *ctx) {
  uv_timer_stop(&ctx->save_timer);
  if (!ctx->hsts_path || !ctx->hsts_dirty)
    return 0;
  dt__hsts_file_report rep;
  if (dt__hsts_file_save(ctx->hsts, ctx->hsts_path, &rep) == 0) {
    ctx->hsts_dirty = 0;
    return 0;
  }
  dt__ctx_warn(ctx, "%s; HSTS store kept in memory only", rep.message);
  free(ctx->hsts_path);
  ctx->hsts_path = NULL;
  return DT_ESTORE;
}

static void on_save_timer(uv_timer_t *t) { dt__ctx_hsts_save(t->data); }

/* Chromium's TransportSecurityPersister writes through ImportantFileWriter
 * on a 10 s commit interval; curl writes its HSTS file at cleanup. By
 * default detour saves at once (nothing lost on a crash); with a delay the
 * first unsaved change arms one timer and later changes ride on it. */
void dt__ctx_hsts_changed(dt_ctx *ctx) {
  if (!ctx->hsts_path || !ctx->hsts_dirty)
    return;
  if (!ctx->hsts_save_delay_ms || ctx->closing) {
    dt__ctx_hsts_save(ctx);
    return;
  }
  if (!uv_is_active((uv_handle_t *)&ctx->save_timer))
    uv_timer_start(&ctx->save_timer, on_save_timer, ctx->hsts_save_delay_ms,
                   0);
}

/* ---- managing the dynamic state (include/detour.h) ---------------------- */

/* HOST canonicalised as a navigation's would be, then checked for HSTS
 * eligibility (the store's rules: not localhost, lengths). */
static int api_host(const char *host, char out[DT_MAX_HOST_BYTES + 1]) {
  if (!host)
    return DT_EINVAL;
  int n = dt_host_canonicalize(host, strlen(host), out, DT_MAX_HOST_BYTES + 1);
  if (n < 0)
    return n;
  char key[DT_MAX_HOST_BYTES + 1];
  size_t kl;
  return dt__hsts_canon(out, (size_t)n, key, &kl) == DT__HOST_OK ? 0
                                                                 : DT_EINVAL;
}

_Static_assert(DT__HSTS_NEVER == DT_HSTS_NEVER, "one 'no expiry' value");
static void to_public(const dt__hsts_entry *e, dt_hsts_entry *o) {
  memcpy(o->host, e->host, sizeof o->host);
  o->include_subdomains = e->include_subdomains;
  o->knockout = e->knockout;
  o->expires_ms = e->expires_ms; /* DT__HSTS_NEVER is DT_HSTS_NEVER */
  o->observed_ms = e->observed_ms;
}

int dt_ctx_hsts_add(dt_ctx *ctx, const char *host, uint64_t max_age_s,
                    int include_subdomains) {
  char h[DT_MAX_HOST_BYTES + 1];
  if (!ctx || max_age_s == 0)
    return DT_EINVAL;
  int rc = api_host(host, h);
  if (rc)
    return rc;
  /* As for a header: the profile's cap, then receive time + max-age,
   * saturating (RFC 6797 §6.1.1; hsts-rules.md rule 16). */
  uint64_t cap = ctx->profile->hsts_max_age_cap;
  if (cap && max_age_s > cap)
    max_age_s = cap;
  if (max_age_s > (uint64_t)INT64_MAX / 1000)
    max_age_s = (uint64_t)INT64_MAX / 1000;
  int64_t now = dt_clock_now_ms(&ctx->clock), add = (int64_t)max_age_s * 1000;
  int64_t exp = now > INT64_MAX - add ? DT__HSTS_NEVER - 1 : now + add;
  rc = dt__hsts_store_add(ctx->hsts, h, strlen(h), include_subdomains != 0,
                          exp, now, NULL);
  if (rc)
    return rc;
  ctx->hsts_dirty = 1;
  dt__ctx_hsts_changed(ctx);
  return 0;
}

int dt_ctx_hsts_get(dt_ctx *ctx, const char *host, dt_hsts_entry *out) {
  char h[DT_MAX_HOST_BYTES + 1];
  dt__hsts_entry e;
  if (!ctx || !out || api_host(host, h) ||
      !dt__hsts_store_get(ctx->hsts, h, strlen(h), &e))
    return 0;
  to_public(&e, out);
  return 1;
}

int dt_ctx_hsts_delete(dt_ctx *ctx, const char *host) {
  char h[DT_MAX_HOST_BYTES + 1];
  if (!ctx)
    return DT_EINVAL;
  int rc = api_host(host, h);
  if (rc)
    return rc;
  rc = dt__hsts_store_delete(ctx->hsts, h, strlen(h));
  if (rc > 0) {
    ctx->hsts_dirty = 1;
    dt__ctx_hsts_changed(ctx);
  }
  return rc;
}

size_t dt_ctx_hsts_delete_observed_between(dt_ctx *ctx, int64_t from_ms,
                                           int64_t to_ms) {
  if (!ctx)
    return 0;
  /* Nothing is observed in the future, and the range is kept in the file
   * for other processes: a range past now would delete headers noted
   * later. */
  int64_t now = dt_clock_now_ms(&ctx->clock);
  if (to_ms > now)
    to_ms = now;
  if (from_ms > to_ms)
    return 0;
  size_t n = dt__hsts_store_delete_observed_between(ctx->hsts, from_ms, to_ms);
  /* The range itself is journalled even when nothing here matched: other
   * processes' entries in the shared file fall under it too. */
  ctx->hsts_dirty = 1;
  dt__ctx_hsts_changed(ctx);
  return n;
}

typedef struct each_ud {
  int (*cb)(const dt_hsts_entry *, void *);
  void *ud;
} each_ud;
static int each_public(const dt__hsts_entry *e, void *p) {
  each_ud *u = p;
  dt_hsts_entry o;
  to_public(e, &o);
  return u->cb(&o, u->ud);
}
int dt_ctx_hsts_each(dt_ctx *ctx,
                     int (*cb)(const dt_hsts_entry *entry, void *user_data),
                     void *user_data) {
  if (!ctx || !cb)
    return DT_EINVAL;
  each_ud u = {cb, user_data};
  return dt__hsts_store_each(ctx->hsts, each_public, &u);
}

int dt_ctx_hsts_flush(dt_ctx *ctx) {
  return ctx ? dt__ctx_hsts_save(ctx) : DT_EINVAL;
}
