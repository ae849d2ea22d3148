/* fuzz_http2_session.c — an HTTP/2 client session must take any bytes a
 * server sends, split anywhere, with two streams open (a GET and a POST
 * with a body), and end every stream exactly once, within the limits and
 * without a leak. The first byte picks the split point and small limits;
 * the second picks the profile's shape. */
#include "engine/chain.h"
#include "engine/net/http2.h"
#include "engine/profile.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct one {
  dt_chain *chain;
  dt_hop *hop;
  dt__resp resp;
  int done;
} one;

static void on_done(void *ud, int err, const char *msg, int unprocessed) {
  (void)err;
  (void)msg;
  (void)unprocessed;
  one *o = ud;
  if (o->done++) abort(); /* a stream ends once */
}

static int discard(void *ud, const char *d, size_t n) {
  (void)ud;
  (void)d;
  (void)n;
  return 0;
}

static int open_one(dt__h2 *s, one *o, const dt_limits *lim, const char *method,
                    const char *body, size_t blen) {
  o->chain = dt__chain_new(method, "https://a.test/");
  o->hop = o->chain ? dt__chain_add_hop(o->chain) : NULL;
  if (!o->hop) return -1;
  dt__resp_init(&o->resp, o->chain, o->hop, lim);
  dt__req_fields f;
  if (dt__req_fields_build(&f, method, NULL, NULL, 0, blen)) return -1;
  dt__h2_request rq = {
      method, "https", "a.test", "/", &f, (const uint8_t *)body, blen};
  dt__h2_owner ow = {NULL, on_done, o};
  int32_t sid;
  char msg[128];
  return dt__h2_submit(s, o->chain, &rq, &o->resp, &ow, &sid, msg, sizeof msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  unsigned ctl = data[0];
  const dt__profile *p = dt__profile_at(data[1] % dt__profile_count());
  data += 2;
  size -= 2;
  dt_limits lim;
  dt_limits_default(&lim);
  if (ctl & 1) {
    lim.max_header_bytes = 256;
    lim.max_header_count = 4;
    lim.max_body_bytes = 16;
  }
  dt__h2 *s;
  if (dt__h2_new(&s, &p->h2, &lim, discard, NULL, NULL)) return 0;
  one a = {0}, b = {0};
  int ok = open_one(s, &a, &lim, "GET", NULL, 0) == 0 &&
           open_one(s, &b, &lim, "POST", "name=x", 6) == 0;
  if (ok && dt__h2_flush(s) == 0) {
    size_t cut = size ? (ctl >> 1) % (size + 1) : 0;
    if (dt__h2_feed(s, (const char *)data, cut) == 0)
      dt__h2_feed(s, (const char *)data + cut, size - cut);
    dt__h2_eof(s, DT_ECONNRESET, "end of input");
    if (!a.done || !b.done) abort(); /* every stream has ended */
    if (a.hop->body_kept > lim.max_body_bytes ||
        a.hop->resp_header_count > lim.max_header_count)
      abort();
  }
  dt__h2_free(s);
  dt__resp_free(&a.resp);
  dt__resp_free(&b.resp);
  dt_chain_free(a.chain);
  dt_chain_free(b.chain);
  return 0;
}
