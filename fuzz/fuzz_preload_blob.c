/* fuzz_preload_blob.c — the blob loader must refuse or accept any bytes
 * without crashing, and every lookup on a blob that opened must be safe.
 * The first input byte selects how: bit 0 → the checksum is recomputed
 * first (so the fuzzer reaches the structure checks behind it), bit 1 →
 * opened trusted (as the embedded blob is). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/preload.h"
#include "hsts/preload_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {"a.test",
                                    "www.a.test",
                                    "b.a.test",
                                    "x.b.a.test",
                                    "dev",
                                    "example.dev",
                                    "c.test",
                                    "WWW.Example.COM.",
                                    "1.0.0.1",
                                    "a..b",
                                    "",
                                    "zz",
                                    "e.d.c.b.a.test",
                                    "0xaa55.me",
                                    "x.chart.apis.google.com",
                                    "pins.test"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  unsigned mode = data[0];
  size_t n = size - 1;
  uint8_t *b = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
  if (!b) return 0;
  memcpy(b, data + 1, n);
  if ((mode & 1) && n >= DT__PRELOAD_HDR_SIZE) {
    uint64_t c = dt__preload_blob_checksum(b, n);
    for (int i = 0; i < 8; i++)
      b[DT__PRELOAD_OFF_CHECKSUM + i] = (uint8_t)(c >> (8 * i));
  }
  dt__preload *p = NULL;
  dt__preload_error err;
  if (dt__preload_open_mem(&p, b, n, (mode & 2) ? DT__PRELOAD_TRUSTED : 0,
                           &err) == 0) {
    dt__preload_info info;
    dt__preload_get_info(p, &info);
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++)
      for (int m = 0; m < 2; m++) {
        dt__preload_match r;
        int k = dt__preload_lookup(p, hosts[i], strlen(hosts[i]),
                                   (dt__preload_mode)m, &r);
        if (k != r.known || strlen(r.name) > DT_MAX_HOST_BYTES) abort();
      }
    dt__preload_free(p);
  } else if (memchr(err.msg, '\0', sizeof err.msg) == NULL ||
             err.msg[0] == '\0') {
    abort(); /* every refusal carries a message */
  }
  free(b);
  return 0;
}
