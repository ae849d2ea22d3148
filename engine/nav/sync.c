/* sync.c — the blocking wrapper (a private loop) for programs without a
 * loop of their own. */
#include "engine/ctx.h"
#include "hsts/base/sized.h"

#include <stdlib.h>
#include <string.h>

struct dt_sync {
  uv_loop_t loop;
  dt_ctx *ctx;
};

int dt_sync_new(dt_sync **out, const dt_ctx_options *opt) {
  if (!out) return DT_EINVAL;
  *out = NULL;
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  if (opt) {
    /* Only as much as the caller's struct holds (its size field). */
    if (opt->size < DT_CTX_OPTIONS_SIZE_MIN) return DT_EINVAL;
    dt__sized_copy(&o, sizeof o, opt);
  }
  dt_sync *s = calloc(1, sizeof *s);
  if (!s) return DT_ENOMEM;
  if (uv_loop_init(&s->loop)) {
    free(s);
    return DT_EINTERNAL;
  }
  o.loop = &s->loop;
  o.share = NULL; /* another loop's context cannot be shared */
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

typedef struct waiter {
  dt_chain *chain;
  int done;
} waiter;

static void on_done(dt_chain *chain, void *ud) {
  waiter *w = ud;
  w->chain = chain;
  w->done = 1;
}

/* Body and progress callbacks get the caller's user_data; the completion
 * is ours. */
typedef struct relay {
  dt_body_cb on_body;
  dt_progress_cb on_progress;
  void *ud;
  waiter w;
} relay;

static int relay_body(const dt_hop *h, const uint8_t *d, size_t n, void *ud) {
  relay *r = ud;
  return r->on_body(h, d, n, r->ud);
}

static void relay_progress(const dt_hop *h, uint64_t got, int64_t exp,
                           void *ud) {
  relay *r = ud;
  r->on_progress(h, got, exp, r->ud);
}

static void relay_done(dt_chain *chain, void *ud) {
  on_done(chain, &((relay *)ud)->w);
}

int dt_sync_fetch(dt_sync *s, const dt_request *req, dt_chain **out,
                  void *user_data) {
  if (!s || !req || !out || req->size < offsetof(dt_request, on_body))
    return DT_EINVAL;
  *out = NULL;
  dt_request rq;
  dt_request_init(&rq);
  dt__sized_copy(&rq, sizeof rq, req);
  relay r = {rq.on_body, rq.on_progress, user_data, {NULL, 0}};
  if (rq.on_body) rq.on_body = relay_body;
  if (rq.on_progress) rq.on_progress = relay_progress;
  int rc = dt_fetch(s->ctx, &rq, relay_done, &r, NULL);
  if (rc) return rc;
  /* UV_RUN_ONCE until our callback: the loop may have other work. */
  while (!r.w.done)
    uv_run(&s->loop, UV_RUN_ONCE);
  *out = r.w.chain;
  return dt_chain_error(r.w.chain);
}

static void on_closed(void *ud) { *(int *)ud = 1; }

void dt_sync_free(dt_sync *s) {
  if (!s) return;
  int closed = 0;
  dt_ctx_close(s->ctx, on_closed, &closed);
  while (!closed)
    uv_run(&s->loop, UV_RUN_ONCE);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  free(s);
}
