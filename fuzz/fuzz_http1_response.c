/* fuzz_http1_response.c — the HTTP/1.1 response parser must accept or
 * reject any bytes, split anywhere, within its limits and without a leak.
 * The first byte picks the split point and the HEAD flag; small limits make
 * the header/body bounds reachable. */
#include "engine/chain.h"
#include "engine/net/http1.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned ctl = data[0];
  data++;
  size--;
  dt_limits lim;
  dt_limits_default(&lim);
  if (ctl & 1) {
    lim.max_header_bytes = 256;
    lim.max_header_count = 4;
    lim.max_body_bytes = 16;
  }
  dt_chain *chain = dt__chain_new("GET", "http://a.test/");
  dt_hop *hop = chain ? dt__chain_add_hop(chain) : NULL;
  if (!hop) {
    dt_chain_free(chain);
    return 0;
  }
  dt__resp resp;
  dt__resp_init(&resp, chain, hop, &lim);
  dt__http1 p;
  dt__http1_init(&p, &resp, (ctl & 2) != 0);
  size_t cut = size ? (ctl >> 2) % (size + 1) : 0;
  size_t used = 0;
  int rc = dt__http1_feed(&p, (const char *)data, cut, &used);
  if (rc == 0)
    rc = dt__http1_feed(&p, (const char *)data + cut, size - cut, &used);
  if (rc == 0) rc = dt__http1_eof(&p);
  if (rc == 1 && hop->body_kept > lim.max_body_bytes)
    abort(); /* the keep bound must hold */
  if (hop->resp_header_count > lim.max_header_count) abort();
  dt__http1_free(&p);
  dt__resp_free(&resp);
  dt_chain_free(chain);
  return 0;
}
