/* test_wire.c — what may be written into a request is checked in one place
 * (engine/net/wire.h; issue 18 part 1): the public checks name the value,
 * dt_ctx_new and dt_fetch refuse the same values before anything starts,
 * the HTTP/1.1 writer refuses them as the last guard, and every profile's
 * own field tables pass the same rules for every kind of hop. */
#include "engine/nav/identity.h"
#include "engine/net/http1.h"
#include "engine/net/request.h"
#include "engine/net/wire.h"
#include "engine/profile.h"

#include "dt_test.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

static void test_grammar(void) {
  CHECK(dt__wire_token("GET"));
  CHECK(dt__wire_token("X-Custom_1.2~!#$%&'*+^`|"));
  CHECK(!dt__wire_token(""));
  CHECK(!dt__wire_token("GE T"));
  CHECK(!dt__wire_token("X:A"));
  CHECK(!dt__wire_token("X(A)"));
  CHECK(!dt__wire_token("G\x01T"));
  CHECK(!dt__wire_token("\xc3\xa9"));
  CHECK(dt__wire_value(""));
  CHECK(dt__wire_value("a b\tc \x01 \xc3\xa9")); /* Chromium sends these */
  CHECK(!dt__wire_value("a\r\nX-Evil: 1"));
  CHECK(!dt__wire_value("a\rb"));
  CHECK(!dt__wire_value("a\nb"));
  CHECK(dt__wire_target("/a%20b?c=d"));
  CHECK(!dt__wire_target("/a b"));
  CHECK(!dt__wire_target("/a#f"));
  CHECK(!dt__wire_target("/a\r\n"));
  CHECK(!dt__wire_target(""));
}

static void test_public_checks(void) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  dt_error e = {0};
  CHECK_INT(dt_ctx_options_check(&o, &e), 0);
  o.user_agent = "x\r\nEvil: 1";
  CHECK_INT(dt_ctx_options_check(&o, &e), DT_EINVAL);
  CHECK(strstr(e.message, "User-Agent") != NULL);
  o.user_agent = "ok";
  o.accept_language = "en\n";
  CHECK_INT(dt_ctx_options_check(&o, &e), DT_EINVAL);
  CHECK(strstr(e.message, "Accept-Language") != NULL);

  dt_request r;
  dt_request_init(&r);
  r.url = "https://a.test/";
  CHECK_INT(dt_request_check(&r, &e), 0);
  r.method = "GE T";
  CHECK_INT(dt_request_check(&r, &e), DT_EINVAL);
  CHECK(strstr(e.message, "'GE T'") && strstr(e.message, "RFC 9110"));
  r.method = "POST";
  dt_header h[2] = {{"X-Ok", "fine"}, {"X Bad", "v"}};
  r.headers = h;
  r.header_count = 2;
  CHECK_INT(dt_request_check(&r, &e), DT_EINVAL);
  CHECK(strstr(e.message, "'X Bad'") != NULL);
  h[1].name = "X-Split";
  h[1].value = "v\r\nHost: evil.test";
  CHECK_INT(dt_request_check(&r, &e), DT_EINVAL);
  CHECK(strstr(e.message, "X-Split") != NULL);
  h[1].value = "v";
  CHECK_INT(dt_request_check(&r, &e), 0);
  r.url = NULL;
  CHECK_INT(dt_request_check(&r, &e), DT_EINVAL);
}

static int g_called;
static void on_chain(dt_chain *c, void *ud) {
  (void)ud;
  g_called++;
  dt_chain_free(c);
}

/* dt_ctx_new and dt_fetch refuse at set-up: DT_EINVAL, no callback, no
 * connection (the URL's port has nothing listening: a connection attempt
 * would show as a chain with ECONNECT). */
static void test_setup_refuses(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.loop = &loop;
  dt_ctx *ctx = NULL;
  o.user_agent = "detour\r\nX-Injected: 1";
  CHECK_INT(dt_ctx_new(&ctx, &o), DT_EINVAL);
  CHECK(ctx == NULL);
  o.user_agent = NULL;
  CHECK_INT(dt_ctx_new(&ctx, &o), 0);
  dt_request r;
  dt_request_init(&r);
  r.url = "http://127.0.0.1:2/";
  dt_header h[1] = {{"X-A", "1\r\n\r\nGET /smuggled HTTP/1.1"}};
  r.headers = h;
  r.header_count = 1;
  CHECK_INT(dt_fetch(ctx, &r, on_chain, NULL, NULL), DT_EINVAL);
  r.header_count = 0;
  r.method = "GET /x HTTP/1.1\r\nHost: evil";
  CHECK_INT(dt_fetch(ctx, &r, on_chain, NULL, NULL), DT_EINVAL);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g_called, 0);
  dt_ctx_close(ctx, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* The HTTP/1.1 writer is the last guard: given fields that bypassed the
 * checks, it writes nothing. */
static void test_writer_guard(void) {
  dt__req_fields f;
  memset(&f, 0, sizeof f);
  f.f[0].name = "X-A";
  f.f[0].value = "a\r\nX-Evil: 1";
  f.n = 1;
  char *out = NULL;
  size_t len = 0;
  CHECK_INT(dt__http1_write_request(NULL, NULL, "GET", "/", "a.test", &f, NULL,
                                    0, &out, &len),
            DT_EINVAL);
  CHECK(out == NULL);
  f.f[0].value = "a";
  CHECK_INT(dt__http1_write_request(NULL, NULL, "G T", "/", "a.test", &f, NULL,
                                    0, &out, &len),
            DT_EINVAL);
  CHECK_INT(dt__http1_write_request(NULL, NULL, "GET", "/ x", "a.test", &f,
                                    NULL, 0, &out, &len),
            DT_EINVAL);
  CHECK_INT(dt__http1_write_request(NULL, NULL, "GET", "/", "a.test\r\nX: y",
                                    &f, NULL, 0, &out, &len),
            DT_EINVAL);
  CHECK(out == NULL);
}

/* Profile data reaches the wire too: every profile's table, every kind of
 * hop, http and https, passes the same rules. */
static void test_profile_tables(void) {
  const char *urls[] = {"http://a.test/p", "https://a.test/p"};
  size_t checked = 0;
  for (size_t p = 0; p < dt_profile_count(); p++) {
    const dt__profile *prof = dt__profile_find(dt_profile_name(p));
    CHECK(prof != NULL);
    if (!prof) continue;
    for (int k = DT__KIND_FIRST; k < DT__KIND_COUNT; k++) {
      for (int s = 0; s < 2; s++) {
        dt_url *u = NULL, *ini = NULL;
        CHECK_INT(dt_url_parse(&u, urls[s], strlen(urls[s]), NULL), 0);
        CHECK_INT(dt_url_parse(&ini, "https://b.test/", 15, NULL), 0);
        dt__identity_nav nav;
        memset(&nav, 0, sizeof nav);
        nav.profile = prof;
        nav.initiator = (k == DT__KIND_FIRST) ? NULL : ini;
        nav.mode = k == DT__KIND_API ? DT_MODE_CORS : DT_MODE_DEFAULT;
        dt__identity_out o;
        int post = k == DT__KIND_FORM;
        int rc =
            dt__identity_fields(&nav, (dt__hop_kind)k, u, post ? "POST" : "GET",
                                post, post ? 3 : 0, NULL, 0, &o);
        CHECK_(rc == 0, "profile %s kind %d: %d", dt_profile_name(p), k, rc);
        for (size_t i = 0; rc == 0 && i < o.n; i++) {
          CHECK_(dt__wire_token(o.f[i].name), "%s: name '%s'",
                 dt_profile_name(p), o.f[i].name);
          CHECK_(dt__wire_value(o.f[i].value), "%s: %s's value",
                 dt_profile_name(p), o.f[i].name);
          checked++;
        }
        dt_url_free(u);
        dt_url_free(ini);
      }
    }
  }
  CHECK(checked > 50);
}

int main(void) {
  test_grammar();
  test_public_checks();
  test_setup_refuses();
  test_writer_guard();
  test_profile_tables();
  return dt_test_summary("test_wire");
}
