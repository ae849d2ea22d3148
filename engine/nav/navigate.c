/* navigate.c — one navigation: Fetch's main fetch / HTTP-redirect fetch loop
 * (Fetch §4.1, §4.4) over the one-hop client, with the HSTS upgrade before
 * any traffic (RFC 6797 §8.3) and the STS field noted from every https hop
 * (§8.1) before the next hop is computed.
 *
 *   dt_fetch ─► step ─┬─ Known HSTS Host? ─► synthetic 307 hop ─► step
 *                     └─ send (client.c) ─► on_hop ─► note STS ─►
 *                          redirect rules (redirect.c) ─► step | finish
 *
 * The rules themselves are elsewhere: which URL/method/headers come next
 * (redirect.c, profile knobs), whether a host is a Known HSTS Host
 * (hsts_policy.c). This file only sequences them and records hops. */
#include "engine/net/client.h"
#include "engine/ctx.h"
#include "engine/nav/hsts_policy.h"
#include "engine/nav/redirect.h"
#include "engine/nav/upgrade.h"

#include <stdlib.h>
#include <string.h>

typedef struct nav {
  dt_ctx *ctx;
  dt_chain *chain;
  dt__redirect_state st;
  uint8_t *body; /* the caller's body, kept to replay on 307/308 */
  size_t body_len;
  uint64_t t0;   /* uv_hrtime at start, for the navigation's total timeout */
  dt_fetch_cb cb;
  void *ud;
  uv_timer_t done; /* the callback always runs from the loop */
} nav;

static void nav_closed(uv_handle_t *h) {
  nav *n = h->data;
  dt_ctx *ctx = n->ctx;
  dt_chain *chain = n->chain;
  dt_fetch_cb cb = n->cb;
  void *ud = n->ud;
  dt__redirect_cleanup(&n->st);
  free(n->body);
  free(n);
  /* Persist what this navigation learned before telling the caller (or,
   * with hsts_save_delay_ms, arm the delayed save): by default a crash
   * after the callback must not lose an STS header. */
  dt__ctx_hsts_changed(ctx);
  cb(chain, ud);
  dt__ctx_unref(ctx);
}

static void on_done_timer(uv_timer_t *t) {
  uv_close((uv_handle_t *)t, nav_closed);
}

static void finish(nav *n) { uv_timer_start(&n->done, on_done_timer, 0, 0); }

static void fail(nav *n, int err, const char *msg) {
  dt__chain_set_error(n->chain, err, "%s", msg ? msg : dt_strerror(err));
  finish(n);
}

static void step(nav *n);

/* --explain: the decision's steps, one line each with the rule followed. */
static void set_explain(dt_chain *c, dt_hop *h, const char *first,
                        const char *first_rule, const dt__redirect_out *out) {
  char buf[DT__REDIRECT_MAX_STEPS * (DT__REDIRECT_STEP_BYTES + 96) + 1024];
  size_t used = 0;
  buf[0] = 0;
  if (h->explain) /* keep what an earlier stage wrote */
    used = (size_t)snprintf(buf, sizeof buf, "%s", h->explain);
  if (first && used < sizeof buf)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "  - %s  [%s]\n",
                             first, first_rule);
  for (size_t i = 0; out && i < out->step_count && used < sizeof buf; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "  - %s  [%s]\n",
                             out->steps[i].text,
                             out->steps[i].rule ? out->steps[i].rule : "");
  if (buf[0])
    h->explain = dt__chain_strdup(c, buf);
}

static int add_header(dt_chain *c, dt_hop *h, const char *name,
                      const char *value) {
  return dt__hop_add_resp_header(c, h, name, strlen(name), value,
                                 strlen(value));
}

static const char *find_header(const dt__redirect_request *rq,
                               const char *name) {
  for (size_t i = 0; i < rq->header_count; i++) {
    const char *a = rq->headers[i].name, *b = name;
    while (*a && *b && ((*a | 0x20) == (*b | 0x20)))
      a++, b++;
    if (!*a && !*b)
      return rq->headers[i].value;
  }
  return NULL;
}

/* The synthetic "307 Internal Redirect" exactly as Chromium's
 * URLRequestRedirectJob shows it (DECISIONS.md, "The internal redirect"):
 * nothing is sent, the hop only records the decision. Returns 0 to go on,
 * or an error (the chain carries it). */
static int synthetic_hop(nav *n, const dt__redirect_request *rq,
                         const dt__hsts_verdict *v) {
  dt_chain *c = n->chain;
  dt_url *up = dt__hsts_upgrade_url(rq->url);
  dt_hop *h = dt__chain_add_hop(c);
  if (!up || !h) {
    dt_url_free(up);
    return DT_ENOMEM;
  }
  h->synthetic = 1;
  h->method = dt__chain_strdup(c, rq->method);
  h->url = dt__chain_strdup(c, dt_url_get(rq->url, DT_URL_HREF));
  for (size_t i = 0; i < rq->header_count; i++)
    dt__hop_add_req_header(c, h, rq->headers[i].name,
                           strlen(rq->headers[i].name), rq->headers[i].value,
                           strlen(rq->headers[i].value));
  h->req_body_bytes = rq->send_body ? n->body_len : 0;
  h->has_response = 1;
  h->status = 307;
  h->reason = "Internal Redirect";
  add_header(c, h, "Location", dt_url_get(up, DT_URL_HREF));
  add_header(c, h, "Non-Authoritative-Reason", "HSTS");
  add_header(c, h, "Cross-Origin-Resource-Policy", "Cross-Origin");
  const char *origin = find_header(rq, "Origin");
  if (origin) { /* CORS requests must be able to see the redirect */
    add_header(c, h, "Access-Control-Allow-Origin", origin);
    add_header(c, h, "Access-Control-Allow-Credentials", "true");
  }
  h->timing.started_ms = dt_clock_now_ms(&n->ctx->clock);
  h->timing.total_ms = 0;
  char note[DT_MAX_HOST_BYTES + 128];
  dt__hsts_verdict_note(v, note, sizeof note);
  h->reason_json = dt__hsts_verdict_json(c, v);
  dt__redirect_out out;
  dt__redirect_verdict vd = dt__redirect_upgrade(&n->st, up, &out);
  dt_url_free(up);
  /* redirect.c says "HSTS: a.test → https, ..."; the verdict already
   * said "HSTS: <entry>", so join without repeating the prefix. */
  const char *more = out.note;
  if (strncmp(more, "HSTS: ", 6) == 0)
    more += 6;
  if (*more)
    dt__hop_set_note(c, h, "%s; %s", note, more);
  else
    dt__hop_set_note(c, h, "%s", note);
  char why[DT_MAX_HOST_BYTES * 2 + 256];
  snprintf(why, sizeof why, "%s is a Known HSTS Host: %s", v->host, note + 6);
  set_explain(c, h, why, "RFC 6797 §8.2; DECISIONS knob 7 (dynamic, then preload)",
              &out);
  if (vd == DT__REDIRECT_ERROR) {
    dt__chain_set_error(c, out.err, "%s after %u redirects (%s)",
                        dt_strerror(out.err), n->st.redirect_count,
                        out.note[0] ? out.note : "HSTS upgrade");
    return out.err;
  }
  return 0;
}

static void on_hop(dt_chain *chain, dt_hop *hop, int err, void *ud) {
  nav *n = ud;
  if (err) {
    finish(n); /* the client recorded the error on the chain */
    return;
  }
  dt__redirect_request rq;
  dt__redirect_current(&n->st, &rq);
  /* RFC 6797 §8.1 before the redirect is followed: a 301 to http:// on a
   * host that just sent STS is upgraded internally (C-rows in
   * redirect-rules.md, "STS on a redirect"). */
  char sts[DT_MAX_HOST_BYTES + 96];
  dt__hsts_observe(n->ctx, chain, hop, rq.url, sts, sizeof sts);
  dt__redirect_out out;
  dt__redirect_verdict v = dt__redirect_next(
      &n->st, hop->status, hop->resp_headers, hop->resp_header_count, &out);
  /* DECISIONS.md: detour does not cache permanent redirects, but marks
   * the ones a browser would keep for good, so people (and the audit)
   * see why a browser never asks again. */
  hop->permanent_redirect_cached = out.cacheable_permanent;
  const char *cached =
      out.cacheable_permanent
          ? "a browser caches this redirect for good (no Cache-Control or "
            "Expires)"
          : "";
  if (out.note[0] || sts[0] || cached[0])
    dt__hop_set_note(chain, hop, "%s%s%s%s%s", out.note,
                     out.note[0] && sts[0] ? "; " : "", sts,
                     (out.note[0] || sts[0]) && cached[0] ? "; " : "", cached);
  set_explain(chain, hop, sts[0] ? sts : NULL, "RFC 6797 §8.1", &out);
  switch (v) {
  case DT__REDIRECT_FINAL:
    dt__chain_set_final_url(chain, hop->url);
    finish(n);
    return;
  case DT__REDIRECT_ERROR:
    if (out.err == DT_EREDIRECT_LIMIT)
      dt__chain_set_error(chain, out.err,
                          "too many redirects: the %s profile follows %u "
                          "and this was redirect %u",
                          n->ctx->profile->name, n->st.max_redirects,
                          n->st.redirect_count + 1);
    else
      dt__chain_set_error(chain, out.err, "%s%s%s", dt_strerror(out.err),
                          out.note[0] ? ": " : "", out.note);
    finish(n);
    return;
  case DT__REDIRECT_FOLLOW:
    step(n);
    return;
  }
}

static void step(nav *n) {
  for (;;) {
    dt__redirect_request rq;
    dt__redirect_current(&n->st, &rq);
    dt__hsts_verdict v;
    if (dt__hsts_decide(n->ctx, rq.url, &v)) {
      if (synthetic_hop(n, &rq, &v) != 0) {
        dt__chain_set_error(n->chain, DT_ENOMEM, "%s", dt_strerror(DT_ENOMEM));
        finish(n);
        return;
      }
      continue; /* the next hop is https: decide cannot upgrade it again */
    }
    dt_hop *hop = dt__chain_add_hop(n->chain);
    if (!hop) {
      fail(n, DT_ENOMEM, NULL);
      return;
    }
    dt__client_opts o = {0};
    /* The total timeout is the navigation's, not each hop's. */
    uint32_t total = n->ctx->limits.total_timeout_ms;
    if (total) {
      uint64_t spent = (uv_hrtime() - n->t0) / 1000000u;
      if (spent >= total) {
        fail(n, DT_ETIMEOUT_TOTAL, "total time limit reached between hops");
        return;
      }
      o.total_timeout_ms = (uint32_t)(total - spent);
    }
    /* A host the store or the list knows keeps HSTS's promise even when
     * this request went out as https by itself (§8.4: no click-through). */
    dt__hsts_verdict known;
    o.hsts_host = strcmp(dt_url_scheme(rq.url), "https") == 0 &&
                  dt__hsts_host_known(n->ctx, rq.url, &known);
    int rc = dt__client_send(n->ctx, n->chain, hop, rq.method,
                             dt_url_get(rq.url, DT_URL_HREF), rq.headers,
                             rq.header_count, rq.send_body ? n->body : NULL,
                             rq.send_body ? n->body_len : 0, &o, on_hop, n);
    if (rc)
      fail(n, rc, NULL);
    return;
  }
}

int dt_fetch(dt_ctx *ctx, const dt_request *rq, dt_fetch_cb cb,
             void *user_data) {
  if (!ctx || !rq || !rq->url || !cb || ctx->closing)
    return DT_EINVAL;
  if (rq->body_len > ctx->limits.max_request_body)
    return DT_EINVAL;
  const char *method = rq->method ? rq->method : "GET";
  nav *n = calloc(1, sizeof *n);
  dt_chain *chain = dt__chain_new(method, rq->url);
  if (!n || !chain) {
    free(n);
    dt_chain_free(chain);
    return DT_ENOMEM;
  }
  n->ctx = ctx;
  n->chain = chain;
  n->cb = cb;
  n->ud = user_data;
  n->t0 = uv_hrtime();
  uv_timer_init(ctx->loop, &n->done);
  n->done.data = n;
  dt__ctx_ref(ctx);
  if (rq->body_len) {
    n->body = malloc(rq->body_len);
    if (!n->body) {
      fail(n, DT_ENOMEM, NULL);
      return 0;
    }
    memcpy(n->body, rq->body, rq->body_len);
    n->body_len = rq->body_len;
  }
  /* A bad first URL is a chain with the error, like any other failure. */
  dt_url *url = NULL, *initiator = NULL;
  int rc = dt_url_parse(&url, rq->url, strlen(rq->url), NULL);
  if (rc) {
    fail(n, rc, rc == DT_EURL ? "the URL could not be parsed" : NULL);
    return 0;
  }
  if (rq->initiator &&
      (rc = dt_url_parse(&initiator, rq->initiator, strlen(rq->initiator),
                         NULL)) != 0) {
    dt_url_free(url);
    fail(n, rc, "the --initiator URL could not be parsed");
    return 0;
  }
  dt__redirect_params p = {
      .profile = ctx->profile,
      .url = url,
      .method = method,
      .has_body = rq->body != NULL || rq->body_len > 0,
      .headers = rq->headers,
      .header_count = rq->header_count,
      .initiator = initiator,
      .max_url_bytes = ctx->limits.max_url_bytes,
      .max_redirects_set = rq->max_redirects_set,
      .max_redirects = rq->max_redirects,
      .manual = rq->no_follow,
  };
  rc = dt__redirect_init(&n->st, &p);
  dt_url_free(url);
  dt_url_free(initiator);
  if (rc) {
    fail(n, rc,
         rc == DT_ESCHEME ? "only http: and https: URLs can be fetched"
         : rc == DT_EBADPORT
             ? "the port is on Fetch's bad port list (Fetch §2.9)"
             : NULL);
    return 0;
  }
  step(n);
  return 0;
}
