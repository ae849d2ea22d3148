/* https_probe.c — see https_probe.h. The probe is one request on the
 * context's pool, recorded in a chain of its own (it is not a hop of the
 * navigation: Firefox's devtools do not show it either); the navigation
 * notes what it did on its fallback hop. */
#include "engine/nav/https_probe.h"

#include "engine/chain.h"
#include "engine/net/client.h"
#include "hsts/base/ascii.h"

#include <stdlib.h>
#include <string.h>

struct dt__probe {
  dt_chain *chain;
  dt__client *client;
  dt__probe_cb cb;
  void *ud;
  int canceled;
};

/* A redirect to https on the probe's own host: https is coming, wait for
 * it (TestHTTPAnswerRunnable::IsBackgroundRequestRedirected). */
static int redirects_to_https(const dt_hop *hop) {
  if (hop->status < 300 || hop->status > 399) return 0;
  const char *loc = dt__hop_resp_header(hop, "Location");
  dt_url *base = NULL, *to = NULL;
  int same = 0;
  if (loc && dt_url_parse(&base, hop->url, strlen(hop->url), NULL) == 0 &&
      dt_url_parse(&to, loc, strlen(loc), base) == 0)
    same = strcmp(dt_url_scheme(to), "https") == 0 &&
           dt__ascii_ieq(dt_url_get(to, DT_URL_HOSTNAME),
                         dt_url_get(base, DT_URL_HOSTNAME));
  dt_url_free(base);
  dt_url_free(to);
  return same;
}

static void on_done(dt_chain *chain, dt_hop *hop, int err, void *ud) {
  (void)chain;
  dt__probe *p = ud;
  if (!p->canceled && p->cb) {
    int answered = !err && hop->has_response;
    int give_up = answered && !redirects_to_https(hop);
    p->cb(p->ud, give_up, answered ? hop->status : 0, err);
  }
  dt_chain_free(p->chain);
  free(p);
}

int dt__probe_start(dt_ctx *ctx, const char *url, const dt_header *fields,
                    size_t field_count, dt__probe_cb cb, void *user_data,
                    dt__probe **out) {
  *out = NULL;
  dt__probe *p = calloc(1, sizeof *p);
  dt_chain *c = dt__chain_new("GET", url);
  dt_hop *h = c ? dt__chain_add_hop(c) : NULL;
  if (!p || !h) {
    free(p);
    dt_chain_free(c);
    return DT_ENOMEM;
  }
  p->chain = c;
  p->cb = cb;
  p->ud = user_data;
  dt__client_opts o = {0};
  o.soft_fail = 1;
  o.exact_fields = fields != NULL;
  int rc = dt__client_send(ctx, c, h, "GET", url, fields, field_count, NULL, 0,
                           &o, on_done, p, &p->client);
  if (rc) {
    dt_chain_free(c);
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void dt__probe_cancel(dt__probe *p) {
  if (!p || p->canceled) return;
  p->canceled = 1;
  dt__client_abort(p->client, DT_ECANCELED,
                   "the navigation no longer waits for the probe");
}
