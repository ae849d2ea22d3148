/* navigate.c — one navigation: Fetch's main fetch / HTTP-redirect fetch loop
 * (Fetch §4.1, §4.4) over the one-hop client, with the HSTS upgrade before
 * any traffic (RFC 6797 §8.3) and the STS field noted from every https hop
 * (§8.1) as soon as its head is in, before the next hop is computed.
 *
 *   dt_fetch ─► step ─┬─ Known HSTS Host? ─► synthetic 307 hop ─► step
 *                     └─ send (net/client) ─► on_head ─► note STS ─►
 *                          redirect rules (redirect.c) ─► body: kept, or
 *                          streamed when final ─► on_hop ─► step | finish
 *
 * States of a navigation (struct dt_nav), with what holds in each:
 *   RUNNING   n->client is the hop in flight (NULL only inside step());
 *             dt_nav_cancel aborts that hop.
 *   FINISHING the chain is complete (result or error), the callback is
 *             queued on n->done; n->client is NULL; cancel is refused.
 * The rules themselves are elsewhere: which URL/method/headers come next
 * (redirect.c, profile knobs), whether a host is a Known HSTS Host
 * (hsts_decide.c), what an STS field does (hsts_note.c). This file only
 * sequences them and records what they decided on the hop. */
#include "engine/nav/navigate.h"
#include "engine/ctx.h"
#include "engine/nav/cookies.h"
#include "engine/nav/hsts_decide.h"
#include "engine/nav/hsts_note.h"
#include "engine/nav/https_probe.h"
#include "engine/nav/https_upgrades.h"
#include "engine/nav/identity.h"
#include "engine/nav/redirect.h"
#include "engine/nav/redirect_cache.h"
#include "engine/nav/referrer.h"
#include "engine/nav/upgrade.h"
#include "engine/net/client.h"
#include "engine/net/wire.h"
#include "hsts/base/ascii.h"
#include "hsts/base/error.h"
#include "hsts/base/headers.h"
#include "hsts/base/sized.h"

#include <stdlib.h>
#include <string.h>

/* The smallest dt_request dt_fetch reads (everything before streaming). */
#define REQUEST_SIZE_MIN offsetof(dt_request, on_body)

struct dt_nav {
  dt_ctx *ctx;
  dt_chain *chain;
  dt__redirect_state st;
  dt__identity_nav idn; /* the request fields' state (identity.h) */
  dt__cookie_nav cn;    /* the cookies' view of the chain (cookies.h) */
  dt__cookie_req creq;  /* the hop in flight, for its Set-Cookie fields */
  /* the hop's request fields with its Cookie (with_cookies): the field
   * views point here until the next hop */
  dt_header carried[DT__REQ_MAX_CALLER_FIELDS + 1];
  char *cookie_value;
  dt_url *initiator; /* owned; NULL typed */
  int last_internal; /* the previous hop was a synthetic 307: its
                        dt__internal_why + 1; 0 not */
  /* HTTPS-Upgrades (https_upgrades.h): the hop in flight is the https
   * attempt of ATTEMPT_HTTP; FALLBACK_PENDING: it failed by its answer
   * (1: a status that fails it, 2: a redirect back to http) */
  int attempt;
  dt_url *attempt_http;
  int fallback_pending;
  dt__input input; /* how the URL came: typed (with or without its scheme),
                      or a link (knob 11's inputs) */
  /* HTTPS-First's background http probe (https_probe.h): the timer that
   * starts it (its own allocation: closed and freed apart from the nav),
   * the probe in flight, and what it did, for the fallback hop */
  uv_timer_t *probe_timer;
  dt__probe *probe;
  char probe_note[320];
  uint64_t id;   /* this navigation's number in its context (from 1) */
  uint8_t *body; /* the caller's body, kept to replay on 307/308 */
  size_t body_len;
  uint64_t t0; /* uv_hrtime at start, for the navigation's total timeout */
  dt_fetch_cb cb;
  void *ud;
  dt_body_cb on_body;
  dt_progress_cb on_progress;
  uv_timer_t done;    /* the callback always runs from the loop */
  dt__client *client; /* RUNNING: the hop in flight */
  int canceled;       /* dt_nav_cancel was called: the end is on its way */
  int finishing;      /* FINISHING */
  /* The current hop's verdict, decided when its head arrived. */
  dt__redirect_verdict verdict;
  dt__redirect_out out;
  int64_t expected;           /* Content-Length of the final body, or -1 */
  struct dt_nav *prev, *next; /* the context's navigations in flight */
  dt__preload_watch pw;       /* the list's age, where it mattered */
};
typedef struct dt_nav nav;

static void unlink_nav(nav *n) {
  if (n->prev)
    n->prev->next = n->next;
  else
    n->ctx->navs = n->next;
  if (n->next) n->next->prev = n->prev;
  n->prev = n->next = NULL;
}

static void nav_closed(uv_handle_t *h) {
  nav *n = h->data;
  dt_ctx *ctx = n->ctx;
  dt_chain *chain = n->chain;
  dt_fetch_cb cb = n->cb;
  void *ud = n->ud;
  dt__preload_watch pw = n->pw;
  unlink_nav(n);
  dt__redirect_cleanup(&n->st);
  dt__cookie_nav_free(&n->cn);
  free(n->cookie_value);
  dt_url_free(n->initiator);
  dt_url_free(n->attempt_http);
  free(n->body);
  free(n);
  ctx->nav_running--;
  /* What this navigation learned is saved (on_done_timer); what others
   * changed meanwhile is saved now off the loop, or the delayed save of
   * the store is armed (hsts_save_delay_ms). */
  dt__ctx_hsts_settle(ctx);
  /* What the caller must not miss (a store that could not be loaded or
   * saved: this run was not protected as the next will assume; a stale
   * preload list that decided a hop). */
  for (size_t i = 0; dt_ctx_warning(ctx, i); i++)
    dt__chain_add_warning(chain, dt_ctx_warning(ctx, i));
  char age[1400];
  dt__preload_watch_warning(ctx, &pw, dt_chain_error(chain), age, sizeof age);
  if (age[0]) dt__chain_add_warning(chain, age);
  cb(chain, ud);
  dt__ctx_unref(ctx);
}

static void on_saved(void *ud) {
  nav *n = ud;
  uv_close((uv_handle_t *)&n->done, nav_closed);
}

/* What the navigation learned (the HSTS store, cookies, the redirect
 * cache, fallbacks) is saved before its callback, off the loop: a crash
 * after the callback loses nothing, and other navigations run meanwhile. */
static void on_done_timer(uv_timer_t *t) {
  nav *n = t->data;
  if (dt__ctx_save_then(n->ctx, on_saved, n)) return;
  uv_close((uv_handle_t *)t, nav_closed);
}

static void probe_timer_closed(uv_handle_t *h) { free(h); }

/* The attempt has its answer (or the navigation ends): no probe now. */
static void probe_stop(nav *n) {
  if (n->probe_timer) {
    uv_timer_stop(n->probe_timer);
    uv_close((uv_handle_t *)n->probe_timer, probe_timer_closed);
    n->probe_timer = NULL;
  }
  if (n->probe) {
    dt__probe_cancel(n->probe);
    n->probe = NULL;
  }
}

static void finish(nav *n) {
  probe_stop(n);
  n->finishing = 1;
  uv_timer_start(&n->done, on_done_timer, 0, 0);
}

static void fail(nav *n, int err, const char *msg) {
  dt__chain_set_error(n->chain, err, "%s", msg ? msg : dt_strerror(err));
  finish(n);
}

static void step(nav *n);

/* A URL of the request that does not parse: the parser's why and hint
 * (dt_url_parse_err), WHOSE naming which URL ("the initiator ") or
 * NULL for the URL itself. */
static void fail_why(nav *n, const dt_error *e, const char *whose) {
  dt__chain_set_error(n->chain, e->code, "%s%s", whose ? whose : "",
                      e->message);
  if (e->hint[0]) dt__chain_set_hint(n->chain, e->code, "%s", e->hint);
  finish(n);
}

/* The decision's steps become the hop's record (output/ makes the note and
 * the --explain lines from them). */
static int record_steps(dt_chain *c, dt_hop *h, const dt__redirect_out *out) {
  for (size_t i = 0; out && i < out->step_count; i++)
    if (dt__hop_add_step(c, h, out->steps[i].text, out->steps[i].rule))
      return DT_ENOMEM;
  return 0;
}

static int add_header(dt_chain *c, dt_hop *h, const char *name,
                      const char *value) {
  return dt__hop_add_resp_header(c, h, name, strlen(name), value,
                                 strlen(value));
}

/* The synthetic "307 Internal Redirect" exactly as Chromium's
 * URLRequestRedirectJob shows it (docs/decisions.md, "The internal
 * redirect"): nothing is sent, the hop only records the decision. Returns
 * 0 to go on, or an error (the chain carries it). */
/* The rule behind each field the identity made (none for the minimal
 * identity: IO is NULL). */
static int record_rules(dt_chain *c, dt_hop *h, const dt__identity_out *io) {
  for (size_t i = 0; io && i < io->n; i++)
    if (dt__hop_add_field_rule(c, h, io->f[i].name, io->why[i]))
      return DT_ENOMEM;
  return 0;
}

/* The synthetic 307 a browser makes for itself (WHY): to TARGET (NULL:
 * the upgraded URL), moving the request there unless RECORD_ONLY (the
 * redirect rules already did: an https page redirecting back to http).
 * D: the HSTS decision, or NULL. */
static int internal_hop(nav *n, const dt__redirect_request *rq,
                        const dt_header *fields, size_t field_count,
                        const dt__identity_out *io, dt__internal_why why,
                        const dt_url *target, int record_only,
                        const dt_hsts_decision *d) {
  dt_chain *c = n->chain;
  dt_url *up = target ? dt_url_dup(target) : dt__hsts_upgrade_url(rq->url);
  dt_hop *h = dt__chain_add_hop(c);
  if (!up || !h) {
    dt_url_free(up);
    return DT_ENOMEM;
  }
  h->synthetic = 1;
  h->method = dt__chain_strdup(c, rq->method);
  h->url = dt__chain_strdup(c, dt_url_get(rq->url, DT_URL_HREF));
  /* what would have gone out (nothing did) */
  for (size_t i = 0; i < field_count; i++)
    dt__hop_add_req_header(c, h, fields[i].name, strlen(fields[i].name),
                           fields[i].value, strlen(fields[i].value));
  if (record_rules(c, h, io)) {
    dt_url_free(up);
    return DT_ENOMEM;
  }
  h->req_body_bytes = rq->send_body ? n->body_len : 0;
  h->has_response = 1;
  h->status = 307;
  /* as Chromium's devtools show each (measured) */
  h->reason =
      why == DT__INTERNAL_HSTS ? "Internal Redirect" : "Temporary Redirect";
  add_header(c, h, "Location", dt_url_get(up, DT_URL_HREF));
  add_header(c, h, "Non-Authoritative-Reason",
             why == DT__INTERNAL_HSTS ? "HSTS" : "HttpsUpgrades");
  add_header(c, h, "Cross-Origin-Resource-Policy", "Cross-Origin");
  const char *origin =
      dt__header_value(rq->headers, rq->header_count, "Origin");
  if (origin) { /* CORS requests must be able to see the redirect */
    add_header(c, h, "Access-Control-Allow-Origin", origin);
    add_header(c, h, "Access-Control-Allow-Credentials", "true");
  }
  dt_hop_timing *t = dt__hop_timing(h);
  t->started_ms = dt_clock_now_ms(&n->ctx->clock);
  t->total_ms = 0;
  if (d) *dt__hop_upgrade(h) = *d;
  n->last_internal = (int)why + 1;
  dt__redirect_out out;
  dt__redirect_verdict vd = DT__REDIRECT_FOLLOW;
  if (record_only) {
    memset(&out, 0, sizeof out);
    char text[160];
    snprintf(text, sizeof text,
             "%s fallback: the https page redirected back to http (the host "
             "is not upgraded again)",
             n->ctx->profile->https_upgrades.name);
    dt__hop_add_step(c, h, text,
                     "docs/https-upgrades.md: measured on Chromium 156; "
                     "Firefox nsHTTPSOnlyUtils::IsUpgradeDowngradeEndlessLoop");
  } else {
    vd = dt__redirect_internal(&n->st, up, why, &out);
  }
  dt_url_free(up);
  if (record_steps(c, h, &out)) return DT_ENOMEM;
  if (vd == DT__REDIRECT_ERROR) {
    dt__chain_set_error(c, out.err, "%s after %u redirects (%s)",
                        dt_strerror(out.err), n->st.redirect_count,
                        out.note[0] ? out.note : "internal redirect");
    return out.err;
  }
  return 0;
}

/* ---- the body of the final response ----------------------------------- */

static int body_sink(void *ud, const char *data, size_t len) {
  nav *n = ud;
  dt_hop *hop = dt__chain_last_hop(n->chain);
  if (n->on_body) {
    int rc = n->on_body(hop, (const uint8_t *)data, len, n->ud);
    if (rc < 0) return rc;
  }
  if (n->on_progress)
    n->on_progress(hop, hop->resp_body_bytes, n->expected, n->ud);
  return 0;
}

/* Content-Length when the body is delimited by it (RFC 9112 §6.3), else
 * -1. */
static int64_t expected_length(const dt_hop *hop) {
  if (dt__header_value(hop->resp_headers, hop->resp_header_count,
                       "Transfer-Encoding"))
    return -1;
  const char *cl = dt__header_value(hop->resp_headers, hop->resp_header_count,
                                    "Content-Length");
  if (!cl || !*cl) return -1;
  int64_t v = 0;
  for (const char *p = cl; *p; p++) {
    if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*p - '0');
  }
  return v;
}

/* Content-Encoding on a final response (RFC 9110 §8.4): undo what a
 * browser undoes. br and zstd are offered only where they may come (https,
 * trustworthy origins); what a body that comes with them over plain http
 * anyway becomes is the profile's (knob 16, docs/codings.md): an error
 * (Chromium), the body as it came (Firefox), or decoded (Fetch). Either of
 * the last two is a step on the hop, so --explain and the JSON say why the
 * body looks as it does. An unknown coding leaves the body as it came, as
 * does the minimal identity (curl without --compressed). */
static int decode_body(nav *n, dt__client *c, dt_hop *hop) {
  if (n->ctx->identity == DT_IDENTITY_MINIMAL) return 0;
  char joined[256] = "";
  size_t k = 0;
  for (size_t i = 0; i < hop->resp_header_count; i++)
    if (dt__ascii_ieq(hop->resp_headers[i].name, "Content-Encoding"))
      k += (size_t)snprintf(joined + k,
                            k < sizeof joined ? sizeof joined - k : 0, "%s%s",
                            k ? "," : "", hop->resp_headers[i].value);
  if (!k || k >= sizeof joined) return 0;
  dt__coding list[DT__CODING_MAX];
  int cn = dt__coding_parse(joined, list, DT__CODING_MAX);
  if (cn <= 0) return 0;
  dt_url *u = NULL;
  int secure = 0;
  if (dt_url_parse(&u, hop->url, strlen(hop->url), NULL) == 0)
    secure = dt__url_is_potentially_trustworthy(u);
  dt_url_free(u);
  int unoffered = -1;
  for (int i = 0; i < cn && !secure && unoffered < 0; i++)
    if (list[i] == DT__CODING_BR || list[i] == DT__CODING_ZSTD) unoffered = i;
  if (unoffered >= 0) {
    const char *name = dt__coding_name(list[unoffered]);
    char text[200];
    switch (n->ctx->profile->unoffered_coding) {
    case DT__UNOFFERED_RAW:
      snprintf(text, sizeof text,
               "Content-Encoding: %s over plain http, where it was not "
               "offered: the body is passed as it came, not decoded",
               name);
      return dt__hop_add_step(n->chain, hop, text,
                              "profile knob 16: Firefox shows it raw "
                              "(measured on Firefox ESR 153)")
                 ? DT_ENOMEM
                 : 0;
    case DT__UNOFFERED_DECODE:
      snprintf(text, sizeof text,
               "Content-Encoding: %s over plain http, where it was not "
               "offered: decoded, as a coding detour supports",
               name);
      if (dt__hop_add_step(n->chain, hop, text,
                           "profile knob 16: Fetch \"handle content "
                           "codings\" decodes any supported coding"))
        return DT_ENOMEM;
      break;
    case DT__UNOFFERED_ERROR:
    default:
      return dt__client_head_error(
          c, DT_EDECODE,
          "Content-Encoding: %s over plain http, where it was not offered: "
          "refused, as Chromium refuses it (ERR_CONTENT_DECODING_FAILED; "
          "--profile firefox keeps such a body as it came)",
          name);
    }
  }
  return dt__client_set_decoding(c, list, cn) ? DT_ENOMEM : 0;
}

/* The head is in: note the STS field (Chromium notes it with the headers,
 * so a body cut short loses nothing), decide the redirect, and send the
 * body of a final response where the caller wants it. */
static int on_head(dt__client *c, dt_hop *hop, void *ud) {
  nav *n = ud;
  dt__redirect_request rq;
  dt__redirect_current(&n->st, &rq);
  /* RFC 6797 §8.1 before the redirect is followed: a 301 to http:// on a
   * host that just sent STS is upgraded internally (docs/redirects.md,
   * "STS on a redirect"). */
  dt__hsts_observe(n->ctx, n->chain, hop, rq.url);
  /* RFC 6265bis §5.7: the cookies a response sets are stored before the
   * next hop is computed (measured: a 302's cookie goes on the next hop) */
  if (n->ctx->jar &&
      dt__cookies_from_response(n->ctx->jar, &n->creq, n->chain, hop))
    return DT_ENOMEM;
  n->verdict = dt__redirect_next(&n->st, hop->status, hop->resp_headers,
                                 hop->resp_header_count, &n->out);
  /* HTTPS-Upgrades: a status that fails the attempt (Firefox's 404), or
   * an https page that redirects back to http on the same host */
  if (n->attempt) {
    probe_stop(n); /* https answered: no probe (Firefox's
                      HTTPS_ONLY_TOP_LEVEL_LOAD_IN_PROGRESS) */
    if (dt__https_upgrades_status_fails(&n->ctx->profile->https_upgrades,
                                        hop->status)) {
      n->fallback_pending = 1;
    } else if (n->verdict == DT__REDIRECT_FOLLOW &&
               strcmp(dt_url_scheme(n->st.url), "http") == 0 &&
               strcmp(dt_url_get(n->st.url, DT_URL_HOSTNAME),
                      dt_url_get(n->attempt_http, DT_URL_HOSTNAME)) == 0) {
      n->fallback_pending = 2;
    }
    /* the answer came: the attempt's short budget is over, the rest of
     * the hop has the navigation's */
    uint32_t total = n->ctx->limits.total_timeout_ms;
    uint64_t spent = (uv_hrtime() - n->t0) / 1000000u;
    dt__client_set_total_timeout(
        c, total ? (spent < total ? (uint32_t)(total - spent) : 1) : 0);
  }
  /* a 401 to a URL with credentials: once more with them */
  if (n->verdict == DT__REDIRECT_FINAL && hop->status == 401)
    n->verdict = dt__redirect_auth_retry(&n->st, hop->status, hop->resp_headers,
                                         hop->resp_header_count, &n->out);
  /* docs/decisions.md: detour does not cache permanent redirects, but
   * marks the ones a browser would keep for good. */
  hop->permanent_redirect_cached = n->out.cacheable_permanent;
  /* the browser keeps redirects it may serve again (redirect_cache.h) */
  if (n->ctx->rcache && dt__redirect_is_redirect_status(hop->status) &&
      dt__rc_store(n->ctx->rcache, hop->url, hop->method, hop->status,
                   hop->reason, hop->resp_headers, hop->resp_header_count,
                   dt_clock_now_ms(&n->ctx->clock),
                   n->ctx->profile->redirect_cache_permanent, n->id))
    return DT_ENOMEM;
  if (record_steps(n->chain, hop, &n->out)) return DT_ENOMEM;
  /* A final body's content codings are undone as it streams; a redirect's
   * body never is (measured: a broken gzip 302 is followed). */
  if (n->verdict == DT__REDIRECT_FINAL) {
    int rc = decode_body(n, c, hop);
    if (rc) return rc;
  }
  if (n->verdict == DT__REDIRECT_FINAL && (n->on_body || n->on_progress)) {
    n->expected = hop->content_decoded ? -1 : expected_length(hop);
    dt__client_set_sink(c, body_sink, n, n->on_body == NULL);
  }
  return 0;
}

static int hop_fields(nav *n, const dt__redirect_request *rq,
                      dt__identity_out *io, const dt_header **f, size_t *count);

/* The https attempt did not work: the host goes on the fallback list and
 * a synthetic 307 (HttpsUpgrades) takes the chain back to http, silently,
 * as Chromium does (docs/https-upgrades.md) — to the attempt's http URL,
 * or, RECORD_ONLY, where the https page's own redirect already took it.
 * 0 or the error. */
static int fallback_hop(nav *n, int record_only) {
  dt_url *http = n->attempt_http;
  n->attempt_http = NULL;
  n->attempt = 0;
  n->fallback_pending = 0;
  dt__fallback_add(n->ctx->fallback, dt_url_get(http, DT_URL_HOSTNAME),
                   dt_clock_now_ms(&n->ctx->clock));
  dt__redirect_request rq;
  dt__redirect_current(&n->st, &rq);
  dt__identity_out io;
  const dt_header *fields;
  size_t count;
  int rc = hop_fields(n, &rq, &io, &fields, &count);
  if (!rc)
    rc = internal_hop(n, &rq, fields, count,
                      n->ctx->identity == DT_IDENTITY_MINIMAL ? NULL : &io,
                      DT__INTERNAL_HTTPS_FALLBACK, record_only ? rq.url : http,
                      record_only, NULL);
  if (!rc && n->probe_note[0]) /* what the background probe did */
    rc = dt__hop_add_step(n->chain, dt__chain_last_hop(n->chain), n->probe_note,
                          "Firefox nsHTTPSOnlyUtils TestHTTPAnswerRunnable; "
                          "docs/https-upgrades.md");
  n->probe_note[0] = 0;
  dt_url_free(http);
  return rc;
}

static void on_hop(dt_chain *chain, dt_hop *hop, int err, void *ud) {
  nav *n = ud;
  n->client = NULL;
  probe_stop(n); /* the attempt ended, one way or the other */
  if (n->attempt && ((err && err != DT_ECANCELED && err != DT_ENOMEM) ||
                     n->fallback_pending == 1)) {
    int rc = fallback_hop(n, 0); /* the hop keeps its error */
    if (rc)
      fail(n, rc, NULL);
    else
      step(n);
    return;
  }
  if (err) {
    /* an attempt's error is the hop's only: the navigation's now */
    if (n->attempt)
      dt__chain_set_error(chain, hop->error, "%s",
                          hop->error_message ? hop->error_message : "");
    finish(n); /* the client recorded the error on the chain */
    return;
  }
  /* the https page sent us back to http: the rules already went there */
  if (n->fallback_pending == 2) {
    int rc = fallback_hop(n, 1);
    if (rc) {
      fail(n, rc, NULL);
      return;
    }
  }
  n->attempt = 0;
  switch (n->verdict) {
  case DT__REDIRECT_FINAL:
    dt__chain_set_final_url(chain, hop->url);
    finish(n);
    return;
  case DT__REDIRECT_ERROR:
    if (n->out.err == DT_EREDIRECT_LIMIT)
      dt__chain_set_error(chain, n->out.err,
                          "too many redirects: the %s profile follows %u "
                          "and this was redirect %u",
                          n->ctx->profile->name, n->st.max_redirects,
                          n->st.redirect_count + 1);
    else
      dt__chain_set_error(chain, n->out.err, "%s%s%s", dt_strerror(n->out.err),
                          n->out.note[0] ? ": " : "", n->out.note);
    finish(n);
    return;
  case DT__REDIRECT_FOLLOW: step(n); return;
  }
}

/* The fields this hop sends: the profile browser's (identity.h), or, for
 * the minimal identity, the carried ones (the client adds its trio). */
static int hop_fields(nav *n, const dt__redirect_request *rq,
                      dt__identity_out *io, const dt_header **f,
                      size_t *count) {
  if (n->ctx->identity == DT_IDENTITY_MINIMAL) {
    *f = rq->headers;
    *count = rq->header_count;
    return 0;
  }
  /* The first request has the first-hop order; every later one, the hop
   * after an HSTS internal 307 included, the redirect order (measured). */
  dt__hop_kind kind = n->last_internal == DT__INTERNAL_HTTPS_UPGRADE + 1
                          ? DT__KIND_UPGRADE
                      : dt_chain_hop_count(n->chain) > 0 ? DT__KIND_REDIRECT
                      : n->idn.form                      ? DT__KIND_FORM
                                                         : DT__KIND_FIRST;
  int rc =
      dt__identity_fields(&n->idn, kind, rq->url, rq->method, rq->send_body,
                          n->body_len, rq->headers, rq->header_count, io);
  *f = io->f;
  *count = io->n;
  return rc;
}

/* A redirect the browser serves from its cache: no request, the stored
 * answer, the redirect rules as for any (docs/redirect-cache.md). Returns
 * 1 to go on to the next hop, 0 when the navigation ended here. */
static int cached_hop(nav *n, const dt__redirect_request *rq,
                      const dt_header *fields, size_t field_count,
                      const dt__identity_out *io, const dt__rc_entry *e) {
  dt_chain *c = n->chain;
  dt_hop *h = dt__chain_add_hop(c);
  if (!h) {
    fail(n, DT_ENOMEM, NULL);
    return 0;
  }
  h->from_cache = 1;
  if (n->ctx->jar) { /* no request, but the chain went through it */
    dt__cookie_req r;
    char why[8];
    dt__cookie_nav_req(&n->cn, rq->url, rq->method,
                       dt_clock_now_ms(&n->ctx->clock), &r, why, sizeof why);
  }
  h->method = dt__chain_strdup(c, rq->method);
  h->url = dt__chain_strdup(c, dt_url_get(rq->url, DT_URL_HREF));
  for (size_t i = 0; i < field_count; i++) /* what would have gone out */
    dt__hop_add_req_header(c, h, fields[i].name, strlen(fields[i].name),
                           fields[i].value, strlen(fields[i].value));
  int rc = record_rules(c, h, io);
  h->has_response = 1;
  h->status = e->status;
  h->reason = dt__chain_strdup(c, e->reason);
  for (size_t i = 0; !rc && i < e->nfields; i++)
    rc = add_header(c, h, e->fields[i].name, e->fields[i].value);
  dt_hop_timing *t = dt__hop_timing(h);
  t->started_ms = dt_clock_now_ms(&n->ctx->clock);
  t->total_ms = 0;
  char text[200], when[40];
  dt_time_format(e->stored_ms, when);
  if (e->expires_ms == DT__RC_FOREVER)
    snprintf(text, sizeof text,
             "from the redirect cache: stored %s, kept for good (no "
             "freshness given)",
             when);
  else
    snprintf(
        text, sizeof text,
        "from the redirect cache: stored %s, fresh "
        "for %lld s more",
        when,
        (long long)((e->expires_ms - dt_clock_now_ms(&n->ctx->clock)) / 1000));
  if (!rc)
    rc = dt__hop_add_step(c, h, text,
                          "RFC 9111 §4.2; measured on Chromium "
                          "(docs/redirect-cache.md)");
  if (rc) {
    fail(n, DT_ENOMEM, NULL);
    return 0;
  }
  n->verdict = dt__redirect_next(&n->st, h->status, h->resp_headers,
                                 h->resp_header_count, &n->out);
  h->permanent_redirect_cached = n->out.cacheable_permanent;
  if (record_steps(c, h, &n->out)) {
    fail(n, DT_ENOMEM, NULL);
    return 0;
  }
  n->last_internal = 0;
  /* an HTTPS-Upgrades attempt answered from the cache worked */
  n->attempt = 0;
  dt_url_free(n->attempt_http);
  n->attempt_http = NULL;
  if (n->verdict == DT__REDIRECT_FOLLOW) return 1;
  on_hop(c, h, 0, n); /* final or an error: as for a hop from the network */
  return 0;
}

/* The hop's Cookie field: the jar's cookies for it (recorded on HOP),
 * after the caller's own Cookie when there is one (curl's -H Cookie then
 * -b, in one field: RFC 6265bis §5.8.3 step 4 wants one). The fields are
 * made again with it. 0, DT_EINVAL, DT_ENOMEM. */
static int with_cookies(nav *n, dt_hop *hop, const dt__redirect_request *rq,
                        dt__identity_out *io, const dt_header **fields,
                        size_t *count) {
  if (!n->ctx->jar) return 0;
  char why[200];
  dt__cookie_nav_req(&n->cn, rq->url, rq->method,
                     dt_clock_now_ms(&n->ctx->clock), &n->creq, why,
                     sizeof why);
  char *jar = NULL;
  if (dt__cookies_for_request(n->ctx->jar, &n->creq, why, n->chain, hop, &jar))
    return DT_ENOMEM;
  if (!jar) return 0;
  free(n->cookie_value);
  n->cookie_value = NULL;
  size_t k = 0, at = SIZE_MAX;
  for (size_t i = 0; i < rq->header_count && k < DT__REQ_MAX_CALLER_FIELDS;
       i++) {
    if (at == SIZE_MAX && dt__ascii_ieq(rq->headers[i].name, "Cookie") &&
        rq->headers[i].value[0])
      at = k;
    n->carried[k++] = rq->headers[i];
  }
  if (at != SIZE_MAX) { /* the caller's value, then the jar's */
    size_t a = strlen(n->carried[at].value), b = strlen(jar);
    n->cookie_value = malloc(a + 2 + b + 1);
    if (n->cookie_value) {
      memcpy(n->cookie_value, n->carried[at].value, a);
      memcpy(n->cookie_value + a, "; ", 2);
      memcpy(n->cookie_value + a + 2, jar, b + 1);
      n->carried[at].value = n->cookie_value;
    }
    free(jar);
    if (!n->cookie_value) return DT_ENOMEM;
  } else if (k == DT__REQ_MAX_CALLER_FIELDS) {
    free(jar);
    return DT_EINVAL;
  } else {
    n->cookie_value = jar;
    n->carried[k++] = (dt_header){"Cookie", jar};
  }
  dt__redirect_request with = *rq;
  with.headers = n->carried;
  with.header_count = k;
  n->idn.cookie_from_jar = 1;
  n->idn.cookie_from_caller = at != SIZE_MAX;
  int rc = hop_fields(n, &with, io, fields, count);
  n->idn.cookie_from_jar = n->idn.cookie_from_caller = 0;
  return rc;
}

/* The Referer recomputed for the https URL after the upgrade's 307,
 * noted on that hop. 0 or DT_ENOMEM. */
static int referrer_after_upgrade(nav *n) {
  if (dt__redirect_referrer_from(&n->st, n->initiator)) return DT_ENOMEM;
  dt__redirect_request rq;
  dt__redirect_current(&n->st, &rq);
  const char *ref = dt__header_value(rq.headers, rq.header_count, "Referer");
  char text[300];
  snprintf(text, sizeof text,
           "%s: the Referer is judged on the https URL: %.200s",
           n->ctx->profile->https_upgrades.name, ref ? ref : "none");
  return dt__hop_add_step(n->chain, dt__chain_last_hop(n->chain), text,
                          "measured on Firefox ESR 153 "
                          "(docs/https-upgrades.md)");
}

/* ---- HTTPS-First's background probe (https_probe.h) --------------------- */

/* The probe ended: when the http site answered, the https attempt still
 * waiting is given up and on_hop falls back (Firefox cancels it with
 * NS_ERROR_NET_TIMEOUT_EXTERNAL); otherwise https is still awaited. */
static void on_probe(void *ud, int give_up, int status, int err) {
  nav *n = ud;
  n->probe = NULL;
  if (!give_up || !n->attempt || !n->client) return;
  unsigned wait = n->ctx->https_upgrades_wait_ms
                      ? n->ctx->https_upgrades_wait_ms
                      : n->ctx->profile->https_upgrades.wait_ms;
  snprintf(n->probe_note, sizeof n->probe_note,
           "%s: https gave no answer in %u ms; a background GET %s://%s/ "
           "was answered (%d): https is given up",
           n->ctx->profile->https_upgrades.name, wait, "http",
           dt_url_get(n->attempt_http, DT_URL_HOST), status);
  (void)err;
  dt__client_abort(n->client, DT_ETIMEOUT_TOTAL,
                   "no answer while the background http probe was answered: "
                   "https given up (HTTPS-First)");
}

/* The wait is over and https has not answered: Firefox asks the http
 * origin in the background (TestHTTPAnswerRunnable::Notify), with the
 * browser's fields and no cookies (its probe is anonymous). */
static void on_probe_timer(uv_timer_t *t) {
  nav *n = t->data;
  uv_close((uv_handle_t *)t, probe_timer_closed);
  n->probe_timer = NULL;
  if (!n->attempt || !n->client || n->probe) return;
  char url[300];
  int len = snprintf(url, sizeof url, "http://%s/",
                     dt_url_get(n->attempt_http, DT_URL_HOST));
  if (len < 0 || (size_t)len >= sizeof url) return;
  dt_url *u = NULL;
  if (dt_url_parse(&u, url, (size_t)len, NULL)) return;
  dt__identity_out io;
  const dt_header *f = NULL;
  size_t count = 0;
  int rc = 0;
  if (n->ctx->identity != DT_IDENTITY_MINIMAL) {
    dt__identity_nav idn = n->idn;
    idn.initiator = NULL;
    idn.form = 0;
    idn.cookie_from_jar = idn.cookie_from_caller = 0;
    idn.site_rank = 0;
    rc =
        dt__identity_fields(&idn, DT__KIND_FIRST, u, "GET", 0, 0, NULL, 0, &io);
    f = io.f;
    count = io.n;
  }
  if (!rc) dt__probe_start(n->ctx, url, f, count, on_probe, n, &n->probe);
  dt_url_free(u); /* a probe that cannot start: https is still awaited */
}

static void probe_arm(nav *n, unsigned wait_ms) {
  n->probe_timer = malloc(sizeof *n->probe_timer);
  if (!n->probe_timer) return; /* no probe: https has the navigation's time */
  uv_timer_init(n->ctx->loop, n->probe_timer);
  n->probe_timer->data = n;
  uv_timer_start(n->probe_timer, on_probe_timer, wait_ms, 0);
}

static void step(nav *n) {
  for (;;) {
    dt__redirect_request rq;
    dt__redirect_current(&n->st, &rq);
    dt__identity_out io;
    const dt_header *fields;
    size_t field_count;
    if (hop_fields(n, &rq, &io, &fields, &field_count)) {
      fail(n, DT_EINVAL,
           "a request field's value holds CR or LF (or there are too many "
           "fields): not sent");
      return;
    }
    dt_hsts_decision d;
    const dt__identity_out *iop =
        n->ctx->identity == DT_IDENTITY_MINIMAL ? NULL : &io;
    int upgrade = dt__hsts_decide(n->ctx, rq.url, &d);
    dt__preload_watch_note(n->ctx, &n->pw, &d, dt_chain_hop_count(n->chain) + 1,
                           0);
    if (upgrade) {
      int rc = internal_hop(n, &rq, fields, field_count, iop, DT__INTERNAL_HSTS,
                            NULL, 0, &d);
      if (rc) {
        fail(n, rc, NULL); /* the first error (the hop's) is kept */
        return;
      }
      continue; /* the next hop is https: decide cannot upgrade it again */
    }
    /* HSTS first; then HTTPS-Upgrades / HTTPS-First (knob 11): https
     * tried first, nothing sent in plaintext before it is decided. Firefox
     * does not upgrade a URL typed with http://, and exempts its host for
     * the session (ShouldUpgradeHttpsFirstRequest step 5). */
    const dt__https_upgrades *hu = &n->ctx->profile->https_upgrades;
    if (!n->ctx->no_https_upgrades &&
        dt__https_upgrades_exempts(hu, rq.url, n->input, n->cn.api) &&
        dt__fallback_add(n->ctx->fallback, dt_url_get(rq.url, DT_URL_HOSTNAME),
                         dt_clock_now_ms(&n->ctx->clock))) {
      fail(n, DT_ENOMEM, NULL);
      return;
    }
    if (!n->ctx->no_https_upgrades && !n->attempt &&
        dt__https_upgrades_eligible(hu, rq.url, rq.method, n->input, n->cn.api,
                                    n->ctx->fallback)) {
      dt_url *http = dt_url_dup(rq.url);
      int rc = http ? internal_hop(n, &rq, fields, field_count, iop,
                                   DT__INTERNAL_HTTPS_UPGRADE, NULL, 0, NULL)
                    : DT_ENOMEM;
      if (rc) {
        dt_url_free(http);
        fail(n, rc, NULL);
        return;
      }
      n->attempt = 1;
      dt_url_free(n->attempt_http);
      n->attempt_http = http;
      /* Firefox: the upgraded link's Referer is judged on the https URL
       * (measured: an https page's link keeps sending it) */
      if (hu->referrer_after_upgrade && n->initiator &&
          referrer_after_upgrade(n)) {
        fail(n, DT_ENOMEM, NULL);
        return;
      }
      continue;
    }
    /* a redirect the cache keeps: no request (GET only) */
    const dt__rc_entry *cached =
        n->ctx->rcache && strcmp(rq.method, "GET") == 0
            ? dt__rc_lookup(n->ctx->rcache, dt_url_get(rq.url, DT_URL_HREF),
                            dt_clock_now_ms(&n->ctx->clock), n->id)
            : NULL;
    /* address-bar input: the scheme its first request went to */
    dt__chain_set_typed_tried(
        n->chain,
        strcmp(dt_url_scheme(rq.url), "https") == 0 ? "https" : "http");
    if (cached) {
      if (cached_hop(n, &rq, fields, field_count, iop, cached)) continue;
      return;
    }
    dt_hop *hop = dt__chain_add_hop(n->chain);
    if (!hop) {
      fail(n, DT_ENOMEM, NULL);
      return;
    }
    /* the jar's cookies for this hop, in its Cookie field */
    int rc = with_cookies(n, hop, &rq, &io, &fields, &field_count);
    if (rc || record_rules(n->chain, hop, iop)) {
      fail(n, rc == DT_EINVAL ? DT_EINVAL : DT_ENOMEM,
           rc == DT_EINVAL ? "too many request fields: not sent" : NULL);
      return;
    }
    n->last_internal = 0;
    dt__client_opts o = {0};
    o.on_head = on_head;
    /* an https attempt may fail without failing the navigation */
    o.soft_fail = n->attempt;
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
    /* the attempt runs alone for the wait: then Chromium gives it up,
     * Firefox sends its background probe (probe_arm) */
    unsigned wait = n->ctx->https_upgrades_wait_ms
                        ? n->ctx->https_upgrades_wait_ms
                        : hu->wait_ms;
    if (n->attempt && !hu->probe &&
        (!o.total_timeout_ms || o.total_timeout_ms > wait))
      o.total_timeout_ms = wait;
    /* A host the store or the list knows keeps HSTS's promise even when
     * this request went out as https by itself (§8.4: no click-through). */
    dt_hsts_decision known;
    o.hsts_host = strcmp(dt_url_scheme(rq.url), "https") == 0 &&
                  dt__hsts_host_known(n->ctx, rq.url, &known);
    if (o.hsts_host)
      dt__preload_watch_note(n->ctx, &n->pw, &known,
                             dt_chain_hop_count(n->chain), 1);
    n->verdict = DT__REDIRECT_FINAL;
    o.exact_fields = n->ctx->identity != DT_IDENTITY_MINIMAL;
    rc = dt__client_send(
        n->ctx, n->chain, hop, rq.method, dt_url_get(rq.url, DT_URL_HREF),
        fields, field_count, rq.send_body ? n->body : NULL,
        rq.send_body ? n->body_len : 0, &o, on_hop, n, &n->client);
    if (rc)
      fail(n, rc, NULL);
    else if (n->attempt && hu->probe)
      probe_arm(n, wait);
    return;
  }
}

void dt_request_init(dt_request *req) {
  if (!req) return;
  memset(req, 0, sizeof *req);
  req->size = sizeof *req;
}

int dt_request_check(const dt_request *caller, dt_error *err) {
  if (!caller || caller->size < REQUEST_SIZE_MIN)
    return dt__fail(err, DT_EINVAL, "no request, or an unknown struct size");
  dt_request rq;
  dt_request_init(&rq);
  dt__sized_copy(&rq, sizeof rq, caller);
  if (!rq.url) return dt__fail(err, DT_EINVAL, "the request has no URL");
  if (rq.mode < DT_MODE_DEFAULT || rq.mode > DT_MODE_CORS)
    return dt__fail(err, DT_EINVAL, "unknown mode %d", (int)rq.mode);
  if (rq.credentials < DT_CREDENTIALS_DEFAULT ||
      rq.credentials > DT_CREDENTIALS_INCLUDE)
    return dt__fail(err, DT_EINVAL, "unknown credentials mode %d",
                    (int)rq.credentials);
  /* fetch() runs in a page: it needs one */
  if (rq.mode == DT_MODE_CORS && !rq.initiator)
    return dt__fail(err, DT_EINVAL,
                    "cors mode is fetch() from a page: it needs an initiator");
  if (rq.input < DT_INPUT_URL || rq.input > DT_INPUT_ADDRESS_BAR)
    return dt__fail(err, DT_EINVAL, "unknown input kind %d", (int)rq.input);
  if (rq.input == DT_INPUT_ADDRESS_BAR && rq.initiator)
    return dt__fail(err, DT_EINVAL,
                    "address-bar input is typed, not a link: no initiator");
  return dt__wire_check(rq.method ? rq.method : "GET", rq.headers,
                        rq.header_count, "the request field", err);
}

int dt_fetch(dt_ctx *ctx, const dt_request *caller, dt_fetch_cb cb,
             void *user_data, dt_nav **handle) {
  if (handle) *handle = NULL;
  if (!ctx || !caller || !cb || ctx->closing || caller->size < REQUEST_SIZE_MIN)
    return DT_EINVAL;
  /* An older caller's smaller struct is read only as far as its size. */
  dt_request rq_local;
  dt_request_init(&rq_local);
  dt__sized_copy(&rq_local, sizeof rq_local, caller);
  const dt_request *rq = &rq_local;
  if (dt_request_check(rq, NULL) || rq->body_len > ctx->limits.max_request_body)
    return DT_EINVAL;
  const char *method = rq->method ? rq->method : "GET";
  /* Address-bar input: the URL the bar makes of the text (a failure is
   * the chain's error, as for a URL that does not parse). */
  char *typed_url = NULL;
  int schemeless = 0, typed_rc = 0;
  dt_error typed_err = {0};
  if (rq->input == DT_INPUT_ADDRESS_BAR) {
    typed_rc = dt_address_bar_url(rq->url, &typed_url, &schemeless, &typed_err);
    if (typed_rc == DT_ENOMEM) return DT_ENOMEM;
  }
  const char *first_url = typed_url ? typed_url : rq->url;
  nav *n = calloc(1, sizeof *n);
  dt_chain *chain = dt__chain_new(method, first_url);
  if (!n || !chain ||
      (rq->input == DT_INPUT_ADDRESS_BAR &&
       dt__chain_set_typed(chain, rq->url, schemeless))) {
    free(n);
    dt_chain_free(chain);
    free(typed_url);
    return DT_ENOMEM;
  }
  n->ctx = ctx;
  n->id = ++ctx->next_nav_id;
  n->chain = chain;
  n->cb = cb;
  n->ud = user_data;
  n->on_body = rq->on_body;
  n->on_progress = rq->on_progress;
  n->t0 = uv_hrtime();
  uv_timer_init(ctx->loop, &n->done);
  n->done.data = n;
  n->next = ctx->navs;
  if (ctx->navs) ctx->navs->prev = n;
  ctx->navs = n;
  ctx->nav_running++;
  dt__ctx_ref(ctx);
  if (handle) *handle = n;
  if (rq->body_len) {
    n->body = malloc(rq->body_len);
    if (!n->body) {
      free(typed_url);
      fail(n, DT_ENOMEM, NULL);
      return 0;
    }
    memcpy(n->body, rq->body, rq->body_len);
    n->body_len = rq->body_len;
  }
  /* knob 11: how the URL came */
  n->input = rq->initiator ? DT__INPUT_LINK
             : schemeless  ? DT__INPUT_SCHEMELESS
                           : DT__INPUT_TYPED;
  if (typed_rc) {
    fail(n, typed_rc, typed_err.message);
    return 0;
  }
  /* A bad first URL is a chain with the error, like any other failure. */
  dt_url *url = NULL, *initiator = NULL;
  dt_error ue = {0};
  int rc = dt_url_parse_err(&url, first_url, strlen(first_url), NULL, &ue);
  free(typed_url);
  first_url = NULL;
  if (rc) {
    fail_why(n, &ue, NULL);
    return 0;
  }
  if (rq->initiator &&
      (rc = dt_url_parse_err(&initiator, rq->initiator, strlen(rq->initiator),
                             NULL, &ue)) != 0) {
    dt_url_free(url);
    fail_why(n, &ue, "the initiator ");
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
      .mode = rq->mode,
  };
  rc = dt__redirect_init(&n->st, &p);
  dt_url_free(url);
  n->initiator = initiator;
  n->idn.profile = ctx->profile;
  n->idn.user_agent = ctx->user_agent;
  n->idn.major = ctx->browser_version;
  n->idn.accept_language = ctx->accept_language;
  n->idn.initiator = initiator;
  n->idn.form = strcmp(method, "POST") == 0 && p.has_body;
  n->idn.mode = rq->mode;
  n->cn.profile = ctx->profile;
  n->cn.initiator = initiator;
  n->cn.api = dt__identity_is_api(&n->idn);
  n->cn.credentials = rq->credentials;
  if (rc) {
    fail(n, rc,
         rc == DT_ESCHEME ? "only http: and https: URLs can be fetched"
         : rc == DT_EBADPORT
             ? "the port is on Fetch's bad port list (Fetch §2.9)"
             : NULL);
    char guess[DT_ERROR_HINT_BYTES - 32];
    if (rc == DT_ESCHEME && dt_url_missing_scheme(rq->url, guess, sizeof guess))
      dt__chain_set_hint(n->chain, rc, "did you mean %s?", guess);
    return 0;
  }
  step(n);
  return 0;
}

int dt_nav_cancel(dt_nav *n) {
  if (!n || n->finishing || n->canceled) return DT_EINVAL;
  n->canceled = 1;
  if (n->client) {
    /* The client ends the hop with the error and on_hop finishes. */
    dt__client_abort(n->client, DT_ECANCELED, "canceled by the caller");
    return 0;
  }
  fail(n, DT_ECANCELED, "canceled by the caller");
  return 0;
}

void dt__nav_cancel_all(dt_ctx *ctx) {
  for (nav *n = ctx->navs; n; n = n->next)
    dt_nav_cancel(n); /* refused for those already ending */
}
