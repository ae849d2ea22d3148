/* audit.c — dt_audit (detour.h): runs the navigations of each target on
 * the caller's loop through the public API, then judge.c judges them.
 *
 *   dt_audit_run ─► domain format (libpsl) ─┬─ errors ─► result
 *                                           └─ dt_fetch × 4 (async)
 *        "https" https://D/ ≤3 redirects   (checker context, HSTS off)
 *        "http"  http://D/  ≤3 redirects   (checker context)
 *        "www"   https://www.D/ no follow  (checker context; eTLD+1 only)
 *        "browser" the target as a browser navigates it: a context of its
 *                  own (fresh memory-only HSTS store, the preload list)
 *   last chain in ─► dt__audit_judge ─► callback ─► freed
 *
 * What targets share (docs/audit.md, "What bulk audits share"): the
 * checker's context (its pool keeps connections warm across targets), one
 * preload handle, the checker's TLS trust and session cache (through
 * dt_ctx_options.share: no CA parse per browser, resumed handshakes), and
 * one pool for every target's browser (dt_ctx_options.share_pool: a
 * browser's tabs share its sockets, and a connection remembers nothing a
 * navigation reads), apart from the checker's, which is another client.
 * What a browser remembers — HSTS, cookies, cached redirects, HTTPS-Upgrades
 * fallbacks — stays per target. A stream keeps at most `concurrency`
 * targets in flight. */
#include "engine/audit/audit.h"
#include "hsts/base/sized.h"

#include "hsts/base/ascii.h"
#include "hsts/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MAX_WARNINGS 4
#define WARNING_BYTES 1200
#define DEFAULT_CONCURRENCY 64u
#define AUDIT_BODY_KEEP (64u * 1024u) /* bodies are not judged */
/* hstspreload's client gives up after 10 s. */
#define CHECKER_TOTAL_TIMEOUT_MS 10000u

typedef struct job job;

struct dt_audit {
  uv_loop_t *loop;
  dt_ctx *checker;
  dt_ctx *browsers;     /* holds the browsers' shared pool; never navigates */
  dt_ctx_options bopts; /* the browser contexts' template */
  dt_limits limits;
  dt_preload *preload; /* shared by every browser context; NULL: none */
  int own_preload;     /* opened here (else the caller's, borrowed) */
  char **resolve, **connect_to;
  size_t nresolve, nconnect_to;
  unsigned concurrency;
  job *jobs; /* in flight */
  unsigned inflight;
  /* the stream */
  dt_audit_next_cb next;
  dt_audit_cb stream_cb;
  void *stream_ud;
  int streaming, stream_eof;
  uint64_t stream_done;
  uv_timer_t stream_end; /* the stream's last callback, from the loop */
  int stream_end_open;
  int closing;
  void (*close_cb)(void *);
  void *close_ud;
  size_t nwarnings;
  char warnings[MAX_WARNINGS][WARNING_BYTES];
};

typedef struct slot {
  job *j;
  int id;
  dt_nav *nav;
} slot;

struct job {
  dt_audit *a;
  dt__audit_result *res;
  dt_audit_cb cb;
  void *ud;
  uint64_t tag;
  dt_ctx *bctx; /* the browser's own context (fresh HSTS) */
  int pending;
  int etld1;
  int judged; /* 0: only domain findings, nothing ran */
  int from_stream;
  slot slots[DT__AUDIT_CHAIN_COUNT];
  uv_timer_t done;
  job *prev, *next;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
warn(dt_audit *a, const char *fmt, ...) {
  if (a->nwarnings >= MAX_WARNINGS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->warnings[a->nwarnings++], WARNING_BYTES, fmt, ap);
  va_end(ap);
}

static void fill(dt_audit *a);
static void maybe_closed(dt_audit *a);

/* ---- the result the caller sees ---------------------------------------- */

static int is_detour(const char *source) {
  return strncmp(source, "detour", 6) == 0;
}

void dt__audit_result_view(const dt__audit_result *r, dt_audit_result *pub,
                           dt_audit_finding *fs) {
  memset(pub, 0, sizeof *pub);
  pub->target = r->target;
  pub->domain = r->domain;
  pub->error = r->err;
  pub->judged = r->judged;
  pub->findings = fs;
  pub->findings_dropped = r->findings.dropped;
  for (size_t i = 0; i < r->findings.count && i < DT__AUDIT_MAX_FINDINGS; i++) {
    const dt__audit_finding *f = &r->findings.items[i];
    dt_audit_finding *o = &fs[pub->finding_count++];
    o->code = dt__audit_code_name(f->code);
    o->severity = (dt_audit_severity)f->severity;
    o->severity_name = dt__audit_severity_name(f->severity);
    o->source =
        is_detour(dt__audit_code_source(f->code)) ? "detour" : "hstspreload";
    o->message = dt__audit_code_message(f->code);
    o->fix = dt__audit_code_fix(f->code);
    o->detail = f->detail;
    o->chain = r->ev[i].chain;
    o->hop = r->ev[i].hop;
    if (o->severity == DT_AUDIT_ERROR)
      pub->errors++;
    else if (o->severity == DT_AUDIT_WARNING)
      pub->warnings++;
    else
      pub->infos++;
  }
  for (int i = 0; i < DT__AUDIT_CHAIN_COUNT; i++)
    pub->chains[i] = r->chains[i];
}

static void deliver(job *j) {
  dt_audit *a = j->a;
  dt__audit_result *r = j->res;
  dt_audit_finding fs[DT__AUDIT_MAX_FINDINGS];
  dt_audit_result pub;
  dt__audit_result_view(r, &pub, fs);
  pub.tag = j->tag;
  /* unlink before the callback: it may close the auditor */
  if (j->prev)
    j->prev->next = j->next;
  else
    a->jobs = j->next;
  if (j->next) j->next->prev = j->prev;
  a->inflight--;
  dt_audit_cb cb = j->cb;
  void *ud = j->ud;
  int from_stream = j->from_stream;
  free(j);
  cb(&pub, ud);
  dt__audit_result_free(r);
  if (from_stream) {
    a->stream_done++;
    fill(a);
  }
  maybe_closed(a);
}

static void bctx_closed(void *ud) { deliver(ud); }

static void job_closed(uv_handle_t *h) {
  job *j = h->data;
  if (j->judged) dt__audit_judge(j->res, j->etld1);
  if (!j->bctx) {
    deliver(j);
    return;
  }
  /* The result goes out once the browser context is gone, its connections
   * included. */
  dt_ctx_close(j->bctx, bctx_closed, j);
}

static void job_finish(job *j) {
  uv_close((uv_handle_t *)&j->done, job_closed);
}

static void on_chain(dt_chain *chain, void *ud) {
  slot *s = ud;
  job *j = s->j;
  s->nav = NULL;
  j->res->chains[s->id] = chain;
  if (--j->pending == 0) job_finish(j);
}

static void start_nav(job *j, dt_ctx *ctx, int id, const dt_request *rq) {
  slot *s = &j->slots[id];
  *s = (slot){j, id, NULL};
  j->pending++;
  int rc = dt_fetch(ctx, rq, on_chain, s, &s->nav);
  if (rc) { /* not started: the chain stays NULL and the judge says so */
    j->pending--;
    if (!j->res->err) j->res->err = rc;
  }
}

/* ---- one target ---------------------------------------------------------- */

/* Its routes (--resolve, --connect-to) are the browsers' pool's, shared
 * (dt_ctx_options.share_pool): no table per target. */
static int browser_ctx(dt_audit *a, dt_ctx **out) {
  return dt_ctx_new(out, &a->bopts);
}

/* --resolve and --connect-to on CTX; 0 or the first error (ERR says which
 * spec). */
static int add_routes(dt_audit *a, dt_ctx *ctx, dt_error *err) {
  int rc = 0;
  for (size_t i = 0; !rc && i < a->nresolve; i++)
    if ((rc = dt_ctx_add_resolve(ctx, a->resolve[i])) != 0)
      dt__fail(err, rc, "bad --resolve '%s' (want HOST:PORT:ADDR[,ADDR])",
               a->resolve[i]);
  for (size_t i = 0; !rc && i < a->nconnect_to; i++)
    if ((rc = dt_ctx_add_connect_to(ctx, a->connect_to[i])) != 0)
      dt__fail(err, rc, "bad --connect-to '%s' (want HOST:PORT:HOST2:PORT2)",
               a->connect_to[i]);
  return rc;
}

int dt_audit_run(dt_audit *a, const dt_audit_target *t, dt_audit_cb cb,
                 void *ud) {
  if (!a || !t || !t->target || !cb || a->closing) return DT_EINVAL;
  job *j = calloc(1, sizeof *j);
  dt__audit_result *r = calloc(1, sizeof *r);
  if (!j || !r) {
    free(j);
    free(r);
    return DT_ENOMEM;
  }
  j->a = a;
  j->res = r;
  j->cb = cb;
  j->ud = ud;
  j->tag = t->tag;
  j->next = a->jobs;
  if (a->jobs) a->jobs->prev = j;
  a->jobs = j;
  a->inflight++;
  uv_timer_init(a->loop, &j->done);
  j->done.data = j;
  for (int i = 0; i < DT__AUDIT_MAX_FINDINGS; i++)
    r->ev[i] = (dt__audit_evidence){-1, -1};
  snprintf(r->target, sizeof r->target, "%s", t->target);

  /* A URL target: its host is the domain; the browser navigates the URL. */
  const char *browser_url = NULL;
  char url_buf[DT_MAX_HOST_BYTES + 16];
  if (strstr(t->target, "://")) {
    dt_url *u = NULL;
    if (dt_url_parse(&u, t->target, strlen(t->target), NULL) != 0) {
      r->err = DT_EURL;
      job_finish(j);
      return 0;
    }
    snprintf(r->domain, sizeof r->domain, "%s", dt_url_get(u, DT_URL_HOSTNAME));
    dt_url_free(u);
    browser_url = t->target;
  } else {
    /* Host names are case-insensitive: judge the lowercase form (the
     * checker's form wants lowercase letters only). */
    size_t n = strlen(t->target);
    if (n > DT_MAX_HOST_BYTES) {
      r->err = DT_EINVAL; /* longer than any DNS name (RFC 1035) */
      job_finish(j);
      return 0;
    }
    dt__ascii_lower_copy(r->domain, sizeof r->domain, t->target, n);
  }
  if (dt__audit_domain(r->domain, &r->findings, r->ev, &j->etld1)) {
    job_finish(j);
    return 0;
  }
  if (!browser_url) {
    snprintf(url_buf, sizeof url_buf, "http://%s/", r->domain);
    browser_url = url_buf;
  }
  j->judged = 1;
  int rc = browser_ctx(a, &j->bctx);
  if (rc) r->err = rc;

  char https[DT_MAX_HOST_BYTES + 16], http[DT_MAX_HOST_BYTES + 16],
      www[DT_MAX_HOST_BYTES + 24];
  snprintf(https, sizeof https, "https://%s/", r->domain);
  snprintf(http, sizeof http, "http://%s/", r->domain);
  snprintf(www, sizeof www, "https://www.%s/", r->domain);
  dt_request rq;
  dt_request_init(&rq);
  rq.max_redirects_set = 1;
  rq.max_redirects = DT__AUDIT_CHECKER_MAX_REDIRECTS;
  rq.url = https;
  start_nav(j, a->checker, DT__AUDIT_CHAIN_HTTPS, &rq);
  rq.url = http;
  start_nav(j, a->checker, DT__AUDIT_CHAIN_HTTP, &rq);
  if (j->etld1) {
    dt_request wr;
    dt_request_init(&wr);
    wr.url = www;
    wr.no_follow = 1;
    start_nav(j, a->checker, DT__AUDIT_CHAIN_WWW, &wr);
  }
  if (j->bctx && !rc) {
    dt_request br;
    dt_request_init(&br);
    br.url = browser_url;
    br.method = t->method ? t->method : (t->body_len ? "POST" : NULL);
    br.body = t->body;
    br.body_len = t->body_len;
    br.headers = t->headers;
    br.header_count = t->header_count;
    start_nav(j, j->bctx, DT__AUDIT_CHAIN_BROWSER, &br);
  }
  if (j->pending == 0) job_finish(j);
  return 0;
}

/* ---- a stream of targets ------------------------------------------------- */

/* The stream is over: its last callback, from the loop (never from inside
 * dt_audit_run_stream, even for an empty stream). */
static void on_stream_end(uv_timer_t *t) {
  dt_audit *a = t->data;
  a->streaming = 0;
  a->stream_cb(NULL, a->stream_ud);
  maybe_closed(a);
}

static void fill(dt_audit *a) {
  /* Slow start: the window opens as audits complete (2 more per result, up
   * to the concurrency), so the first wave is not N full TLS handshakes at
   * once racing their own timeouts; later audits of the same hosts resume
   * the sessions the first ones made. */
  unsigned max = a->concurrency;
  if (a->stream_done < max / 2 && 2 + 2 * a->stream_done < max)
    max = (unsigned)(2 + 2 * a->stream_done);
  while (a->streaming && !a->stream_eof && !a->closing && a->inflight < max) {
    dt_audit_target t;
    memset(&t, 0, sizeof t);
    int got = a->next(&t, a->stream_ud);
    /* -1: the caller has no room now (it holds results to print them in
     * its order); deliver() asks again after the next result. With none
     * in flight nothing would: the stream ends, as with 0. */
    if (got < 0 && a->inflight > 0) break;
    if (got <= 0) {
      a->stream_eof = 1;
      break;
    }
    int rc = dt_audit_run(a, &t, a->stream_cb, a->stream_ud);
    if (rc)
      warn(a, "%s could not be audited: %s", t.target ? t.target : "(none)",
           dt_strerror(rc));
    else
      a->jobs->from_stream = 1;
  }
  if (a->streaming && (a->stream_eof || a->closing) && a->inflight == 0 &&
      !uv_is_active((uv_handle_t *)&a->stream_end))
    uv_timer_start(&a->stream_end, on_stream_end, 0, 0);
}

int dt_audit_run_stream(dt_audit *a, dt_audit_next_cb next, dt_audit_cb cb,
                        void *ud) {
  if (!a || !next || !cb || a->streaming || a->closing) return DT_EINVAL;
  a->next = next;
  a->stream_cb = cb;
  a->stream_ud = ud;
  a->streaming = 1;
  a->stream_eof = 0;
  a->stream_done = 0;
  fill(a);
  return 0;
}

/* ---- the auditor ------------------------------------------------------- */

void dt_audit_options_init(dt_audit_options *opt) {
  if (!opt) return;
  memset(opt, 0, sizeof *opt);
  opt->size = sizeof *opt;
}

static char **copy_list(const char *const *in, size_t n) {
  char **out = calloc(n ? n : 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++)
    if (!(out[i] = strdup(in[i]))) {
      while (i--)
        free(out[i]);
      free(out);
      return NULL;
    }
  return out;
}

static void free_list(char **l, size_t n) {
  for (size_t i = 0; l && i < n; i++)
    free(l[i]);
  free(l);
}

static void audit_free(dt_audit *a) {
  free_list(a->resolve, a->nresolve);
  free_list(a->connect_to, a->nconnect_to);
  if (a->own_preload) dt_preload_free(a->preload);
  free(a);
}

/* The preload list the browser navigations use, opened once. A list the
 * caller named (a file, a blob) that cannot be used is an error, as for a
 * context (issue 18): auditing without it would judge every preloaded site
 * as a browser without a list. 0 or the error, ERR filled. */
static int open_preload(dt_audit *a, const dt_ctx_options *o, dt_error *err) {
  if (o->no_preload) return 0;
  if (o->preload) { /* the caller's: it outlives the auditor */
    a->preload = o->preload;
    return 0;
  }
  a->own_preload = 1;
  dt_error e = {0};
  int rc = o->preload_file
               ? dt_preload_open_file(&a->preload, o->preload_file, &e)
           : o->preload_blob ? dt_preload_open_mem(&a->preload, o->preload_blob,
                                                   o->preload_blob_len, &e)
                             : dt_preload_open_embedded(&a->preload, &e);
  if (rc) {
    a->preload = NULL;
    if (rc == DT_ENOMEM || o->preload_file || o->preload_blob)
      return dt__fail(err, rc,
                      "%s (fix: pass a blob made by `detour preload "
                      "compile`, or --no-preload to audit without a list)",
                      e.message);
    warn(a, "%s; the list is not used", e.message);
    return 0;
  }
  /* A stale list is said by the browser chain whose answer it could have
   * changed (dt_chain_warning), not for every audit. */
  return 0;
}

/* An audit's pools (the checker's, the browsers'): up to one idle
 * connection per origin for each audit in flight, so a busy list of one
 * site reuses instead of handshaking; and none kept idle longer than an
 * audit can last (its navigations' timeout), as by then every target that
 * could have taken it has started — against a list of distinct sites each
 * pool would otherwise hold a few sockets per site for the pool's full
 * idle time (docs/audit.md, "Many sites"). */
static void pool_limits(dt_limits *l, unsigned concurrency) {
  if (l->pool_idle_per_origin < concurrency)
    l->pool_idle_per_origin = concurrency;
  /* In all, room for two idle connections an audit in flight (1.6 were
   * measured in use at --concurrency 1024 over one site, docs/audit.md). */
  if (l->pool_idle_max < 2 * concurrency) l->pool_idle_max = 2 * concurrency;
  if (l->total_timeout_ms &&
      (!l->pool_idle_ms || l->pool_idle_ms > l->total_timeout_ms))
    l->pool_idle_ms = l->total_timeout_ms;
}

int dt_audit_new(dt_audit **out, const dt_audit_options *caller,
                 dt_error *err) {
  if (!out) return dt__fail(err, DT_EINVAL, "no handle to make");
  *out = NULL;
  dt_audit_options opt;
  dt_audit_options_init(&opt);
  if (caller) dt__sized_copy(&opt, sizeof opt, caller);
  if (!opt.loop) return dt__fail(err, DT_EINVAL, "the audit needs a loop");
  dt_ctx_options base;
  dt_ctx_options_init(&base);
  if (opt.ctx) dt__sized_copy(&base, sizeof base, opt.ctx);
  if (opt.concurrency > DT_AUDIT_MAX_CONCURRENCY)
    return dt__fail(err, DT_EINVAL, "concurrency %u is over the limit of %u",
                    opt.concurrency, DT_AUDIT_MAX_CONCURRENCY);
  if (!dt_profile_exists(base.profile))
    return dt__fail(err, DT_EINVAL, "unknown profile '%s'", base.profile);
  dt_audit *a = calloc(1, sizeof *a);
  if (!a) return dt__fail(err, DT_ENOMEM, NULL);
  a->loop = opt.loop;
  a->concurrency = opt.concurrency ? opt.concurrency : DEFAULT_CONCURRENCY;
  a->nresolve = opt.resolve_count;
  a->nconnect_to = opt.connect_to_count;
  a->resolve = copy_list(opt.resolve, opt.resolve_count);
  a->connect_to = copy_list(opt.connect_to, opt.connect_to_count);
  if (!a->resolve || !a->connect_to) {
    audit_free(a);
    return dt__fail(err, DT_ENOMEM, NULL);
  }
  dt_limits_default(&a->limits);
  if (base.limits) dt__sized_copy(&a->limits, sizeof a->limits, base.limits);
  if (!base.limits) a->limits.total_timeout_ms = CHECKER_TOTAL_TIMEOUT_MS;
  if (a->limits.max_body_bytes > AUDIT_BODY_KEEP)
    a->limits.max_body_bytes = AUDIT_BODY_KEEP;
  base.loop = opt.loop;
  base.limits = &a->limits;
  base.hsts_store_path = NULL;
  base.user_data_dir = NULL; /* each browser remembers only its target */
  base.data = NULL;
  int prc = open_preload(a, &base, err);
  if (prc) {
    audit_free(a);
    return prc;
  }

  /* The checker is not a browser: no HSTS upgrades, redirects with
   * Chromium's method rules (as Go's client), and a pool that may keep one
   * idle connection per audit in flight, so a busy list reuses instead of
   * handshaking. */
  dt_ctx_options co = base;
  dt_limits cl = a->limits;
  co.limits = &cl;
  co.hsts_off = 1;
  co.identity = DT_IDENTITY_MINIMAL; /* a script's fields, not a browser's */
  co.profile = NULL;
  co.preload = NULL;
  co.share = NULL;
  pool_limits(&cl, a->concurrency);
  int rc = dt_ctx_new(&a->checker, &co);
  if (rc) {
    audit_free(a);
    return dt__fail(err, rc, "cannot start the checker: %s", dt_strerror(rc));
  }
  rc = add_routes(a, a->checker, err);
  if (rc) {
    dt_ctx_close(a->checker, NULL, NULL);
    audit_free(a);
    return rc;
  }
  /* The browsers' connections: one pool for every target's browser, as a
   * browser's tabs share its socket pool (grouped by origin; Chromium's
   * ClientSocketPool) — a connection keeps no HSTS, cookie or cache state,
   * so a target's browser still starts with nothing remembered. It is not
   * the checker's pool: the checker is another client (hstspreload's Go
   * client), and an HTTP/2 session keeps the SETTINGS of the profile that
   * opened it. Its limits are the checker's (pool_limits). */
  dt_ctx_options po = base;
  dt_limits pl = a->limits;
  po.limits = &pl;
  po.hsts_off = 1; /* it navigates nowhere: no store, list or jar */
  po.no_cookies = 1;
  po.no_redirect_cache = 1;
  po.preload = NULL;
  po.share = a->checker; /* its TLS: trust and session cache */
  pool_limits(&pl, a->concurrency);
  rc = dt_ctx_new(&a->browsers, &po);
  if (rc) {
    dt__fail(err, rc, "cannot start the browsers' pool: %s", dt_strerror(rc));
  } else if ((rc = add_routes(a, a->browsers, err)) != 0) {
    dt_ctx_close(a->browsers, NULL, NULL);
  }
  if (rc) {
    dt_ctx_close(a->checker, NULL, NULL);
    audit_free(a);
    return rc;
  }
  /* Each target's browser: a fresh memory-only store, the shared list, the
   * checker's TLS trust and sessions, and the browsers' pool and routes. */
  a->bopts = base;
  a->bopts.hsts_off = 0;
  a->bopts.preload = a->preload;
  a->bopts.no_preload = a->preload == NULL;
  a->bopts.preload_file = NULL;
  a->bopts.preload_blob = NULL;
  a->bopts.share = a->browsers;
  a->bopts.share_pool = 1;
  uv_timer_init(a->loop, &a->stream_end);
  a->stream_end.data = a;
  *out = a;
  return 0;
}

const char *dt_audit_warning(const dt_audit *a, size_t i) {
  return a && i < a->nwarnings ? a->warnings[i] : NULL;
}

static void stream_end_closed(uv_handle_t *h) {
  dt_audit *a = h->data;
  void (*cb)(void *) = a->close_cb;
  void *cud = a->close_ud;
  audit_free(a);
  if (cb) cb(cud);
}

static void checker_closed(void *ud) {
  dt_audit *a = ud;
  uv_close((uv_handle_t *)&a->stream_end, stream_end_closed);
}

static void browsers_closed(void *ud) {
  dt_audit *a = ud;
  dt_ctx *c = a->checker;
  a->checker = NULL;
  dt_ctx_close(c, checker_closed, a);
}

/* Once nothing is in flight: the browsers' pool, then the checker whose TLS
 * it shares, then the stream's timer. */
static void maybe_closed(dt_audit *a) {
  if (!a->closing || a->inflight || a->streaming || !a->browsers) return;
  dt_ctx *b = a->browsers;
  a->browsers = NULL;
  dt_ctx_close(b, browsers_closed, a);
}

void dt_audit_close(dt_audit *a, void (*cb)(void *user_data), void *user_data) {
  if (!a || a->closing) return;
  a->closing = 1;
  a->close_cb = cb;
  a->close_ud = user_data;
  for (job *j = a->jobs; j; j = j->next)
    for (int i = 0; i < DT__AUDIT_CHAIN_COUNT; i++)
      if (j->slots[i].nav) dt_nav_cancel(j->slots[i].nav);
  if (a->streaming && a->inflight == 0) fill(a); /* ends the stream */
  maybe_closed(a);
}
