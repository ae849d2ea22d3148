/* fuzz_decode_br.c — the br decoder (engine/net/coding.c) takes any
 * bytes: see decode_fuzz.h. */
#include "decode_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_decode(DT__CODING_BR, data, size);
}
