/* libFuzzer target: the fixture server's scenario parser and route matcher
 * (tests/fixture/scenario.c, TEST ONLY code, pure C). Any input must parse
 * or fail with a message, never crash or leak; a parsed scenario must stay
 * consistent (every route's headers inside the header table). */
#include <stdint.h>
#include <string.h>

#include "../tests/fixture/scenario.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fx_scenario sc;
  char err[256];
  if (fx_scenario_parse(&sc, (const char *)data, size, err, sizeof err) != 0) {
    if (strncmp(err, "line ", 5) != 0)
      __builtin_trap(); /* errors name a line */
    fx_scenario_free(&sc);
    return 0;
  }
  for (size_t i = 0; i < sc.nroutes; i++) {
    const fx_route *r = &sc.routes[i];
    if (r->first_header + r->nheaders > sc.nheaders) __builtin_trap();
    /* Each route's own path must be matched by some route (itself or earlier).
     */
    const char *h = r->host.p;
    if (!fx_scenario_match(&sc, r->listener.p, h, h ? r->host.len : 0,
                           r->method.p ? r->method.p : "GET", r->path.p,
                           r->path.len, NULL) &&
        !memchr(r->path.p, '\0', r->path.len) &&
        !memchr(r->path.p, '?', r->path.len) &&
        !(h && memchr(h, ':', r->host.len)) &&
        !(h && r->host.len && h[r->host.len - 1] == '.') &&
        !(h && memchr(h, ']', r->host.len)))
      __builtin_trap();
  }
  /* And arbitrary requests against it. */
  size_t half = size / 2;
  fx_scenario_match(&sc, "http", (const char *)data, half, "GET",
                    (const char *)data + half, size - half, NULL);
  fx_scenario_free(&sc);
  return 0;
}
