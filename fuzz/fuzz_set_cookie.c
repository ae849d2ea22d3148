/* fuzz_set_cookie.c — the Set-Cookie parser and the jar's storing rules
 * (engine/cookie/set_cookie.c, jar.c) take any field value: a cookie or a
 * named refusal, never a crash. The first byte picks the request's kind
 * (scheme, same-site, top-level, third-party, credentials); the rest is
 * fields separated by '\n', each set then looked up again. What is stored
 * obeys the bounds and the rules it was checked against. */
#include "engine/cookie/jar.h"
#include "engine/cookie/set_cookie.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const urls[] = {"https://sub.a.test/p/q",
                                   "http://sub.a.test/",
                                   "https://127.0.0.1/x",
                                   "http://test/",
                                   "https://www.example.co.uk/a/b/c",
                                   "http://[::1]/"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  unsigned k = data[0];
  dt_url *u = NULL;
  const char *us = urls[k % 6];
  if (dt_url_parse(&u, us, strlen(us), NULL)) abort();
  dt__cookie_req r = {0};
  r.url = u;
  r.method = k & 0x08 ? "POST" : "GET";
  r.secure = us[4] == 's';
  r.same_site = !!(k & 0x10);
  r.top_level = !!(k & 0x20);
  r.third_party = !!(k & 0x40);
  r.no_credentials = !!(k & 0x80);
  r.lax_by_default = 1;
  r.now_ms = 1800000000000LL;
  dt__cookie_jar *j = dt__jar_new();
  if (!j) abort();
  dt__jar_set_bounds(j, 8, 4); /* reach eviction quickly */
  const char *p = (const char *)data + 1, *end = (const char *)data + size;
  while (p <= end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    dt__set_cookie sc;
    dt__set_cookie_parse(p, (size_t)(e - p), &sc);
    dt__cookie_set_result res;
    if (dt__jar_set(j, &r, p, (size_t)(e - p), &res) == 0 &&
        res.outcome == DT__COOKIE_STORED) {
      /* what was stored was allowed */
      if (res.reason || (res.secure && !r.secure) || r.third_party ||
          r.no_credentials || strlen(res.path) > DT__JAR_MAX_PATH ||
          res.path[0] != '/')
        abort();
    }
    if (dt__jar_count(j) > 8) abort();
    dt__cookie_pick pk[16];
    size_t n = dt__jar_pick(j, &r, pk, 16);
    for (size_t i = 0; i < n && i < 16; i++)
      if (!pk[i].withheld && pk[i].c->secure && !r.secure) abort();
    p = e + 1;
  }
  dt__jar_free(j);
  dt_url_free(u);
  return 0;
}
