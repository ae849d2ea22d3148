/* fuzz_preload_compile.c — the compiler must compile or refuse any input
 * (with a line and a message) without crashing or leaking; a blob it
 * produces must open untrusted and agree with itself on lookups of every
 * name it was built from is not checked here (test_preload_agree does
 * that); here: it opens, and lookups are safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/preload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {
    "a.test", "www.a.test", "b.a.test",
    "dev",    "x.dev",      "A.TEST.",
    "",       "q",          "x.chart.apis.google.com"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20)) return 0;
  dt__preload_compile_opts o = {20605};
  unsigned char *blob = NULL;
  size_t blen = 0;
  dt__preload_compile_stats st;
  dt__preload_error err;
  int rc = dt__preload_compile((const char *)data, size, &o, &blob, &blen, &st,
                               &err);
  if (rc == 0) {
    dt__preload *p = NULL;
    if (dt__preload_open_mem(&p, blob, blen, 0, &err) != 0)
      abort(); /* the compiler wrote a blob its own loader refuses */
    dt__preload_info info;
    dt__preload_get_info(p, &info);
    if (info.entries != st.compiled || info.overrides != st.overrides) abort();
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++)
      for (int m = 0; m < 2; m++)
        dt__preload_lookup(p, hosts[i], strlen(hosts[i]), (dt__preload_mode)m,
                           NULL);
    dt__preload_free(p);
    free(blob);
  } else if (rc == DT_EPARSE && err.msg[0] == '\0') {
    abort(); /* every refusal carries a message */
  }
  return 0;
}
