/* fuzz_tls_san.c — the iPAddress SAN walk reads certificate extension DER
 * (a server's bytes, though Mbed TLS parsed them first): any bytes must be
 * walked within bounds. The first byte picks a 4- or 16-byte address. */
#include "engine/net/tls.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const unsigned char ip4[4] = {127, 0, 0, 1};
  static const unsigned char ip6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0, 0, 0, 0, 0, 1};
  if (size < 1) return 0;
  int v6 = data[0] & 1;
  dt__tls_san_has_ip(data + 1, size - 1, v6 ? ip6 : ip4, v6 ? 16 : 4);
  return 0;
}
