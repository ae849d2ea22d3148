/* test_navigate.c — the asynchronous API on the caller's own libuv loop,
 * against the fixture server: concurrent navigations, callbacks never from
 * inside dt_fetch, pool reuse across calls, an orderly close with no handle
 * left behind, the redirect limit per profile, and the HSTS upgrade with a
 * plaintext sentinel (the fixture's http listener sees no connection). */
#include "dt_test.h"
#include "fixture_proc.h"

#include "detour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

static const char scenario[] =
    "route /hello\n  body hello\\n\n"
    "route /loop\n  status 302\n  header Location: /loop\n"
    "route /sts\n  on https\n"
    "  header Strict-Transport-Security: max-age=600; includeSubDomains\n"
    "  body noted\\n\n"
    "route /to-http\n  on https\n  status 301\n"
    "  header Strict-Transport-Security: max-age=600\n"
    "  header Location: http://b.test/hello\n";

typedef struct done {
  int calls;
  int in_fetch; /* set while dt_fetch runs: the callback must not see it */
  int sync_call;
  dt_chain *chain;
} done;

static void on_chain(dt_chain *chain, void *ud) {
  done *d = ud;
  d->calls++;
  if (d->in_fetch) d->sync_call = 1;
  dt_chain_free(d->chain);
  d->chain = chain;
}

static void run_until(uv_loop_t *loop, const int *flag, int want) {
  while (*flag < want)
    uv_run(loop, UV_RUN_ONCE);
}

static int start(dt_ctx *ctx, done *d, const char *url) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = url;
  d->in_fetch = 1;
  int rc = dt_fetch(ctx, &rq, on_chain, d, NULL);
  d->in_fetch = 0;
  return rc;
}

/* A context made with O and routed to the fixture: a.test, b.test and
 * www.a.test on its http and https listeners. */
static dt_ctx *routed_ctx(const dt_ctx_options *o, dt_fixture *fx) {
  dt_ctx *ctx = NULL;
  CHECK_INT(dt_ctx_new(&ctx, o), 0);
  char spec[128];
  const char *names[] = {"a.test", "b.test", "www.a.test"};
  for (int i = 0; i < 3; i++) {
    snprintf(spec, sizeof spec, "%s:80:127.0.0.1:%d", names[i],
             dt_fixture_port(fx, "http"));
    CHECK_INT(dt_ctx_add_connect_to(ctx, spec), 0);
    snprintf(spec, sizeof spec, "%s:443:127.0.0.1:%d", names[i],
             dt_fixture_port(fx, "https"));
    CHECK_INT(dt_ctx_add_connect_to(ctx, spec), 0);
  }
  return ctx;
}

/* A context for the fixture; STORE (NULL: memory-only) and DELAY are the
 * HSTS store file and hsts_save_delay_ms. */
static dt_ctx *make_ctx_store(uv_loop_t *loop, dt_fixture *fx,
                              const char *profile, const char *store,
                              unsigned delay) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = loop;
  o.ca_file = dt_fixture_ca_file();
  o.profile = profile;
  o.no_preload = 1;
  o.hsts_store_path = store;
  o.hsts_save_delay_ms = delay;
  return routed_ctx(&o, fx);
}

static dt_ctx *make_ctx(uv_loop_t *loop, dt_fixture *fx, const char *profile) {
  return make_ctx_store(loop, fx, profile, NULL, 0);
}

static void on_closed(void *ud) { (*(int *)ud)++; }

static void close_ctx(uv_loop_t *loop, dt_ctx *ctx) {
  int closed = 0;
  dt_ctx_close(ctx, on_closed, &closed);
  run_until(loop, &closed, 1);
  uv_run(loop, UV_RUN_DEFAULT);
}

/* The pool's bound in all (limits.pool_idle_max): three origins visited in
 * turn with room for two idle connections — the least recently pooled one
 * (a.test's) is closed to make room, the others are taken again. */
static void pool_bounded_in_all(dt_fixture *fx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_limits lim;
  dt_limits_default(&lim);
  lim.pool_idle_max = 2;
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  o.no_preload = 1;
  o.no_https_upgrades = 1;
  o.limits = &lim;
  dt_ctx *ctx = routed_ctx(&o, fx);
  /* URL, then whether its connection came from the pool */
  static const struct {
    const char *url;
    int reused;
  } visits[] = {
      {"http://a.test/hello", 0},     {"http://b.test/hello", 0},
      {"http://www.a.test/hello", 0}, /* full: a.test's goes */
      {"http://a.test/hello", 0},     /* full: b.test's goes */
      {"http://www.a.test/hello", 1}, {"http://a.test/hello", 1},
      {"http://b.test/hello", 0},
  };
  for (size_t i = 0; i < sizeof visits / sizeof visits[0]; i++) {
    done d = {0};
    CHECK_INT(start(ctx, &d, visits[i].url), 0);
    run_until(&loop, &d.calls, 1);
    const dt_hop *h = dt_chain_hop(d.chain, 0);
    CHECK(h && h->has_response && h->status == 200);
    if (h && h->conn) {
      if (h->conn->reused != visits[i].reused)
        fprintf(stderr, "visit %zu (%s): reused %d\n", i, visits[i].url,
                h->conn->reused);
      CHECK_INT(h->conn->reused, visits[i].reused);
    }
    dt_chain_free(d.chain);
  }
  close_ctx(&loop, ctx);
  CHECK_INT(uv_loop_close(&loop), 0);
}

static void concurrent_and_pool(dt_fixture *fx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx *ctx = make_ctx(&loop, fx, NULL);
  done d[3];
  memset(d, 0, sizeof d);
  int total = 0;
  for (int i = 0; i < 3; i++)
    CHECK_INT(start(ctx, &d[i], "https://a.test/hello"), 0);
  while (d[0].calls + d[1].calls + d[2].calls < 3)
    uv_run(&loop, UV_RUN_ONCE);
  for (int i = 0; i < 3; i++) {
    CHECK_INT(d[i].calls, 1);
    CHECK_INT(d[i].sync_call, 0);
    CHECK_INT(dt_chain_error(d[i].chain), 0);
    const dt_hop *h = dt_chain_hop(d[i].chain, 0);
    CHECK(h && h->has_response && h->status == 200);
    total += h ? (int)h->resp_body_bytes : 0;
  }
  CHECK_INT(total, 18);
  /* A fourth navigation takes a pooled connection. */
  done e = {0};
  CHECK_INT(start(ctx, &e, "https://a.test/hello"), 0);
  run_until(&loop, &e.calls, 1);
  CHECK(dt_chain_hop(e.chain, 0)->conn->reused);
  for (int i = 0; i < 3; i++)
    dt_chain_free(d[i].chain);
  dt_chain_free(e.chain);
  /* A bad URL is a chain with the error, delivered from the loop too. */
  done bad = {0};
  CHECK_INT(start(ctx, &bad, "http://exa mple/"), 0);
  CHECK_INT(bad.calls, 0);
  run_until(&loop, &bad.calls, 1);
  CHECK_INT(dt_chain_error(bad.chain), DT_EURL);
  CHECK_INT(dt_chain_hop_count(bad.chain), 0);
  dt_chain_free(bad.chain);
  close_ctx(&loop, ctx);
  CHECK_INT(uv_loop_close(&loop), 0); /* nothing left open */
}

/* Knob 4: chromium follows 19 and fails on the 20th redirect response;
 * fetch follows 20 and fails on the 21st (docs/decisions.md). */
static void redirect_limit(dt_fixture *fx, const char *profile, size_t hops) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx *ctx = make_ctx(&loop, fx, profile);
  done d = {0};
  CHECK_INT(start(ctx, &d, "http://a.test/loop"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), DT_EREDIRECT_LIMIT);
  CHECK_INT(dt_chain_hop_count(d.chain), hops);
  CHECK(dt_chain_final_url(d.chain) == NULL);
  dt_chain_free(d.chain);
  close_ctx(&loop, ctx);
  CHECK_INT(uv_loop_close(&loop), 0);
}

static void hsts_upgrade(dt_fixture *fx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx *ctx = make_ctx(&loop, fx, NULL);
  done d = {0};
  CHECK_INT(start(ctx, &d, "https://a.test/sts"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), 0);
  const dt_hop *h = dt_chain_hop(d.chain, 0);
  CHECK(h->sts && h->sts->outcome == DT_STS_NOTED);
  dt_chain_free(d.chain);
  d.chain = NULL;
  size_t plain = dt_fixture_connections(fx, "http");
  /* A subdomain, by includeSubDomains: upgraded with nothing sent. */
  d.calls = 0;
  CHECK_INT(start(ctx, &d, "http://www.a.test/hello?x#frag"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), 0);
  CHECK_INT(dt_chain_hop_count(d.chain), 2);
  h = dt_chain_hop(d.chain, 0);
  CHECK(h->synthetic);
  CHECK_INT(h->status, 307);
  CHECK_STR(h->reason, "Internal Redirect");
  CHECK_STR(h->url, "http://www.a.test/hello?x#frag");
  CHECK(h->upgrade && h->upgrade->source == DT_HSTS_SOURCE_DYNAMIC &&
        strcmp(h->upgrade->entry, "a.test") == 0);
  int have_loc = 0, have_nar = 0;
  for (size_t i = 0; i < h->resp_header_count; i++) {
    if (!strcmp(h->resp_headers[i].name, "Location"))
      have_loc =
          !strcmp(h->resp_headers[i].value, "https://www.a.test/hello?x#frag");
    if (!strcmp(h->resp_headers[i].name, "Non-Authoritative-Reason"))
      have_nar = !strcmp(h->resp_headers[i].value, "HSTS");
  }
  CHECK(have_loc && have_nar);
  CHECK_STR(dt_chain_final_url(d.chain), "https://www.a.test/hello?x#frag");
  /* STS on a 301 to http: noted before the next hop, which is upgraded. */
  dt_chain_free(d.chain);
  d.chain = NULL;
  d.calls = 0;
  CHECK_INT(start(ctx, &d, "https://b.test/to-http"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), 0);
  CHECK_INT(dt_chain_hop_count(d.chain), 3);
  CHECK(dt_chain_hop(d.chain, 1)->synthetic);
  CHECK_STR(dt_chain_final_url(d.chain), "https://b.test/hello");
  dt_chain_free(d.chain);
  /* The same decision for a WebSocket client: ws → wss, port rule. */
  char *up = NULL;
  CHECK_INT(dt_ctx_hsts_upgrade(ctx, "ws://chat.a.test/s?x", &up), 1);
  CHECK_STR(up, "wss://chat.a.test/s?x");
  dt_free(up);
  CHECK_INT(dt_ctx_hsts_upgrade(ctx, "ws://a.test:8080/", &up), 1);
  CHECK_STR(up, "wss://a.test:8080/");
  dt_free(up);
  CHECK_INT(dt_ctx_hsts_upgrade(ctx, "http://a.test:80/", &up), 1);
  CHECK_STR(up, "https://a.test/");
  dt_free(up);
  CHECK_INT(dt_ctx_hsts_upgrade(ctx, "ws://c.test/", &up), 0);
  CHECK(up == NULL);
  CHECK_INT(dt_ctx_hsts_upgrade(ctx, "ws://[::1/", &up), DT_EURL);
  /* The plaintext sentinel. */
  CHECK_INT(dt_fixture_connections(fx, "http"), plain);
  close_ctx(&loop, ctx);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* Does the store file at PATH hold an entry line for HOST? */
static int file_has(const char *path, const char *host) {
  char want[300];
  snprintf(want, sizeof want, "h %s ", host);
  return dt_test_file_has_line(path, want);
}

static void on_tick(uv_timer_t *t) { (*(int *)t->data)++; }

/* Runs the loop for MS milliseconds of wall time (a referenced timer keeps
 * it up: the delayed save's own timer does not). */
static void run_for(uv_loop_t *loop, unsigned ms) {
  uv_timer_t t;
  int fired = 0;
  uv_timer_init(loop, &t);
  t.data = &fired;
  uv_timer_start(&t, on_tick, ms, 0);
  run_until(loop, &fired, 1);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* The store file: saved before the callback by default; with a delay,
 * once per delay, by dt_hsts_store_save, and by dt_ctx_close. */
static void hsts_save_timing(dt_fixture *fx) {
  char dir[] = "/tmp/dt-navsave-XXXXXX", path[64];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/hsts.txt", dir);
  uv_loop_t loop;
  uv_loop_init(&loop);
  /* Default: on disk when the callback runs. */
  dt_ctx *ctx = make_ctx_store(&loop, fx, NULL, path, 0);
  done d = {0};
  CHECK_INT(start(ctx, &d, "https://a.test/sts"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), 0);
  CHECK(file_has(path, "a.test"));
  dt_chain_free(d.chain);
  close_ctx(&loop, ctx);
  CHECK_INT(remove(path), 0);
  /* Delayed: nothing at the callback, the file after the delay. */
  ctx = make_ctx_store(&loop, fx, NULL, path, 300);
  d = (done){0};
  CHECK_INT(start(ctx, &d, "https://a.test/sts"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK_INT(dt_chain_error(d.chain), 0);
  CHECK(!file_has(path, "a.test"));
  run_for(&loop, 600);
  CHECK(file_has(path, "a.test"));
  /* Flush: at once. */
  dt_chain_free(d.chain);
  d = (done){0};
  CHECK_INT(start(ctx, &d, "https://b.test/sts"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK(!file_has(path, "b.test"));
  CHECK_INT(dt_hsts_store_save(dt_ctx_hsts_store(ctx), NULL), 0);
  CHECK(file_has(path, "b.test"));
  CHECK_INT(dt_hsts_store_save(dt_ctx_hsts_store(ctx), NULL),
            0); /* nothing left to save */
  /* Close: what is pending is saved. */
  dt_chain_free(d.chain);
  d = (done){0};
  CHECK_INT(start(ctx, &d, "https://www.a.test/sts"), 0);
  run_until(&loop, &d.calls, 1);
  CHECK(!file_has(path, "www.a.test"));
  dt_chain_free(d.chain);
  close_ctx(&loop, ctx);
  CHECK(file_has(path, "www.a.test"));
  CHECK_INT(uv_loop_close(&loop), 0);
  dt_test_rm_store(dir, path);
}

int main(void) {
  dt_fixture *fx;
  if (dt_fixture_start(scenario, &fx)) {
    fprintf(stderr, "cannot start the fixture\n");
    return 1;
  }
  concurrent_and_pool(fx);
  pool_bounded_in_all(fx);
  redirect_limit(fx, "chromium", 20);
  redirect_limit(fx, "fetch", 21);
  hsts_upgrade(fx);
  hsts_save_timing(fx);
  CHECK_INT(dt_fixture_stop(fx), 0);
  return dt_test_summary("test_navigate");
}
