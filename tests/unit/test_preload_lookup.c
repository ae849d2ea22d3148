/* test_preload_lookup.c — matching rules as table rows (docs/decisions.md knob
 * 8, the host-form rules of "Settled for every profile"), the list's date
 * and the 70-day freshness rule against an injected clock. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dt_test.h"
#include "hsts/preload.h"

static const char *list =
    "// a small list covering each rule\n"
    "{\"entries\": [\n"
    "{\"name\": \"dev\", \"mode\": \"force-https\", \"include_subdomains\": "
    "true},\n"
    "{\"name\": \"foo\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"a.test\", \"mode\": \"force-https\", \"include_subdomains\": "
    "true},\n"
    "{\"name\": \"b.a.test\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"d.c.b.a.test\", \"mode\": \"force-https\", "
    "\"include_subdomains\": true},\n"
    "{\"name\": \"exact.test\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"x-y.test\", \"mode\": \"force-https\", "
    "\"include_subdomains\": true},\n"
    "{\"name\": \"pins.test\", \"pins\": \"google\"},\n"
    "{\"name\": \"sub.example.dev\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"1.0.0.1\", \"mode\": \"force-https\"}\n"
    "]}";

#define CH DT__PRELOAD_MOST_SPECIFIC
#define FX DT__PRELOAD_ANY_ANCESTOR

typedef struct row {
  const char *host;
  int mode;
  int known;
  dt__preload_reason reason;
  const char *name; /* entry reported ("" none) */
  int incsub;
  const char *cancelled;
} row;

#define R(r) DT__PRELOAD_R_##r
static const row rows[] = {
    /* Exact entries, with and without include_subdomains. */
    {"a.test", CH, 1, R(EXACT), "a.test", 1, ""},
    {"exact.test", CH, 1, R(EXACT), "exact.test", 0, ""},
    {"exact.test", FX, 1, R(EXACT), "exact.test", 0, ""},
    {"dev", CH, 1, R(EXACT), "dev", 1, ""},
    /* Subdomains. */
    {"www.a.test", CH, 1, R(ANCESTOR), "a.test", 1, ""},
    {"www.exact.test", CH, 0, R(ANCESTOR_NO_SUBDOMAINS), "exact.test", 0, ""},
    {"www.exact.test", FX, 0, R(ANCESTOR_NO_SUBDOMAINS), "exact.test", 0, ""},
    {"example.dev", CH, 1, R(ANCESTOR), "dev", 1, ""},
    {"x.y.z.example.dev", FX, 1, R(ANCESTOR), "dev", 1, ""},
    {"bar.foo", CH, 0, R(ANCESTOR_NO_SUBDOMAINS), "foo", 0, ""},
    /* Knob 8: b.a.test has no include_subdomains under a.test which has. */
    {"b.a.test", CH, 1, R(EXACT), "b.a.test", 0, ""},
    {"c.b.a.test", CH, 0, R(CANCELLED), "b.a.test", 0, "a.test"},
    {"c.b.a.test", FX, 1, R(ANCESTOR), "a.test", 1, ""},
    {"z.c.b.a.test", CH, 0, R(CANCELLED), "b.a.test", 0, "a.test"},
    /* ... and a deeper entry with include_subdomains decides again. */
    {"e.d.c.b.a.test", CH, 1, R(ANCESTOR), "d.c.b.a.test", 1, ""},
    {"e.d.c.b.a.test", FX, 1, R(ANCESTOR), "d.c.b.a.test", 1, ""},
    {"sub.example.dev", CH, 1, R(EXACT), "sub.example.dev", 0, ""},
    {"x.sub.example.dev", CH, 0, R(CANCELLED), "sub.example.dev", 0, "dev"},
    {"x.sub.example.dev", FX, 1, R(ANCESTOR), "dev", 1, ""},
    /* Host forms: case and trailing dots; xa.test never matches a.test. */
    {"WWW.A.Test", CH, 1, R(ANCESTOR), "a.test", 1, ""},
    {"a.test.", CH, 1, R(EXACT), "a.test", 1, ""},
    {"a.test...", FX, 1, R(EXACT), "a.test", 1, ""},
    {"xa.test", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"a.testx", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"x-y.test", CH, 1, R(EXACT), "x-y.test", 1, ""},
    {"x.test", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"test", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"pins.test", CH, 0, R(NO_ENTRY), "", 0, ""}, /* pin-only: not HSTS */
    {"1.0.0.1", CH, 1, R(EXACT), "1.0.0.1", 0, ""},
    /* Not names. */
    {"", CH, 0, R(BAD_HOST), "", 0, ""},
    {".", CH, 0, R(BAD_HOST), "", 0, ""},
    {".a.test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a..test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"[::1]", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a.test:443", CH, 0, R(BAD_HOST), "", 0, ""},
    {"1234567890123456789012345678901234567890123456789012345678901234.a.test",
     CH, 0, R(BAD_HOST), "", 0, ""},
};

static int64_t fixed_now(void *ud) { return *(int64_t *)ud; }

int main(void) {
  dt__preload_compile_opts o = {20605}; /* 2026-06-01 */
  unsigned char *blob = NULL;
  size_t n = 0;
  dt__preload_compile_stats st;
  dt__preload_error err;
  CHECK_INT(dt__preload_compile(list, strlen(list), &o, &blob, &n, &st, &err),
            0);
  CHECK_INT(st.compiled, 9);
  CHECK_INT(st.skipped_mode, 1);
  CHECK_INT(st.include_subdomains, 4);
  dt__preload *p = NULL;
  CHECK_INT(dt__preload_open_mem(&p, blob, n, 0, &err), 0);
  if (!p) return dt_test_summary("test_preload_lookup");

  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const row *r = &rows[i];
    dt__preload_match m;
    int k = dt__preload_lookup(p, r->host, strlen(r->host),
                               (dt__preload_mode)r->mode, &m);
    CHECK_(k == r->known && m.known == r->known && m.reason == r->reason &&
               strcmp(m.name, r->name) == 0 &&
               m.include_subdomains == r->incsub &&
               strcmp(m.cancelled, r->cancelled) == 0,
           "row %zu \"%s\" mode %d: got %d %s \"%s\" inc %d cancelled \"%s\"",
           i, r->host, r->mode, k, dt__preload_reason_name(m.reason), m.name,
           m.include_subdomains, m.cancelled);
  }
  /* Input need not be NUL-terminated: only len bytes are read. */
  CHECK_INT(dt__preload_lookup(p, "a.testXYZ", 6, CH, NULL), 1);
  dt__preload_match m;
  CHECK_INT(dt__preload_lookup(p, NULL, 5, CH, &m), 0);
  CHECK_INT(m.reason, R(BAD_HOST));
  /* No list: nothing is known. */
  CHECK_INT(dt__preload_lookup(NULL, "a.test", 6, CH, &m), 0);
  CHECK_INT(m.reason, R(NO_ENTRY));

  /* Info. */
  dt__preload_info info;
  dt__preload_get_info(p, &info);
  CHECK_INT(info.entries, 9);
  CHECK_INT(info.include_subdomains, 4);
  CHECK_INT(info.blob_bytes, n);
  CHECK_STR(info.list_date, "2026-06-01");
  CHECK_INT(strlen(info.checksum_hex), 16);

  /* Freshness (Chromium's 70 days): day 70 is fresh, day 71 stale. */
  int64_t now = (20605LL + 70) * 86400000LL + 3600000;
  dt_clock clk = {fixed_now, &now};
  CHECK_INT(dt__preload_age_days(p, &clk), 70);
  CHECK_INT(dt__preload_is_stale(p, &clk), 0);
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 0);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, NULL), 1);
  now += 86400000LL;
  CHECK_INT(dt__preload_is_stale(p, &clk), 1);
  /* Default: a stale list is reported and still enforced. */
  CHECK_INT(dt__preload_apply_stale_policy(p, 0, &clk), 1);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, &m), 1);
  /* The embedder's choice: disable it. */
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 1);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, &m), 0);
  CHECK_INT(m.reason, R(DISABLED_STALE));
  CHECK_STR(dt__preload_reason_name(m.reason), "disabled-stale");
  now = 20605LL * 86400000LL - 1; /* a clock before the list date */
  CHECK_INT(dt__preload_age_days(p, &clk), -1);
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 0);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, NULL), 1);

  dt__preload_free(p);
  free(blob);
  return dt_test_summary("test_preload_lookup");
}
