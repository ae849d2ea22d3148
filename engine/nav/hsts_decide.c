/* hsts_decide.c — see hsts_decide.h. */
#include "engine/nav/hsts_decide.h"

#include "engine/ctx.h"
#include "engine/nav/upgrade.h"
#include "hsts/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The canonical host of a domain URL. The URL parser already did IDNA and
 * lowercasing; the kit's canonicaliser strips trailing dots (docs/hsts-
 * rules.md rule 19), checks lengths, and refuses localhost and *.localhost
 * (rule 3). */
static dt__host_reason
domain_host(const dt_url *url, char out[DT_MAX_HOST_BYTES + 1], size_t *len) {
  *len = 0;
  if (dt_url_host_kind(url) != DT_HOST_DOMAIN) return DT__HOST_IP_LITERAL;
  const char *h = dt_url_get(url, DT_URL_HOSTNAME);
  return dt__host_canon(h, strlen(h), out, len);
}

int dt__hsts_decide(dt_ctx *ctx, const dt_url *url, dt_hsts_decision *d) {
  const char *scheme = dt_url_scheme(url);
  if (strcmp(scheme, "http") != 0 && strcmp(scheme, "ws") != 0) {
    memset(d, 0, sizeof *d);
    d->why = "not-http";
    return 0;
  }
  return dt__hsts_host_known(ctx, url, d);
}

int dt__hsts_host_known(dt_ctx *ctx, const dt_url *url, dt_hsts_decision *d) {
  memset(d, 0, sizeof *d);
  d->why = "no-entry";
  if (ctx->hsts_off) {
    d->why = "hsts-off";
    return 0;
  }
  size_t n = 0;
  dt__host_reason hr = domain_host(url, d->host, &n);
  if (hr != DT__HOST_OK) {
    d->why = hr == DT__HOST_LOCALHOST ? "localhost" : "not-a-domain";
    return 0;
  }
  /* Knob 7: the dynamic store first, then the preload list; either one
   * makes the host a Known HSTS Host (RFC 6797 §8.2). */
  dt__hsts_decision sd;
  if (dt__hsts_store_lookup(ctx->store->s, d->host, n, &sd)) {
    d->known = 1;
    d->why = NULL;
    d->source = DT_HSTS_SOURCE_DYNAMIC;
    snprintf(d->entry, sizeof d->entry, "%s", sd.entry.host);
    d->include_subdomains = sd.entry.include_subdomains;
    d->exact = sd.reason == DT__HSTS_R_EXACT;
    d->expires_ms = sd.entry.expires_ms;
    d->observed_ms = sd.entry.observed_ms;
    return 1;
  }
  d->why = dt__hsts_reason_name(sd.reason);
  if (!ctx->preload) return 0;
  dt__preload_match m;
  if (dt__preload_match_host(ctx->preload, d->host, n,
                             ctx->profile->preload_rule, ctx->preload_stale_off,
                             &ctx->clock, &m)) {
    dt_preload_info info;
    dt_preload_get_info(ctx->preload, &info);
    d->known = 1;
    d->why = NULL;
    d->source = DT_HSTS_SOURCE_PRELOAD;
    snprintf(d->entry, sizeof d->entry, "%s", m.name);
    d->include_subdomains = m.include_subdomains;
    d->exact = m.reason == DT__PRELOAD_R_EXACT;
    memcpy(d->list_date, info.list_date, sizeof d->list_date);
    return 1;
  }
  /* The dynamic store's near miss is more telling than "no-entry". */
  if (sd.reason == DT__HSTS_R_NO_ENTRY)
    d->why = dt__preload_reason_name(m.reason);
  return 0;
}

int dt_ctx_hsts_decide(dt_ctx *ctx, const char *url, dt_hsts_decision *out) {
  if (!ctx || !url || !out) return DT_EINVAL;
  dt_url *u = NULL;
  int rc = dt_url_parse(&u, url, strlen(url), NULL);
  if (rc) return rc;
  rc = dt__hsts_decide(ctx, u, out);
  dt_url_free(u);
  return rc;
}

int dt_ctx_hsts_upgrade(dt_ctx *ctx, const char *url, char **upgraded) {
  if (!ctx || !url || !upgraded) return DT_EINVAL;
  *upgraded = NULL;
  dt_url *u = NULL;
  int rc = dt_url_parse(&u, url, strlen(url), NULL);
  if (rc) return rc;
  dt_hsts_decision d;
  rc = 0;
  if (dt__hsts_decide(ctx, u, &d)) {
    dt_url *up = dt__hsts_upgrade_url(u);
    const char *href = up ? dt_url_get(up, DT_URL_HREF) : NULL;
    *upgraded = href ? strdup(href) : NULL;
    rc = *upgraded ? 1 : DT_ENOMEM;
    dt_url_free(up);
  }
  dt_url_free(u);
  return rc;
}
