/* ctx.c — dt_ctx: options, overrides, trace, lazy TLS, orderly close. */
#include "engine/ctx.h"
#include "engine/net/conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt_ctx_options_init(dt_ctx_options *opt) {
  if (!opt)
    return;
  memset(opt, 0, sizeof *opt);
  opt->size = sizeof *opt;
  dt_limits_default(&opt->limits);
}

static char *dupz(const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

static void ctx_free(dt_ctx *ctx) {
  dt__hsts_store_free(ctx->hsts);
  dt__preload_free(ctx->preload);
  free(ctx->hsts_path);
  if (ctx->tls) {
    dt__tls_ctx_free(ctx->tls);
    free(ctx->tls);
  }
  free(ctx->ovr);
  free(ctx->ca_file);
  free(ctx->user_agent);
  free(ctx);
}

/* The profile, the dynamic store (loaded from its file when there is one)
 * and the preload list (embedded, a file, or none). Problems with files
 * are warnings: a browser with an unreadable profile directory still
 * browses. An unknown profile name is the caller's mistake (DT_EINVAL). */
static int hsts_setup(dt_ctx *ctx, const dt_ctx_options *opt) {
  ctx->profile = opt->profile ? dt__profile_find(opt->profile)
                              : dt__profile_default();
  if (!ctx->profile)
    return DT_EINVAL;
  ctx->hsts_off = opt->hsts_off;
  if (dt__hsts_store_new(&ctx->hsts, opt->limits.hsts_max_entries,
                         &ctx->clock))
    return DT_ENOMEM;
  if (opt->hsts_off)
    return 0;
  if (opt->hsts_store_path) {
    ctx->hsts_path = dupz(opt->hsts_store_path);
    if (!ctx->hsts_path)
      return DT_ENOMEM;
    dt__ctx_hsts_load(ctx);
  }
  if (opt->no_preload)
    return 0;
  dt__preload_error perr = {0};
  int rc = opt->preload_file
               ? dt__preload_open_file(&ctx->preload, opt->preload_file, &perr)
           : opt->preload_blob
               ? dt__preload_open_mem(&ctx->preload, opt->preload_blob,
                                      opt->preload_blob_len, 0, &perr)
               : dt__preload_open_default(&ctx->preload);
  if (rc == DT_ENOMEM)
    return rc;
  if (rc) {
    dt__ctx_warn(ctx,
                 "preload list %s not used: %s (fix: pass a blob made by "
                 "`detour preload compile`, or --no-preload)",
                 opt->preload_file   ? opt->preload_file
                 : opt->preload_blob ? "(caller's buffer)"
                                     : "(embedded)",
                 perr.msg[0] ? perr.msg : dt_strerror(rc));
    ctx->preload = NULL;
    return 0;
  }
  if (dt__preload_apply_stale_policy(ctx->preload, opt->preload_disable_stale,
                                     &ctx->clock)) {
    dt__preload_info info;
    dt__preload_get_info(ctx->preload, &info);
    dt__ctx_warn(ctx,
                 "the HSTS preload list is %d days old (list date %s); %s",
                 (int)dt__preload_age_days(ctx->preload, &ctx->clock),
                 info.list_date,
                 opt->preload_disable_stale
                     ? "it is disabled (stale list policy)"
                     : "still enforcing it (rebuild detour for a fresh list)");
  }
  return 0;
}

int dt_ctx_new(dt_ctx **out, const dt_ctx_options *caller) {
  if (!out)
    return DT_EINVAL;
  *out = NULL;
  if (!caller || caller->size < DT_CTX_OPTIONS_SIZE_V1)
    return DT_EINVAL;
  /* A caller built against an older header knows a prefix of the struct:
   * read only that, the rest keeps its default (0). */
  dt_ctx_options local;
  memset(&local, 0, sizeof local);
  memcpy(&local, caller,
         caller->size < sizeof local ? caller->size : sizeof local);
  const dt_ctx_options *opt = &local;
  if (!opt->loop)
    return DT_EINVAL;
  dt_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return DT_ENOMEM;
  ctx->loop = opt->loop;
  ctx->limits = opt->limits;
  ctx->clock = opt->clock;
  ctx->insecure = opt->insecure;
  ctx->ovr = calloc(1, sizeof *ctx->ovr);
  ctx->ca_file = dupz(opt->ca_file);
  ctx->user_agent = dupz(opt->user_agent);
  if (!ctx->ovr || (opt->ca_file && !ctx->ca_file) ||
      (opt->user_agent && !ctx->user_agent)) {
    ctx_free(ctx);
    return DT_ENOMEM;
  }
  int rc = hsts_setup(ctx, opt);
  if (rc) {
    ctx_free(ctx);
    return rc;
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

const char *dt_ctx_warning(const dt_ctx *ctx, size_t i) {
  return ctx && i < ctx->nwarnings ? ctx->warnings[i] : NULL;
}

const char *dt_ctx_profile(const dt_ctx *ctx) {
  return ctx ? ctx->profile->name : NULL;
}

void dt__ctx_warn(dt_ctx *ctx, const char *fmt, ...) {
  if (ctx->nwarnings >= DT__CTX_MAX_WARNINGS)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->warnings[ctx->nwarnings++], DT__CTX_WARNING_BYTES, fmt, ap);
  va_end(ap);
}

int dt_ctx_add_resolve(dt_ctx *ctx, const char *spec) {
  return ctx ? dt__overrides_add_resolve(ctx->ovr, spec) : DT_EINVAL;
}

int dt_ctx_add_connect_to(dt_ctx *ctx, const char *spec) {
  return ctx ? dt__overrides_add_connect_to(ctx->ovr, spec) : DT_EINVAL;
}

void dt_ctx_set_trace(dt_ctx *ctx, dt_trace_cb cb, void *user_data) {
  if (!ctx)
    return;
  ctx->trace = cb;
  ctx->trace_ud = user_data;
}

void dt__ctx_trace(dt_ctx *ctx, char dir, const char *data, size_t len) {
  if (ctx->trace && len)
    ctx->trace(dir, data, len, ctx->trace_ud);
}

void dt__ctx_tracef(dt_ctx *ctx, const char *fmt, ...) {
  if (!ctx->trace)
    return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  ctx->trace('*', buf, len, ctx->trace_ud);
}

dt__tls_ctx *dt__ctx_tls(dt_ctx *ctx) {
  if (ctx->tls || ctx->tls_failed)
    return ctx->tls;
  dt__tls_ctx *t = malloc(sizeof *t);
  if (!t) {
    snprintf(ctx->tls_err, sizeof ctx->tls_err, "out of memory");
    return NULL;
  }
  if (dt__tls_ctx_init(t, ctx->ca_file, ctx->insecure, ctx->tls_err,
                       sizeof ctx->tls_err) != 0) {
    dt__tls_ctx_free(t);
    free(t);
    ctx->tls_failed = 1;
    return NULL;
  }
  ctx->tls = t;
  return t;
}

void dt__ctx_ref(dt_ctx *ctx) { ctx->live++; }

static void maybe_finish_close(dt_ctx *ctx) {
  if (!ctx->closing || ctx->live || !ctx->close_timer_closed ||
      !ctx->save_timer_closed)
    return;
  void (*cb)(void *) = ctx->close_cb;
  void *ud = ctx->close_ud;
  ctx_free(ctx);
  if (cb)
    cb(ud);
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
  if (!ctx || ctx->closing)
    return;
  ctx->closing = 1;
  ctx->close_cb = cb;
  ctx->close_ud = user_data;
  /* Unsaved HSTS changes (a delayed save) are written now; navigations
   * still in flight save their own when they end (closing is set). */
  dt__ctx_hsts_save(ctx);
  uv_close((uv_handle_t *)&ctx->save_timer, on_save_timer_closed);
  dt__pool_close_all(ctx);
  uv_close((uv_handle_t *)&ctx->close_timer, on_close_timer);
}
