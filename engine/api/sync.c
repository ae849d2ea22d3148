/* sync.c — the blocking wrapper (a private loop) for programs without a
 * loop of their own, such as the CLI. */
#include "engine/ctx.h"

#include <stdlib.h>
#include <string.h>

struct dt_sync {
  uv_loop_t loop;
  dt_ctx *ctx;
};

int dt_sync_new(dt_sync **out, const dt_ctx_options *opt) {
  if (!out)
    return DT_EINVAL;
  *out = NULL;
  dt_sync *s = calloc(1, sizeof *s);
  if (!s)
    return DT_ENOMEM;
  if (uv_loop_init(&s->loop)) {
    free(s);
    return DT_EINTERNAL;
  }
  dt_ctx_options o;
  if (opt)
    o = *opt;
  else
    dt_ctx_options_init(&o);
  o.loop = &s->loop;
  int rc = dt_ctx_new(&s->ctx, &o);
  if (rc) {
    uv_loop_close(&s->loop);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

dt_ctx *dt_sync_ctx(dt_sync *s) { return s ? s->ctx : NULL; }

static void on_done(dt_chain *chain, void *ud) { *(dt_chain **)ud = chain; }

int dt_sync_fetch(dt_sync *s, const dt_request *req, dt_chain **out) {
  if (!s || !req || !out)
    return DT_EINVAL;
  *out = NULL;
  dt_chain *chain = NULL;
  int rc = dt_fetch(s->ctx, req, on_done, &chain);
  if (rc)
    return rc;
  /* UV_RUN_ONCE until our callback: pooled connections keep the loop alive,
   * so UV_RUN_DEFAULT would not return while the pool is warm. */
  while (!chain)
    uv_run(&s->loop, UV_RUN_ONCE);
  *out = chain;
  return dt_chain_error(chain);
}

static void on_closed(void *ud) { *(int *)ud = 1; }

void dt_sync_free(dt_sync *s) {
  if (!s)
    return;
  int closed = 0;
  dt_ctx_close(s->ctx, on_closed, &closed);
  while (!closed)
    uv_run(&s->loop, UV_RUN_ONCE);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  free(s);
}
