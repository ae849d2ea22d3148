/* ctx.c — dt_ctx: options, the HSTS store and preload list it keeps,
 * sharing with another context, overrides, trace, lazy TLS, orderly close.
 */
#include "engine/ctx.h"
#include "hsts/base/sized.h"

#include "engine/nav/navigate.h"
#include "engine/nav/user_data.h"
#include "engine/net/conn.h"
#include "engine/net/wire.h"
#include "engine/url/idna.h"
#include "hsts/base/error.h"

#include <llhttp.h>
#include <nghttp2/nghttp2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt_ctx_options_init(dt_ctx_options *opt) {
  if (!opt) return;
  memset(opt, 0, sizeof *opt);
  opt->size = sizeof *opt;
}

static char *dupz(const char *s) { return s ? strdup(s) : NULL; }

static void ctx_free(dt_ctx *ctx) {
  dt_hsts_store_free(ctx->store);
  dt_preload_free(ctx->preload);
  dt__tls_ctx_unref(ctx->tls);
  if (!ctx->ovr_borrowed) free(ctx->ovr);
  free(ctx->ca_file);
  free(ctx->user_agent);
  free(ctx->accept_language);
  dt__user_data_free(ctx);
  free(ctx->rbuf);
  dt_ctx *owner = ctx->pool_owner;
  free(ctx);
  if (owner) dt__ctx_unref(owner); /* its close may complete now */
}

static int same_str(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void settle_now(dt_ctx *ctx);

/* The context's save scheduling, run on every change to its store. Saves
 * happen when a navigation ends (off the loop, before its callback:
 * dt__ctx_save_then) or, for a change made through the API outside a
 * navigation, right away on the caller's thread, so the call returns with
 * it on disk. */
static void on_store_change(void *ud) {
  dt_ctx *ctx = ud;
  if (!ctx->nav_running) settle_now(ctx);
}

/* A save of the store on the caller's thread comes after the one in
 * flight off the loop (one file, saves in the order they began). */
static void before_store_save(void *ud) { dt__user_data_flush(ud); }

/* The preload list: shared, a handle, a file, a buffer or the embedded
 * one. A list that cannot be used is a warning: HSTS still works from the
 * dynamic store. */
static int preload_setup(dt_ctx *ctx, const dt_ctx_options *opt) {
  if (opt->no_preload) return 0;
  if (opt->preload) {
    ctx->preload = dt__preload_ref(opt->preload);
  } else if (opt->share && !opt->preload_file && !opt->preload_blob) {
    ctx->preload = dt__preload_ref(opt->share->preload);
    ctx->preload_stale_off = opt->share->preload_stale_off;
  } else {
    dt_error e = {0};
    int rc = opt->preload_file
                 ? dt_preload_open_file(&ctx->preload, opt->preload_file, &e)
             : opt->preload_blob
                 ? dt_preload_open_mem(&ctx->preload, opt->preload_blob,
                                       opt->preload_blob_len, &e)
                 : dt_preload_open_embedded(&ctx->preload, &e);
    if (rc == DT_ENOMEM) return rc;
    if (rc && (opt->preload_file || opt->preload_blob)) {
      /* A list the caller named and cannot have is an error: going on
       * without it would turn preloaded HSTS off unseen (issue 18). */
      dt__fail(opt->error, rc,
               "%s (fix: pass a blob made by `detour preload compile`, or "
               "--no-preload to run without a list)",
               e.message);
      return rc;
    }
    if (rc) { /* the embedded list: cannot fail unless the build is bad */
      dt__ctx_warn(ctx, "%s; the list is not used", e.message);
      return 0;
    }
  }
  if (!ctx->preload) return 0;
  if (opt->preload_disable_stale) ctx->preload_stale_off = 1;
  /* A stale list is not a warning of the context's: a chain says so when
   * the list's age could have changed its answer (engine/nav/hsts_decide.c,
   * dt__preload_watch); dt_ctx_preload gives its date and age. */
  return 0;
}

/* The profile, the HSTS store (loaded from its file when there is one) and
 * the preload list. Problems with the store's file are warnings: a browser
 * with an unreadable profile directory still browses (every chain carries
 * the warning). An unknown profile name, or a preload list the caller
 * named and cannot have, is the caller's mistake: an error. */
static int hsts_setup(dt_ctx *ctx, const dt_ctx_options *opt) {
  ctx->profile = dt__profile_lookup(opt->profile);
  if (!ctx->profile)
    return dt__fail(opt->error, DT_EINVAL, "unknown profile '%.64s'",
                    opt->profile ? opt->profile : "");
  ctx->hsts_off = opt->hsts_off;
  /* the user-data directory's store unless a file is named */
  char udd_store[4200];
  const char *path = opt->hsts_store_path;
  if (!path && opt->user_data_dir &&
      (size_t)snprintf(udd_store, sizeof udd_store, "%s/hsts.txt",
                       opt->user_data_dir) < sizeof udd_store)
    path = udd_store;
  if (opt->hsts_off) path = NULL;
  dt_error e = {0};
  int rc = dt__store_open(&ctx->store, path, ctx->profile, &ctx->clock,
                          ctx->limits.hsts_max_entries, &e);
  if (rc && rc != DT_ENOMEM) {
    dt__ctx_warn(ctx, "%s The HSTS store is kept in memory only.", e.message);
    rc = dt__store_open(&ctx->store, NULL, ctx->profile, &ctx->clock,
                        ctx->limits.hsts_max_entries, NULL);
  }
  if (rc) return rc;
  for (size_t i = 0; dt_hsts_store_warning(ctx->store, i); i++)
    dt__ctx_warn(ctx, "%s", dt_hsts_store_warning(ctx->store, i));
  ctx->store->memory_only_on_failure = 1;
  ctx->store->on_change = on_store_change;
  ctx->store->before_save = before_store_save;
  ctx->store->change_ud = ctx;
  return opt->hsts_off ? 0 : preload_setup(ctx, opt);
}

int dt_ctx_options_check(const dt_ctx_options *opt, dt_error *err) {
  if (!opt) return dt__fail(err, DT_EINVAL, "no options");
  if (opt->user_agent && !dt__wire_value(opt->user_agent))
    return dt__fail(err, DT_EINVAL,
                    "the User-Agent holds CR or LF, which would split the "
                    "request: not sent");
  if (opt->accept_language && !dt__wire_value(opt->accept_language))
    return dt__fail(err, DT_EINVAL,
                    "the Accept-Language holds CR or LF, which would split "
                    "the request: not sent");
  return 0;
}

int dt_ctx_new(dt_ctx **out, const dt_ctx_options *caller) {
  if (!out) return DT_EINVAL;
  *out = NULL;
  if (!caller || caller->size < DT_CTX_OPTIONS_SIZE_MIN) return DT_EINVAL;
  /* A caller built against an older header knows a prefix of the struct:
   * read only that, the rest keeps its default (0). */
  dt_ctx_options local;
  dt_ctx_options_init(&local);
  dt__sized_copy(&local, sizeof local, caller);
  const dt_ctx_options *opt = &local;
  if (!opt->loop) return dt__fail(opt->error, DT_EINVAL, "no loop");
  if (opt->share && opt->share->loop != opt->loop)
    return dt__fail(opt->error, DT_EINVAL,
                    "the shared context runs on another loop");
  if (opt->share_pool && opt->share &&
      (opt->share->closing ||
       (opt->share->pool_owner && opt->share->pool_owner->closing)))
    return dt__fail(opt->error, DT_EINVAL,
                    "the context to share a pool with is closing");
  if (dt_ctx_options_check(opt, opt->error)) return DT_EINVAL;
  if (opt->http_version < DT_HTTP_ANY || opt->http_version > DT_HTTP_2 ||
      opt->identity < DT_IDENTITY_BROWSER ||
      opt->identity > DT_IDENTITY_MINIMAL || opt->browser_version > 9999)
    return dt__fail(opt->error, DT_EINVAL,
                    "http_version, identity or browser_version out of range");
  if (opt->https_upgrades_wait_ms > 600000)
    return dt__fail(opt->error, DT_EINVAL,
                    "https_upgrades_wait_ms is at most 600000 (10 minutes)");
  dt_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return dt__fail(opt->error, DT_ENOMEM, "out of memory");
  ctx->loop = opt->loop;
  dt_limits_default(&ctx->limits);
  if (opt->limits)
    dt__sized_copy(&ctx->limits, sizeof ctx->limits, opt->limits);
  ctx->clock = opt->clock;
  ctx->insecure = opt->insecure;
  ctx->http_version = opt->http_version;
  ctx->identity = opt->identity;
  ctx->no_https_upgrades = opt->no_https_upgrades;
  ctx->https_upgrades_wait_ms = opt->https_upgrades_wait_ms;
  ctx->browser_version = opt->browser_version;
  ctx->data = opt->data;
  ctx->ca_file = dupz(opt->ca_file);
  ctx->user_agent = dupz(opt->user_agent);
  ctx->accept_language = dupz(opt->accept_language);
  if ((opt->ca_file && !ctx->ca_file) ||
      (opt->user_agent && !ctx->user_agent) ||
      (opt->accept_language && !ctx->accept_language)) {
    ctx_free(ctx);
    return DT_ENOMEM;
  }
  /* One CA parse and one session cache for contexts that trust the same
   * anchors the same way. */
  if (opt->share && same_str(opt->ca_file, opt->share->ca_file) &&
      opt->insecure == opt->share->insecure &&
      opt->http_version == opt->share->http_version &&
      dt__ctx_tls(opt->share)) {
    ctx->tls = opt->share->tls;
    dt__tls_ctx_ref(ctx->tls);
  }
  int rc = hsts_setup(ctx, opt);
  if (rc) {
    ctx_free(ctx);
    if (opt->error && opt->error->code != rc)
      dt__fail(opt->error, rc, "%s", dt_strerror(rc));
    return rc;
  }
  rc = dt__user_data_open(ctx, opt); /* file problems are warnings */
  if (rc) {
    ctx_free(ctx);
    return rc;
  }
  /* Another tab of share's browser (share_pool): its routes, as a
   * browser's host resolver rules belong to the network context its socket
   * pools do — referenced, copied before an entry is added here (a table
   * is ~100 KB, most of a context) — and its pool when this context would
   * make the same connections: the same TLS (trust, session cache, ALPN)
   * and profile, whose HTTP/2 SETTINGS a session keeps. The owner stays
   * until this context is freed (counted in its live). */
  dt_ctx *owner = opt->share && opt->share->pool_owner ? opt->share->pool_owner
                                                       : opt->share;
  if (opt->share_pool && owner) {
    ctx->pool_owner = owner;
    dt__ctx_ref(owner);
    ctx->pool_shared =
        ctx->tls && ctx->tls == owner->tls && ctx->profile == owner->profile;
    ctx->ovr = owner->ovr;
    ctx->ovr_borrowed = 1;
  } else if (!(ctx->ovr = calloc(1, sizeof *ctx->ovr))) {
    ctx_free(ctx);
    return dt__fail(opt->error, DT_ENOMEM, "out of memory");
  }
  uv_timer_init(ctx->loop, &ctx->close_timer);
  ctx->close_timer.data = ctx;
  ctx->hsts_save_delay_ms = opt->hsts_save_delay_ms;
  uv_timer_init(ctx->loop, &ctx->save_timer);
  uv_unref((uv_handle_t *)&ctx->save_timer); /* never keeps the loop up */
  ctx->save_timer.data = ctx;
  *out = ctx;
  return 0;
}

char *dt__ctx_rbuf(dt_ctx *ctx) {
  if (!ctx->rbuf) ctx->rbuf = malloc(DT__TCP_READ_BUF);
  return ctx->rbuf;
}

dt_ctx *dt__ctx_pool(dt_ctx *ctx) {
  return ctx->pool_shared && !ctx->pool_owner->closing ? ctx->pool_owner : ctx;
}

void *dt_ctx_data(const dt_ctx *ctx) { return ctx ? ctx->data : NULL; }
void dt_ctx_set_data(dt_ctx *ctx, void *data) {
  if (ctx) ctx->data = data;
}

const dt_preload *dt_ctx_preload(const dt_ctx *ctx) {
  return ctx ? ctx->preload : NULL;
}

const char *dt_ctx_warning(const dt_ctx *ctx, size_t i) {
  return ctx && i < ctx->nwarnings ? ctx->warnings[i] : NULL;
}

const char *dt_ctx_profile(const dt_ctx *ctx) {
  return ctx ? ctx->profile->name : NULL;
}

dt_hsts_store *dt_ctx_hsts_store(dt_ctx *ctx) {
  return ctx ? ctx->store : NULL;
}

void dt__ctx_warn(dt_ctx *ctx, const char *fmt, ...) {
  if (ctx->nwarnings >= DT__CTX_MAX_WARNINGS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->warnings[ctx->nwarnings++], DT__CTX_WARNING_BYTES, fmt, ap);
  va_end(ap);
}

/* A context routing with its pool owner's table gets its own copy before
 * it adds an entry of its own. */
static int own_overrides(dt_ctx *ctx) {
  if (!ctx->ovr_borrowed) return 0;
  dt__overrides *o = malloc(sizeof *o);
  if (!o) return DT_ENOMEM;
  memcpy(o, ctx->ovr, sizeof *o);
  ctx->ovr = o;
  ctx->ovr_borrowed = 0;
  return 0;
}

int dt_ctx_add_resolve(dt_ctx *ctx, const char *spec) {
  if (!ctx) return DT_EINVAL;
  int rc = own_overrides(ctx);
  return rc ? rc : dt__overrides_add_resolve(ctx->ovr, spec);
}

int dt_ctx_add_connect_to(dt_ctx *ctx, const char *spec) {
  if (!ctx) return DT_EINVAL;
  int rc = own_overrides(ctx);
  return rc ? rc : dt__overrides_add_connect_to(ctx->ovr, spec);
}

void dt_ctx_set_trace(dt_ctx *ctx, dt_trace_cb cb, void *user_data) {
  if (!ctx) return;
  ctx->trace = cb;
  ctx->trace_ud = user_data;
}

void dt__ctx_trace(dt_ctx *ctx, char dir, const char *data, size_t len) {
  if (ctx->trace && len) ctx->trace(dir, data, len, ctx->trace_ud);
}

void dt__ctx_tracef(dt_ctx *ctx, const char *fmt, ...) {
  if (!ctx->trace) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  ctx->trace('*', buf, len, ctx->trace_ud);
}

dt__tls_ctx *dt__ctx_tls(dt_ctx *ctx) {
  if (ctx->tls || ctx->tls_failed) return ctx->tls;
  /* ALPN (RFC 7301) as browsers offer it: h2 first (RFC 9113 §3.2). */
  static const char *const any[] = {"h2", "http/1.1", NULL};
  static const char *const h1[] = {"http/1.1", NULL};
  const char *const *alpn = ctx->http_version == DT_HTTP_1_1 ? h1 : any;
  if (dt__tls_ctx_new(&ctx->tls, ctx->ca_file, ctx->insecure, alpn,
                      ctx->tls_err, sizeof ctx->tls_err) != 0) {
    ctx->tls = NULL;
    ctx->tls_failed = 1;
  }
  return ctx->tls;
}

/* ---- saving the store ------------------------------------------------- */

static void save_now(dt_ctx *ctx) {
  uv_timer_stop(&ctx->save_timer);
  size_t before = ctx->store->nwarnings;
  dt_hsts_store_save(ctx->store, NULL); /* a failure is a warning */
  for (size_t i = before; i < ctx->store->nwarnings; i++)
    dt__ctx_warn(ctx, "%s", ctx->store->warnings[i]);
}

/* The delayed save: off the loop, like a navigation's. */
static void on_save_timer(uv_timer_t *t) {
  dt__user_data_save_async(t->data, 1, NULL, NULL);
}

/* Whether the store is saved with the other parts now, or (with
 * hsts_save_delay_ms) by its timer, which this arms. Chromium's
 * TransportSecurityPersister writes through ImportantFileWriter on a 10 s
 * commit interval; curl writes its HSTS file at cleanup. By default detour
 * saves at once (nothing lost on a crash); with a delay the first unsaved
 * change arms one timer and later changes ride on it. */
static int hsts_now(dt_ctx *ctx) {
  if (!ctx->hsts_save_delay_ms || ctx->closing) return 1;
  if (ctx->store->path && ctx->store->dirty &&
      !uv_is_active((uv_handle_t *)&ctx->save_timer))
    uv_timer_start(&ctx->save_timer, on_save_timer, ctx->hsts_save_delay_ms, 0);
  return 0;
}

static void settle_now(dt_ctx *ctx) {
  dt__user_data_save_now(ctx, NULL); /* a failure is a warning */
  if (ctx->store->path && ctx->store->dirty && hsts_now(ctx)) save_now(ctx);
}

void dt__ctx_hsts_settle(dt_ctx *ctx) {
  dt__user_data_save_async(ctx, hsts_now(ctx), NULL, NULL);
}

int dt__ctx_save_then(dt_ctx *ctx, void (*cb)(void *), void *ud) {
  return dt__user_data_save_async(ctx, hsts_now(ctx), cb, ud);
}

/* ---- closing ------------------------------------------------------------ */

void dt__ctx_ref(dt_ctx *ctx) { ctx->live++; }

static void maybe_finish_close(dt_ctx *ctx) {
  if (!ctx->closing || ctx->live || !ctx->close_timer_closed ||
      !ctx->save_timer_closed)
    return;
  void (*cb)(void *) = ctx->close_cb;
  void *ud = ctx->close_ud;
  ctx_free(ctx);
  if (cb) cb(ud);
}

void dt__ctx_unref(dt_ctx *ctx) {
  ctx->live--;
  maybe_finish_close(ctx);
}

static void on_close_timer(uv_handle_t *h) {
  dt_ctx *ctx = h->data;
  ctx->close_timer_closed = 1;
  maybe_finish_close(ctx);
}

static void on_save_timer_closed(uv_handle_t *h) {
  dt_ctx *ctx = h->data;
  ctx->save_timer_closed = 1;
  maybe_finish_close(ctx);
}

void dt_ctx_close(dt_ctx *ctx, void (*cb)(void *user_data), void *user_data) {
  if (!ctx || ctx->closing) return;
  ctx->closing = 1;
  ctx->close_cb = cb;
  ctx->close_ud = user_data;
  /* What is in flight ends now, each with DT_ECANCELED: a kiosk shutting
   * down does not wait out the total timeout. Their callbacks run from the
   * loop, before the close callback. */
  dt__nav_cancel_all(ctx);
  /* Unsaved changes (a delayed save) are written now, off the loop; the
   * close waits for the save (it holds a reference). Navigations still
   * finishing save their own when they end (closing is set). */
  uv_timer_stop(&ctx->save_timer);
  dt__user_data_save_async(ctx, 1, NULL, NULL);
  uv_close((uv_handle_t *)&ctx->save_timer, on_save_timer_closed);
  dt__pool_close_all(ctx);
  uv_close((uv_handle_t *)&ctx->close_timer, on_close_timer);
}

/* ---- versions ----------------------------------------------------------- */

const char *dt_version_info(void) {
  static char buf[320];
  if (!buf[0])
    snprintf(buf, sizeof buf,
             "detour %s (libuv %s, %s, llhttp %d.%d.%d, nghttp2 %s, %s)",
             DETOUR_VERSION, uv_version_string(), dt__tls_backend(),
             LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH,
             nghttp2_version(0)->version_str, dt__idna_version());
  return buf;
}
