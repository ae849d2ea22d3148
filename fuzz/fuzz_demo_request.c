/* fuzz_demo_request.c — the request reader of `detour demo`'s site
 * (cli/demo_site.c): llhttp with bounded callbacks. Any bytes, split at any
 * point, must end as "need more", a complete request, or a refusal with a
 * status — never a write past the target buffer or a count past a limit.
 * The first byte picks the split point. */
#include "cli/demo_site.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0];
  data++;
  size--;
  if (split > size) split = size;
  static llhttp_settings_t settings;
  static int ready;
  if (!ready) {
    request_settings(&settings);
    ready = 1;
  }
  demo_conn *c = calloc(1, sizeof *c);
  if (!c) return 0;
  c->state = CS_READ;
  llhttp_init(&c->parser, HTTP_REQUEST, &settings);
  c->parser.data = c;
  llhttp_errno_t e = llhttp_execute(&c->parser, (const char *)data, split);
  if (e == HPE_OK && size > split)
    e = llhttp_execute(&c->parser, (const char *)data + split, size - split);
  /* The bounds the callbacks promise, whatever the outcome. */
  if (c->target_len > DEMO_SITE_MAX_TARGET ||
      c->body_bytes > DEMO_SITE_MAX_BODY ||
      c->nheaders > DEMO_SITE_MAX_HEADERS + 1 ||
      /* a refusal stops the parser (llhttp reports HPE_USER, or
       * HPE_CB_* for the *_complete callbacks) */
      (c->refuse && (e == HPE_OK || e == HPE_PAUSED)) ||
      (e == HPE_USER && !c->refuse))
    abort();
  free(c);
  return 0;
}
