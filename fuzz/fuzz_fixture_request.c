/* libFuzzer target: the fixture server's HTTP/1.1 request reader
 * (tests/fixture/request.c, TEST ONLY code). Whole-buffer and byte-by-byte
 * feeding must reach the same state: partial reads are the normal path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/fixture/request.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fx_request a, b; /* 70 KiB each: keep them off the stack */
  fx_request_reset(&a);
  fx_request_reset(&b);
  size_t used_a = fx_request_feed(&a, (const char *)data, size);
  size_t used_b = 0;
  while (used_b < size && b.state != FX_RQ_DONE && b.state != FX_RQ_ERROR)
    used_b += fx_request_feed(&b, (const char *)data + used_b, 1);
  if (used_a > size || a.state != b.state || used_a != used_b) __builtin_trap();
  if (a.state == FX_RQ_DONE &&
      (a.body_bytes != b.body_bytes || a.nheaders != b.nheaders))
    __builtin_trap();
  if (a.body_kept > sizeof a.body || a.nheaders > FX_MAX_REQ_HEADERS)
    __builtin_trap();
  return 0;
}
