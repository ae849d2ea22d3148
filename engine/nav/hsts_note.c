/* hsts_note.c — see hsts_note.h. */
#include "engine/nav/hsts_note.h"

#include "engine/chain.h"
#include "engine/ctx.h"
#include "engine/hsts/suffix.h"
#include "hsts/sts_header.h"

#include <stdio.h>
#include <string.h>

_Static_assert((int)DT_STS_REFUSED_HOST == (int)DT__HSTS_REFUSED_HOST &&
                   (int)DT_STS_REJECTED == (int)DT__HSTS_REJECTED,
               "the public outcomes extend the store's");

static const char *outcome_name(dt_sts_outcome o) {
  return o == DT_STS_IGNORED
             ? "ignored"
             : dt__hsts_note_outcome_name((dt__hsts_note_outcome)o);
}

void dt__hsts_observe(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                      const dt_url *url) {
  if (!hop->has_response || hop->sts) return; /* noted at the head already */
  /* Rule 4: only the first STS field of a response counts. */
  const char *value = dt__hop_resp_header(hop, "Strict-Transport-Security");
  if (!value) return;
  dt_sts_note *n = dt__hop_sts(hop);
  n->header = dt__chain_strdup(chain, value);
  /* RFC 6797 §8.1 / rule 1: over secure transport only, and only when the
   * certificate verified with no error (§8.1.1), never with -k. */
  if (strcmp(dt_url_scheme(url), "https") != 0)
    n->ignored = "not-https";
  else if (!hop->conn || !hop->conn->cert_verified || ctx->insecure)
    n->ignored = "certificate-not-verified";
  else if (ctx->hsts_off)
    n->ignored = "hsts-off";
  else if (dt_url_host_kind(url) != DT_HOST_DOMAIN)
    n->ignored = "ip-literal"; /* §8.1.1 / rule 2 */
  if (n->ignored) {
    n->outcome = DT_STS_IGNORED;
    n->outcome_name = outcome_name(n->outcome);
    return;
  }
  const char *host = dt_url_get(url, DT_URL_HOSTNAME);
  /* No includeSubDomains entry for a public suffix (engine/hsts/suffix.h):
   * refused before the store sees it, so an older entry stays as it was. */
  dt__sts_result pre;
  if (dt__sts_parse(value, strlen(value), ctx->profile->hsts_max_age_cap,
                    &pre) == 0 &&
      pre.max_age > 0 &&
      dt__hsts_suffix_refused(host, pre.include_subdomains)) {
    n->outcome = DT_STS_REFUSED_HOST;
    n->outcome_name = outcome_name(n->outcome);
    n->code = DT__HSTS_SUFFIX_CODE;
    n->message = DT__HSTS_SUFFIX_MESSAGE;
    snprintf(n->host, sizeof n->host, "%s", host);
    return;
  }
  dt__hsts_note_result r;
  int64_t now = dt_clock_now_ms(&ctx->clock);
  dt__hsts_note(ctx->store->s, host, strlen(host), value, strlen(value), now,
                ctx->profile->hsts_max_age_cap, &r);
  n->outcome = (dt_sts_outcome)r.outcome;
  /* Knob 7: max-age=0 deletes the dynamic entry only; the preload list is
   * read-only and keeps upgrading the host in every profile (Chromium's
   * list is static; measured on Firefox ESR 153, where the host stays
   * upgraded: docs/decisions.md knob 7). */
  int changed = r.outcome == DT__HSTS_NOTED || r.outcome == DT__HSTS_DELETED;
  n->outcome_name = outcome_name(n->outcome);
  switch (n->outcome) {
  case DT_STS_NOTED:
    snprintf(n->host, sizeof n->host, "%s", r.entry.host);
    n->max_age = r.sts.max_age;
    n->include_subdomains = r.entry.include_subdomains;
    n->expires_ms = r.entry.expires_ms;
    n->clamped = r.sts.clamped;
    break;
  case DT_STS_REJECTED:
    n->code = dt__sts_code_name(r.sts.code);
    n->message = dt__sts_code_message(r.sts.code);
    n->offset = r.sts.offset;
    break;
  case DT_STS_REFUSED_HOST:
    n->code = dt__host_reason_name(r.host_reason);
    n->message = dt__host_reason_message(r.host_reason);
    break;
  default: snprintf(n->host, sizeof n->host, "%s", host); break;
  }
  if (changed) dt__store_changed(ctx->store);
}
