/* test_ctx_hsts.c — managing HSTS state through the public API: a
 * context's store (dt_ctx_hsts_store) and a store opened on its own (what
 * `detour hsts` does) — canonical hosts as a navigation sees them, the
 * profile's cap applied alike by both, refusals with a reason, the effect
 * on the upgrade decision, the store file kept in step, and the JSON of
 * entries and queries. No network: dt_ctx_hsts_upgrade decides without
 * traffic. */
#include "dt_test.h"

#include "detour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

static int64_t now_v = 1700000000000;
static int64_t fake_now(void *ud) { return *(int64_t *)ud; }

static char dir[] = "/tmp/dt-ctxhsts-XXXXXX", path[64];

#define ST(ctx) dt_ctx_hsts_store(ctx)

static int upgraded(dt_ctx *ctx, const char *url) {
  char *up = NULL;
  int rc = dt_ctx_hsts_upgrade(ctx, url, &up);
  dt_free(up);
  return rc;
}

typedef struct seen {
  char hosts[8][DT_MAX_HOST_BYTES + 1];
  int n;
} seen;
static int collect(const dt_hsts_entry *e, void *ud) {
  seen *s = ud;
  if (s->n < 8) memcpy(s->hosts[s->n++], e->host, sizeof e->host);
  return 0;
}
static int stop_at_first(const dt_hsts_entry *e, void *ud) {
  (void)e;
  (*(int *)ud)++;
  return 7;
}

static dt_ctx *make(uv_loop_t *loop, const char *profile) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = loop;
  o.clock.now_ms = fake_now;
  o.clock.user_data = &now_v;
  o.no_preload = 1;
  o.profile = profile;
  o.hsts_store_path = path;
  dt_ctx *ctx = NULL;
  CHECK_INT(dt_ctx_new(&ctx, &o), 0);
  return ctx;
}

/* Does the store file say HOST is known? (What it says, read as a load
 * reads it: a journal may hold an entry's line and its deletion after.) */
static int file_knows(const char *host) {
  dt_hsts_store *s = NULL;
  dt_hsts_entry e;
  dt_hsts_store_options o;
  dt_hsts_store_options_init(&o);
  o.clock.now_ms = fake_now;
  o.clock.user_data = &now_v;
  int k = dt_hsts_store_open(&s, path, &o, NULL) == 0 &&
          dt_hsts_store_get(s, host, &e);
  dt_hsts_store_free(s);
  return k;
}

static void on_closed(void *ud) { (*(int *)ud)++; }
static void close_ctx(uv_loop_t *loop, dt_ctx *ctx) {
  int closed = 0;
  dt_ctx_close(ctx, on_closed, &closed);
  while (!closed)
    uv_run(loop, UV_RUN_ONCE);
}

/* dt_ctx_options grows at its end: a caller built against an older header
 * passes the old size and gets the defaults for what it does not know (the
 * bytes past its size are never read); a size below the minimum is
 * refused. The caller's data slot is kept. */
static void options_versioning(uv_loop_t *loop) {
  dt_ctx_options o;
  memset(&o, 0xAB, sizeof o); /* what an older caller never wrote */
  dt_ctx_options_init(&o);
  memset((char *)&o + DT_CTX_OPTIONS_SIZE_MIN, 0xAB,
         sizeof o - DT_CTX_OPTIONS_SIZE_MIN);
  o.size = (uint32_t)DT_CTX_OPTIONS_SIZE_MIN;
  o.loop = loop;
  o.no_preload = 1;
  o.hsts_store_path = path;
  dt_ctx *ctx = NULL;
  CHECK_INT(dt_ctx_new(&ctx, &o), 0);
  /* hsts_save_delay_ms read as 0, not 0xABABABAB: saved at once. (And the
   * earlier "delete everything" range, capped at its now, does not wipe a
   * header noted after it: uncapped, [INT64_MIN, INT64_MAX] did.) */
  CHECK_INT(dt_hsts_store_add(ST(ctx), "v1.test", 60, 0, NULL), 0);
  CHECK(dt_test_file_has_line(path, "h v1.test "));
  CHECK(dt_ctx_data(ctx) == NULL); /* past the old size: the default */
  int mine = 5;
  dt_ctx_set_data(ctx, &mine);
  CHECK(dt_ctx_data(ctx) == &mine);
  close_ctx(loop, ctx);
  o.size = (uint32_t)DT_CTX_OPTIONS_SIZE_MIN - 1;
  CHECK_INT(dt_ctx_new(&ctx, &o), DT_EINVAL);
  o.size = sizeof o;
  o.data = &mine;
  o.hsts_save_delay_ms = 0;
  o.share = NULL;
  o.preload = NULL;
  o.limits = NULL;
  o.identity = DT_IDENTITY_BROWSER;
  o.no_https_upgrades = 0;
  o.user_data_dir = NULL;
  o.browser_version = 0;
  o.accept_language = NULL;
  o.no_redirect_cache = 0;
  o.no_cookies = 0;
  o.error = NULL;
  o.https_upgrades_wait_ms = 0;
  o.http_version = 7; /* no such version */
  CHECK_INT(dt_ctx_new(&ctx, &o), DT_EINVAL);
  o.http_version = DT_HTTP_1_1;
  CHECK_INT(dt_ctx_new(&ctx, &o), 0);
  CHECK(dt_ctx_data(ctx) == &mine);
  close_ctx(loop, ctx);
}

/* What `detour hsts add` does, a store opened on its own, agrees with the
 * context: the same cap for the same profile (chromium: one year), the
 * same refusals with a reason; and the query and its JSON. */
static void standalone_store(void) {
  dt_hsts_store_options so;
  dt_hsts_store_options_init(&so);
  so.clock.now_ms = fake_now;
  so.clock.user_data = &now_v;
  dt_hsts_store *st = NULL;
  dt_error err = {0};
  CHECK_INT(dt_hsts_store_open(&st, path, &so, &err), 0);
  CHECK_INT(dt_hsts_store_add(st, "ten.test", 10ull * 31536000, 1, &err), 0);
  dt_hsts_entry e;
  CHECK_INT(dt_hsts_store_get(st, "ten.test", &e), 1);
  CHECK_INT(e.expires_ms - e.observed_ms, 31536000000LL);
  CHECK_INT(dt_hsts_store_add(st, "10.0.0.1", 60, 0, &err), DT_EINVAL);
  CHECK(strstr(err.message, "IP literal") != NULL);
  CHECK_INT(dt_hsts_store_add(st, "x.localhost", 60, 0, &err), DT_EINVAL);
  CHECK(strstr(err.message, "localhost") != NULL);
  dt_hsts_match m;
  CHECK_INT(dt_hsts_store_query(st, "WWW.Ten.Test.", &m, &err), 1);
  CHECK_STR(m.host, "www.ten.test");
  CHECK_INT(m.reason, DT_HSTS_ANCESTOR);
  CHECK_STR(m.entry.host, "ten.test");
  char *js = dt_hsts_match_to_json(&m);
  CHECK(js && strstr(js, "\"reason\":\"ancestor\"") &&
        strstr(js, "\"host\":\"ten.test\""));
  dt_free(js);
  CHECK_INT(dt_hsts_store_query(st, "localhost", &m, &err), 0);
  CHECK_STR(m.reason_name, "ineligible-host");
  CHECK_INT(dt_hsts_store_query(st, "::1", &m, &err), DT_EURL);
  CHECK_INT(dt_hsts_store_save(st, &err), 0);
  CHECK(dt_test_file_has_line(path, "h ten.test i "));
  /* curl's format, as a string */
  char *curl = dt_hsts_store_export_curl(st);
  CHECK(curl && strstr(curl, ".ten.test \"") != NULL);
  dt_free(curl);
  size_t had = dt_hsts_store_count(st); /* ten.test and v1.test */
  CHECK_INT(had, 2);
  CHECK_INT(dt_hsts_store_clear(st), had);
  CHECK_INT(dt_hsts_store_count(st), 0);
  CHECK_INT(dt_hsts_store_save(st, &err), 0);
  dt_hsts_store_free(st);
  /* an unusable file is an error with the reason (never silently empty) */
  so.profile = "nope";
  CHECK_INT(dt_hsts_store_open(&st, path, &so, &err), DT_EINVAL);
  CHECK(strstr(err.message, "nope") != NULL);
  so.profile = NULL;
  CHECK_INT(dt_hsts_store_open(&st, dir, &so, &err), DT_ESTORE);
  CHECK(st == NULL && strstr(err.message, dir) != NULL);
}

int main(void) {
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/hsts.txt", dir);
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx *ctx = make(&loop, NULL);

  /* Add: canonical as a URL host (IDNA, case, trailing dot), saved at once;
   * the chromium cap (1 year) applies as to a header. */
  CHECK_INT(dt_hsts_store_add(ST(ctx),
                              "B\xc3\xbc"
                              "cher.Example.",
                              10ull * 31536000, 1, NULL),
            0);
  dt_hsts_entry e;
  CHECK_INT(dt_hsts_store_get(ST(ctx), "xn--bcher-kva.example", &e), 1);
  CHECK_STR(e.host, "xn--bcher-kva.example");
  CHECK_INT(e.include_subdomains, 1);
  CHECK_INT(e.expires_ms, now_v + 31536000000LL);
  CHECK_INT(e.observed_ms, now_v);
  CHECK(dt_test_file_has_line(path, "h xn--bcher-kva.example i "));
  CHECK_INT(upgraded(ctx, "http://www.b\xc3\xbc"
                          "cher.example/x"),
            1);
  CHECK_INT(dt_hsts_store_get(ST(ctx), "www.xn--bcher-kva.example", &e), 0);

  /* Refusals: IP literals and localhost are never HSTS hosts; a bad host;
   * max-age 0 (deleting is dt_hsts_store_delete). */
  CHECK_INT(dt_hsts_store_add(ST(ctx), "10.0.0.1", 60, 0, NULL), DT_EINVAL);
  CHECK_INT(dt_hsts_store_add(ST(ctx), "[::1]", 60, 0, NULL), DT_EINVAL);
  CHECK_INT(dt_hsts_store_add(ST(ctx), "app.localhost", 60, 0, NULL),
            DT_EINVAL);
  CHECK_INT(dt_hsts_store_add(ST(ctx), "a b.test", 60, 0, NULL), DT_EURL);
  CHECK_INT(dt_hsts_store_add(ST(ctx), "ok.test", 0, 0, NULL), DT_EINVAL);
  CHECK_INT(dt_hsts_store_add(ST(ctx), NULL, 60, 0, NULL), DT_EINVAL);

  /* Each: most recently used first; a callback's non-zero return stops. */
  now_v += 10;
  CHECK_INT(dt_hsts_store_add(ST(ctx), "a.test", 600, 0, NULL), 0);
  seen s = {0};
  CHECK_INT(dt_hsts_store_each(ST(ctx), collect, &s), 0);
  CHECK_INT(s.n, 2);
  CHECK_STR(s.hosts[0], "a.test");
  CHECK_STR(s.hosts[1], "xn--bcher-kva.example");
  int calls = 0;
  CHECK_INT(dt_hsts_store_each(ST(ctx), stop_at_first, &calls), 7);
  CHECK_INT(calls, 1);
  CHECK_INT(upgraded(ctx, "http://a.test/"), 1);
  CHECK_INT(upgraded(ctx, "http://x.a.test/"), 0); /* no includeSubDomains */

  /* Delete: the exact host only, and the file follows. */
  CHECK_INT(dt_hsts_store_delete(ST(ctx), "x.a.test"), 0);
  CHECK_INT(dt_hsts_store_delete(ST(ctx), "A.TEST."), 1);
  CHECK_INT(dt_hsts_store_delete(ST(ctx), "a.test"), 0);
  CHECK_INT(upgraded(ctx, "http://a.test/"), 0);
  CHECK(!file_knows("a.test"));
  CHECK(dt_test_file_has_line(path, "h xn--bcher-kva.example "));

  /* A time range: only what was observed in it. */
  now_v += 1000;
  CHECK_INT(dt_hsts_store_add(ST(ctx), "late.test", 600, 0, NULL), 0);
  CHECK_INT(dt_hsts_store_delete_observed_between(ST(ctx), now_v - 500, now_v),
            1);
  CHECK_INT(dt_hsts_store_get(ST(ctx), "late.test", &e), 0);
  CHECK_INT(dt_hsts_store_get(ST(ctx), "xn--bcher-kva.example", &e), 1);
  CHECK(!file_knows("late.test"));
  close_ctx(&loop, ctx);

  /* A new context reads it back; the fetch profile has no cap. (The
   * clock moves on: the range above covers entries observed up to and
   * including its end, docs/hsts-store-format.md.) */
  now_v += 1;
  ctx = make(&loop, "fetch");
  CHECK_INT(dt_hsts_store_get(ST(ctx), "xn--bcher-kva.example", &e), 1);
  CHECK_INT(dt_hsts_store_add(ST(ctx), "long.test", 10ull * 31536000, 0, NULL),
            0);
  CHECK_INT(dt_hsts_store_get(ST(ctx), "long.test", &e), 1);
  CHECK_INT(e.expires_ms, now_v + 10LL * 31536000000LL);
  CHECK_INT(
      dt_hsts_store_delete_observed_between(ST(ctx), INT64_MIN, INT64_MAX), 2);
  s.n = 0;
  CHECK_INT(dt_hsts_store_each(ST(ctx), collect, &s), 0);
  CHECK_INT(s.n, 0);
  close_ctx(&loop, ctx);
  now_v += 1; /* after the clear above (its range ends now, inclusive) */
  options_versioning(&loop);
  now_v += 1;
  standalone_store();
  CHECK_INT(uv_loop_close(&loop), 0);

  dt_test_rm_store(dir, path);
  return dt_test_summary("test_ctx_hsts");
}
