/* test_audit_stream.c — dt_audit_run_stream's "not now" (detour.h): a
 * source that returns -1 is asked again after the next result, so a caller
 * that holds results to print them in its own order (audit --ordered)
 * bounds what is in flight; -1 with nothing in flight ends the stream, as 0
 * does. And the audit's text styled or plain (dt_audit_result_to_text_ex):
 * colour is escape bytes only when asked. No network: the targets are IP
 * addresses, which the domain checks judge before any navigation. */
#include "dt_test.h"

#include "detour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct src {
  int n, given, delivered, ended, max_out, asked_later;
  int room;  /* results allowed in flight at once: -1 past it */
  int never; /* always "not now" */
  char texts[2][4096];
} src;

static int next(dt_audit_target *t, void *ud) {
  src *s = ud;
  if (s->never) return -1;
  if (s->given == s->n) return 0;
  if (s->given - s->delivered >= s->room) return -1;
  if (s->delivered > 0 && s->given == s->delivered) s->asked_later++;
  static char names[16][32];
  snprintf(names[s->given % 16], sizeof names[0], "10.0.0.%d", s->given + 1);
  t->target = names[s->given % 16];
  t->tag = (uint64_t)s->given++;
  return 1;
}

static void on_result(const dt_audit_result *r, void *ud) {
  src *s = ud;
  if (!r) {
    s->ended++;
    return;
  }
  CHECK_INT(r->tag, s->delivered); /* one at a time: in order */
  CHECK_INT(r->errors, 1);         /* domain.format.is_ip_address */
  if (s->given - s->delivered > s->max_out)
    s->max_out = s->given - s->delivered;
  s->delivered++;
}

static dt_audit *make(uv_loop_t *loop) {
  dt_ctx_options co;
  dt_ctx_options_init(&co);
  co.no_preload = 1;
  dt_audit_options ao;
  dt_audit_options_init(&ao);
  ao.loop = loop;
  ao.ctx = &co;
  ao.concurrency = 8;
  dt_audit *au = NULL;
  dt_error e = {0};
  CHECK_INT(dt_audit_new(&au, &ao, &e), 0);
  return au;
}

static void closed(void *ud) { (*(int *)ud)++; }

static void finish(uv_loop_t *loop, dt_audit *au) {
  int done = 0;
  dt_audit_close(au, closed, &done);
  while (!done)
    uv_run(loop, UV_RUN_ONCE);
  uv_run(loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(loop), 0);
}

static void not_now(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_audit *au = make(&loop);
  src s;
  memset(&s, 0, sizeof s);
  s.n = 6;
  s.room = 1; /* the window is 8; the caller allows one */
  CHECK_INT(dt_audit_run_stream(au, next, on_result, &s), 0);
  while (!s.ended)
    uv_run(&loop, UV_RUN_ONCE);
  CHECK_INT(s.delivered, 6);
  CHECK_INT(s.max_out, 1);
  CHECK_INT(s.asked_later, 5); /* asked again after each result */
  CHECK_INT(s.ended, 1);
  finish(&loop, au);
}

static void never_with_nothing_in_flight(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_audit *au = make(&loop);
  src s;
  memset(&s, 0, sizeof s);
  s.never = 1;
  CHECK_INT(dt_audit_run_stream(au, next, on_result, &s), 0);
  CHECK_INT(s.ended, 0); /* from the loop, never inside the call */
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(s.ended, 1);
  CHECK_INT(s.delivered, 0);
  finish(&loop, au);
}

static void on_text(const dt_audit_result *r, void *ud) {
  src *s = ud;
  dt_text_options o;
  dt_text_options_init(&o);
  char *plain = dt_audit_result_to_text(r);
  char *same = dt_audit_result_to_text_ex(r, &o);
  o.color = 1;
  char *styled = dt_audit_result_to_text_ex(r, &o);
  CHECK(plain && same && styled);
  if (plain && same && styled) {
    CHECK_STR(plain, same);
    CHECK(!strchr(plain, '\033'));
    /* the error's code in the error style, closed by the reset */
    char want[256];
    snprintf(want, sizeof want, "%sdomain.format.is_ip_address%s",
             dt_text_style_sgr(DT_STYLE_ERROR),
             dt_text_style_sgr(DT_STYLE_RESET));
    CHECK(strstr(styled, want) != NULL);
    /* the same words once the styles are taken out */
    char bare[4096];
    size_t k = 0;
    for (const char *p = styled; *p && k + 1 < sizeof bare; p++) {
      if (*p == '\033') {
        while (*p && *p != 'm')
          p++;
        continue;
      }
      bare[k++] = *p;
    }
    bare[k] = 0;
    CHECK_STR(bare, plain);
  }
  dt_free(plain);
  dt_free(same);
  dt_free(styled);
  s->delivered++;
}

static void styled_text(void) {
  CHECK_STR(dt_text_style_sgr(DT_STYLE_RESET), "\033[0m");
  CHECK_STR(dt_text_style_sgr((dt_text_style)99), "");
  for (int i = DT_STYLE_ERROR; i <= DT_STYLE_HEADING; i++)
    CHECK(strncmp(dt_text_style_sgr((dt_text_style)i), "\033[", 2) == 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_audit *au = make(&loop);
  src s;
  memset(&s, 0, sizeof s);
  dt_audit_target t;
  memset(&t, 0, sizeof t);
  t.target = "127.0.0.1";
  CHECK_INT(dt_audit_run(au, &t, on_text, &s), 0);
  while (!s.delivered)
    uv_run(&loop, UV_RUN_ONCE);
  finish(&loop, au);
}

/* An embedder's concurrency is bounded as the CLI's is: over the limit is
 * refused with the number named, at the limit is accepted. */
static void concurrency_bounded(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx_options co;
  dt_ctx_options_init(&co);
  co.no_preload = 1;
  dt_audit_options ao;
  dt_audit_options_init(&ao);
  ao.loop = &loop;
  ao.ctx = &co;
  ao.concurrency = DT_AUDIT_MAX_CONCURRENCY + 1;
  dt_audit *au = NULL;
  dt_error e = {0};
  CHECK_INT(dt_audit_new(&au, &ao, &e), DT_EINVAL);
  CHECK(au == NULL);
  CHECK(strstr(e.message, "1025") != NULL);
  ao.concurrency = DT_AUDIT_MAX_CONCURRENCY;
  CHECK_INT(dt_audit_new(&au, &ao, &e), 0);
  finish(&loop, au);
}

int main(void) {
  concurrency_bounded();
  not_now();
  never_with_nothing_in_flight();
  styled_text();
  return dt_test_summary("test_audit_stream");
}
