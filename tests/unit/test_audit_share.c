/* test_audit_share.c — what bulk audits share and what they keep apart
 * (engine/audit/audit.c; docs/audit.md "What bulk audits share"), against
 * the fixture server:
 *
 *  - dt_ctx_options.share_pool: a context takes and returns connections in
 *    another context's pool (the server sees one connection for two
 *    contexts) and routes with its --connect-to entries, while its memory
 *    stays its own (HSTS noted by one is unknown to the other); without
 *    share_pool, or with another profile, a context keeps its own pool; the
 *    owner's close completes only after its borrowers', a borrower whose
 *    owner is closing still navigates, and no context can start sharing
 *    with a closing one.
 *  - dt_audit: targets audited one after another find their browser's
 *    https connection in the browsers' shared pool (each browser used to
 *    open its own), and every target's browser references the caller's
 *    one preload handle (no list opened, no tables derived per target). */
#include "dt_test.h"
#include "fixture_proc.h"

#include "detour.h"
#include "engine/hsts/preload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char scenario[] =
    "route /sts\n  on https\n"
    "  header Strict-Transport-Security: max-age=600\n"
    "  body noted\\n\n"
    "route /hello\n  body hello\\n\n"
    /* the audited site: http -> https, a preloadable header on https */
    "route /\n  on http\n  status 301\n  header Location: https://a.test/\n"
    "route /\n  on https\n"
    "  header Strict-Transport-Security: max-age=63072000; "
    "includeSubDomains; preload\n"
    "  body ok\\n\n";

static char specs[4][128];
static const char *spec_ptrs[4];

static void make_specs(dt_fixture *fx) {
  const char *names[] = {"a.test", "www.a.test"};
  for (int i = 0; i < 2; i++) {
    snprintf(specs[2 * i], sizeof specs[0], "%s:80:127.0.0.1:%d", names[i],
             dt_fixture_port(fx, "http"));
    snprintf(specs[2 * i + 1], sizeof specs[0], "%s:443:127.0.0.1:%d", names[i],
             dt_fixture_port(fx, "https"));
  }
  for (int i = 0; i < 4; i++)
    spec_ptrs[i] = specs[i];
}

/* ---- contexts sharing a pool -------------------------------------------- */

/* ROUTES: add the fixture's --connect-to entries (a borrower without them
 * routes with its owner's). */
static dt_ctx *make_ctx(uv_loop_t *loop, dt_ctx *share, int share_pool,
                        const char *profile, int routes) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = loop;
  o.ca_file = dt_fixture_ca_file();
  o.profile = profile;
  o.no_preload = 1;
  o.share = share;
  o.share_pool = share_pool;
  dt_ctx *ctx = NULL;
  CHECK_INT(dt_ctx_new(&ctx, &o), 0);
  for (int i = 0; ctx && routes && i < 4; i++)
    CHECK_INT(dt_ctx_add_connect_to(ctx, spec_ptrs[i]), 0);
  return ctx;
}

typedef struct got {
  int calls;
  dt_chain *chain;
} got;

static void on_chain(dt_chain *chain, void *ud) {
  got *g = ud;
  g->calls++;
  dt_chain_free(g->chain);
  g->chain = chain;
}

/* Fetches URL through CTX to the end; the first hop's connection. */
static const dt_hop_connection *fetch(uv_loop_t *loop, dt_ctx *ctx, got *g,
                                      const char *url) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = url;
  int want = g->calls + 1;
  CHECK_INT(dt_fetch(ctx, &rq, on_chain, g, NULL), 0);
  while (g->calls < want)
    uv_run(loop, UV_RUN_ONCE);
  CHECK_INT(dt_chain_error(g->chain), 0);
  const dt_hop *h = dt_chain_hop(g->chain, 0);
  CHECK(h && h->status == 200 && h->conn);
  return h ? h->conn : NULL;
}

static void on_closed(void *ud) { (*(int *)ud)++; }

static void shared_pool(dt_fixture *fx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx *owner = make_ctx(&loop, NULL, 0, NULL, 1);
  dt_ctx *b1 = make_ctx(&loop, owner, 1, NULL, 1);  /* its own routes too */
  dt_ctx *b2 = make_ctx(&loop, owner, 1, NULL, 0);  /* the owner's routes */
  dt_ctx *own = make_ctx(&loop, owner, 0, NULL, 1); /* TLS only */
  dt_ctx *fox = make_ctx(&loop, owner, 1, "firefox", 0); /* other h2 */
  got g = {0};
  size_t base = dt_fixture_connections(fx, "https");

  /* b1 opens the connection (and notes HSTS for a.test in its store) */
  const dt_hop_connection *c = fetch(&loop, b1, &g, "https://a.test/sts");
  CHECK(c && !c->reused);
  uint64_t id = c ? c->id : 0;
  /* b2 takes it from the pool they share: one connection on the wire */
  c = fetch(&loop, b2, &g, "https://a.test/hello");
  CHECK(c && c->reused && c->id == id);
  CHECK_INT(dt_fixture_connections(fx, "https"), base + 1);
  /* ... while what each remembers stays its own */
  dt_hsts_match m;
  CHECK_INT(dt_hsts_store_query(dt_ctx_hsts_store(b1), "a.test", &m, NULL), 1);
  CHECK_INT(dt_hsts_store_query(dt_ctx_hsts_store(b2), "a.test", &m, NULL), 0);
  /* no share_pool, or another profile: a pool of its own */
  c = fetch(&loop, own, &g, "https://a.test/hello");
  CHECK(c && !c->reused);
  c = fetch(&loop, fox, &g, "https://a.test/hello");
  CHECK(c && !c->reused);
  CHECK_INT(dt_fixture_connections(fx, "https"), base + 3);

  /* The owner closes first: its close waits for the borrowers, and a
   * borrower still navigates meanwhile (a connection of its own). */
  int owner_closed = 0, closed = 0;
  dt_ctx_close(owner, on_closed, &owner_closed);
  for (int i = 0; i < 20; i++)
    uv_run(&loop, UV_RUN_NOWAIT);
  CHECK_INT(owner_closed, 0);
  c = fetch(&loop, b2, &g, "https://a.test/hello");
  CHECK(c && !c->reused);
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  o.share = b2; /* whose pool is the closing owner's */
  o.share_pool = 1;
  dt_error e = {0};
  o.error = &e;
  dt_ctx *late = NULL;
  CHECK_INT(dt_ctx_new(&late, &o), DT_EINVAL);
  CHECK(late == NULL && strstr(e.message, "closing"));
  dt_ctx_close(b1, on_closed, &closed);
  dt_ctx_close(own, on_closed, &closed);
  dt_ctx_close(fox, on_closed, &closed);
  while (closed < 3)
    uv_run(&loop, UV_RUN_ONCE);
  for (int i = 0; i < 20; i++)
    uv_run(&loop, UV_RUN_NOWAIT);
  CHECK_INT(owner_closed, 0); /* b2 still borrows */
  dt_ctx_close(b2, on_closed, &closed);
  while (owner_closed < 1 || closed < 4)
    uv_run(&loop, UV_RUN_ONCE);
  dt_chain_free(g.chain);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- the audit ---------------------------------------------------------- */

typedef struct audited {
  int calls;
  int reused[8];    /* the browser chain's https hop came from the pool */
  uint64_t id[8];   /* its connection */
  int clean[8];     /* no error and no warning */
  unsigned refs[8]; /* the preload handle's references when it came */
} audited;

static dt_preload *shared_list;

static void on_result(const dt_audit_result *r, void *ud) {
  audited *a = ud;
  int i = a->calls++;
  if (i >= 8) return;
  a->clean[i] = r->errors == 0 && r->warnings == 0 && r->error == 0;
  a->refs[i] = shared_list->refs;
  const dt_chain *b = r->chains[DT_AUDIT_CHAIN_BROWSER];
  for (size_t k = 0; b && k < dt_chain_hop_count(b); k++) {
    const dt_hop *h = dt_chain_hop(b, k);
    if (!h->synthetic && h->conn && strncmp(h->url, "https:", 6) == 0) {
      a->reused[i] = h->conn->reused;
      a->id[i] = h->conn->id;
      break;
    }
  }
}

static void audit_shares(dt_fixture *fx) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  CHECK_INT(dt_preload_open_embedded(&shared_list, NULL), 0);
  dt_ctx_options co;
  dt_ctx_options_init(&co);
  co.ca_file = dt_fixture_ca_file();
  co.preload = shared_list;
  dt_audit_options ao;
  dt_audit_options_init(&ao);
  ao.loop = &loop;
  ao.ctx = &co;
  ao.connect_to = spec_ptrs;
  ao.connect_to_count = 4;
  dt_audit *au = NULL;
  dt_error e = {0};
  CHECK_INT(dt_audit_new(&au, &ao, &e), 0);
  audited a;
  memset(&a, 0, sizeof a);
  dt_audit_target t;
  memset(&t, 0, sizeof t);
  t.target = "a.test";
  /* Three at once: each target's browser references the one handle (the
   * caller's reference + one per browser context), nothing opened anew. */
  for (int i = 0; i < 3; i++)
    CHECK_INT(dt_audit_run(au, &t, on_result, &a), 0);
  CHECK_INT(shared_list->refs, 1 + 3);
  while (a.calls < 3)
    uv_run(&loop, UV_RUN_ONCE);
  /* Then one at a time: each browser finds the https connection the one
   * before it left in the browsers' pool. */
  for (int i = 3; i < 6; i++) {
    CHECK_INT(dt_audit_run(au, &t, on_result, &a), 0);
    while (a.calls < i + 1)
      uv_run(&loop, UV_RUN_ONCE);
  }
  for (int i = 0; i < 6; i++)
    CHECK(a.clean[i]);
  for (int i = 4; i < 6; i++) {
    CHECK(a.reused[i]);
    CHECK(a.id[i] == a.id[3]);
  }
  /* a result comes once its browser context is gone: its reference too */
  CHECK(a.refs[5] == 1);
  int closed = 0;
  dt_audit_close(au, on_closed, &closed);
  while (!closed)
    uv_run(&loop, UV_RUN_ONCE);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(shared_list->refs, 1);
  dt_preload_free(shared_list);
  CHECK_INT(uv_loop_close(&loop), 0);
}

int main(void) {
  dt_fixture *fx = NULL;
  if (dt_fixture_start(scenario, &fx)) {
    fprintf(stderr, "test_audit_share: cannot start the fixture server\n");
    return 1;
  }
  make_specs(fx);
  shared_pool(fx);
  audit_shares(fx);
  CHECK_INT(dt_fixture_stop(fx), 0);
  return dt_test_summary("test_audit_share");
}
