/* embed_h2.c — an embedder's many navigations to one HTTP/2 origin, built
 * against an installed libdetour (tests/integration/test_install.py runs it
 * against a real nginx with `listen ... ssl http2`, fixtures/nginx/
 * http2.conf.in). Each check prints "ok NAME" or "FAIL NAME: why"; the
 * exit status is the number of failures.
 *
 *   embed_h2 HTTPS_PORT CA_FILE N
 *
 * Checks: N navigations started at once all answer over HTTP/2 on ONE
 * connection once the first has it (a browser's one connection per
 * origin); one of them canceled mid-flight leaves the others whole; the
 * loop ends with the session idle; a later round reuses the session; and
 * on a fresh context, N navigations started before any connection exists
 * still end on one (the others wait for the first handshake's h2). */
#include <detour.h>

#include "embed_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MAXN 64

typedef struct nav {
  int calls, err, status, reused;
  uint64_t conn_id;
  char version[16];
  dt_nav *handle;
} nav;

static void on_chain(dt_chain *chain, void *ud) {
  nav *s = ud;
  s->calls++;
  s->err = dt_chain_error(chain);
  size_t n = dt_chain_hop_count(chain);
  const dt_hop *h = n ? dt_chain_hop(chain, n - 1) : NULL;
  if (h && h->has_response) {
    s->status = h->status;
    snprintf(s->version, sizeof s->version, "%s",
             h->http_version ? h->http_version : "?");
  }
  if (h && h->conn) {
    s->conn_id = h->conn->id;
    s->reused = h->conn->reused;
  }
  dt_chain_free(chain);
}

static int start(dt_ctx *ctx, nav *s) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = "https://a.test/";
  memset(s, 0, sizeof *s);
  return dt_fetch(ctx, &rq, on_chain, s, &s->handle);
}

/* Round one: the first navigation opens the connection; then the rest
 * start at once on the session it left idle (a browser's later requests
 * find the session), one of them canceled. */
static nav navs[MAXN];
static int n_navs;
static dt_ctx *the_ctx;

static void many_streams(uv_loop_t *loop) {
  const char *name = "many_navigations_one_connection";
  dt_request rq;
  dt_request_init(&rq);
  rq.url = "https://a.test/";
  memset(&navs[0], 0, sizeof navs[0]);
  EXPECT(name, dt_fetch(the_ctx, &rq, on_chain, &navs[0], NULL) == 0,
         "not started");
  uv_run(loop, UV_RUN_DEFAULT);
  EXPECT(name,
         navs[0].calls == 1 && navs[0].err == 0 &&
             strcmp(navs[0].version, "HTTP/2") == 0,
         "first: calls %d err %s version %s", navs[0].calls,
         dt_err_name(navs[0].err), navs[0].version);
  /* all the others at once, on the session the first left idle */
  for (int i = 1; i < n_navs; i++)
    EXPECT(name, start(the_ctx, &navs[i]) == 0, "navigation %d not started", i);
  dt_nav_cancel(navs[n_navs - 1].handle);
  uint64_t t0 = uv_hrtime();
  uv_run(loop, UV_RUN_DEFAULT);
  double took = (double)(uv_hrtime() - t0) / 1e9;
  int ok = 0;
  for (int i = 1; i < n_navs - 1; i++) {
    nav *s = &navs[i];
    EXPECT(name, s->calls == 1, "navigation %d: %d callbacks", i, s->calls);
    EXPECT(name, s->err == 0 && s->status == 200,
           "navigation %d: %s, status %d", i, dt_err_name(s->err), s->status);
    EXPECT(name, strcmp(s->version, "HTTP/2") == 0, "navigation %d over %s", i,
           s->version);
    EXPECT(name, s->conn_id == navs[0].conn_id && s->reused,
           "navigation %d on connection #%llu (reused %d), the first on #%llu",
           i, (unsigned long long)s->conn_id, s->reused,
           (unsigned long long)navs[0].conn_id);
    ok++;
  }
  nav *c = &navs[n_navs - 1];
  EXPECT(name, c->calls == 1 && c->err == DT_ECANCELED,
         "the canceled one: %d callbacks, %s", c->calls, dt_err_name(c->err));
  EXPECT(name, took < 10.0, "uv_run took %.1f s (the idle session held it?)",
         took);
  printf("ok %s (%d navigations on connection #%llu, one canceled; uv_run "
         "returned in %.3f s)\n",
         name, ok + 1, (unsigned long long)navs[0].conn_id, took);
}

/* A later round: the idle session (parked, not holding the loop) serves
 * it. */
static void session_reused(uv_loop_t *loop) {
  const char *name = "idle_session_reused";
  nav s;
  EXPECT(name, start(the_ctx, &s) == 0, "not started");
  uv_run(loop, UV_RUN_DEFAULT);
  EXPECT(name,
         s.calls == 1 && s.err == 0 && s.reused && s.conn_id == navs[0].conn_id,
         "calls %d, %s, reused %d, connection #%llu", s.calls,
         dt_err_name(s.err), s.reused, (unsigned long long)s.conn_id);
  printf("ok %s\n", name);
}

/* A fresh context, nothing connected yet: all N at once. The first opens
 * the connection; the others wait for its handshake and join its h2
 * session instead of opening their own. */
static void cold_start(uv_loop_t *loop, const char *ca, const char *ct) {
  const char *name = "cold_start_one_connection";
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = loop;
  o.no_preload = 1;
  o.ca_file = ca;
  dt_ctx *ctx = NULL;
  EXPECT(name, dt_ctx_new(&ctx, &o) == 0 && dt_ctx_add_connect_to(ctx, ct) == 0,
         "no context");
  static nav cold[MAXN];
  for (int i = 0; i < n_navs; i++)
    EXPECT(name, start(ctx, &cold[i]) == 0, "navigation %d not started", i);
  uv_run(loop, UV_RUN_DEFAULT);
  int fresh = 0;
  for (int i = 0; i < n_navs; i++) {
    nav *s = &cold[i];
    EXPECT(name, s->calls == 1 && s->err == 0 && s->status == 200,
           "navigation %d: %d callbacks, %s, status %d", i, s->calls,
           dt_err_name(s->err), s->status);
    EXPECT(name, strcmp(s->version, "HTTP/2") == 0, "navigation %d over %s", i,
           s->version);
    EXPECT(name, s->conn_id == cold[0].conn_id,
           "navigation %d on connection #%llu, navigation 0 on #%llu", i,
           (unsigned long long)s->conn_id, (unsigned long long)cold[0].conn_id);
    fresh += !s->reused;
  }
  EXPECT(name, fresh == 1, "%d navigations made a connection", fresh);
  dt_ctx_close(ctx, NULL, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  printf("ok %s (%d navigations, one connection)\n", name, n_navs);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s HTTPS_PORT CA_FILE N\n", argv[0]);
    return 99;
  }
  n_navs = atoi(argv[3]);
  if (n_navs < 3 || n_navs > MAXN) n_navs = 20;
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  o.no_preload = 1;
  o.ca_file = argv[2];
  char ct[64];
  snprintf(ct, sizeof ct, "a.test:443:127.0.0.1:%s", argv[1]);
  if (dt_ctx_new(&the_ctx, &o) || dt_ctx_add_connect_to(the_ctx, ct)) {
    printf("FAIL setup: cannot make a context\n");
    return 99;
  }
  many_streams(&loop);
  session_reused(&loop);
  cold_start(&loop, argv[2], ct);
  dt_ctx_close(the_ctx, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return embed_failures;
}
