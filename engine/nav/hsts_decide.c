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

/* ---- the list's age, where it mattered ----------------------------------
 * Chromium stops using its static HSTS data once the build is 70 days old
 * (net/http/transport_security_state.cc, IsBuildTimely: timely while
 * (now - build time).InDays() < 70; GetStaticSTSState returns nothing
 * otherwise). detour keeps enforcing a stale list by default
 * (docs/decisions.md, "A stale preload list") and says so only on a chain
 * whose answer the age could have changed: a navigation that never asked
 * the list about a host it has an entry for would be the same with a
 * fresh list (one without the entry aside), so a warning there is noise. */

static int list_stale(dt_ctx *ctx) {
  return ctx->preload &&
         dt__preload_is_stale(dt__preload_of(ctx->preload), &ctx->clock);
}

void dt__preload_watch_note(dt_ctx *ctx, dt__preload_watch *w,
                            const dt_hsts_decision *d, size_t hop,
                            int cert_fatal) {
  if (w->hop || !list_stale(ctx)) return;
  if (d->known && d->source == DT_HSTS_SOURCE_PRELOAD) {
    w->hop = hop;
    w->how = cert_fatal ? 3 : 1;
    snprintf(w->entry, sizeof w->entry, "%s", d->entry);
    return;
  }
  /* Disabled by the policy: would the list have decided? */
  if (cert_fatal || d->known || !d->why || strcmp(d->why, "disabled-stale"))
    return;
  dt__preload_match m;
  if (dt__preload_lookup(dt__preload_of(ctx->preload), d->host, strlen(d->host),
                         ctx->profile->preload_rule, &m)) {
    w->hop = hop;
    w->how = 2;
    snprintf(w->entry, sizeof w->entry, "%s", m.name);
  }
}

/* Both ways to a newer list, in every warning about its age. */
#define NEWER_LIST                                                             \
  "For a newer list: `detour preload compile "                                 \
  "transport_security_state_static.json -o list.bin` and --preload-file "      \
  "list.bin, or build detour with "                                            \
  "-DDETOUR_PRELOAD_SOURCE=transport_security_state_static.json "              \
  "(docs/preload-format.md)."

void dt__preload_watch_warning(dt_ctx *ctx, const dt__preload_watch *w,
                               int chain_err, char *out, size_t cap) {
  out[0] = '\0';
  if (!w->hop || !ctx->preload) return;
  if (w->how == 3 && chain_err != DT_EHSTS_CERT) return;
  dt_preload_info info;
  dt_preload_get_info(ctx->preload, &info);
  long long age = (long long)dt_preload_age_days(ctx->preload, &ctx->clock);
  char said[256];
  if (w->how == 1)
    snprintf(said, sizeof said, "upgraded hop %zu to https", w->hop);
  else if (w->how == 2)
    snprintf(said, sizeof said,
             "was not used for hop %zu, which went out over http: the list "
             "is disabled past Chromium's 70 days (--disable-stale-preload)",
             w->hop);
  else
    snprintf(said, sizeof said,
             "made the certificate error on hop %zu fatal (RFC 6797 §8.4)",
             w->hop);
  snprintf(out, cap,
           "the HSTS preload list is %lld days old (list date %s; Chromium "
           "stops using its list at 70 days): its entry %s %s%s. " NEWER_LIST,
           age, info.list_date, w->entry, said,
           w->how == 2 ? "" : ", and a newer list may no longer have it");
}
