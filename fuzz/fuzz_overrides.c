/* fuzz_overrides.c — the --resolve and --connect-to spec parsers take
 * anything a user types: accept or refuse, never overrun. The first byte
 * picks the parser; the rest is the spec (NUL-terminated copy). A lookup
 * through whatever was accepted exercises the matching too. */
#include "engine/net/overrides.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  char *spec = malloc(size);
  if (!spec) return 0;
  memcpy(spec, data + 1, size - 1);
  spec[size - 1] = 0;
  dt__overrides *o = calloc(1, sizeof *o);
  if (o) {
    if (data[0] & 1)
      dt__overrides_add_connect_to(o, spec);
    else
      dt__overrides_add_resolve(o, spec);
    char host[300];
    int port = 0;
    dt__overrides_connect_to(o, "a.test", 443, host, sizeof host, &port);
    dt__overrides_resolve(o, "a.test", 443);
    free(o);
  }
  free(spec);
  return 0;
}
