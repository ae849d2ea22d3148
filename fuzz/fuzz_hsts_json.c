/* fuzz_hsts_json.c — the JSON reader must reject or accept any bytes
 * without crashing, and an accepted tree must be walkable. */
#include "hsts/base/json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const dt__json *v, int depth) {
  size_t n = 1;
  size_t len;
  (void)dt__json_string(v, &len);
  (void)dt__json_key(v, &len);
  if (depth > DT_JSON_MAX_DEPTH + 1) abort(); /* the bound must hold */
  for (const dt__json *c = dt__json_first(v); c; c = dt__json_next(c))
    n += walk(c, depth + 1);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (unsigned flags = 0; flags <= DT_JSON_ALLOW_COMMENTS; flags++) {
    dt__json_doc *d = NULL;
    dt__json_error e;
    if (dt__json_parse(&d, (const char *)data, size, flags, &e) == 0) {
      walk(dt__json_root(d), 0);
      dt__json_free(d);
    }
  }
  return 0;
}
