/* fuzz_lookup_host.c — any bytes as the host of a lookup in the embedded
 * preload list (dt__preload_key_make's checks, the filter, the block scan)
 * must get an answer that holds together, without crashing or reading
 * outside the host:
 *  - "bad-host" exactly when dt__preload_key_make refuses the host;
 *  - a known host's deciding entry is the host or one of its ancestors;
 *  - ASCII case and one trailing dot change nothing (Chromium matches the
 *    lowered host; a trailing dot names the same host).
 * Links the whole library: the embedded blob lives in detour, not in
 * detour_hsts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/preload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dt__preload *g_list;

static void same(const dt__preload_match *a, int ka, const dt__preload_match *b,
                 int kb) {
  if (ka != kb || a->reason != b->reason ||
      a->include_subdomains != b->include_subdomains ||
      strcmp(a->name, b->name) != 0 || strcmp(a->cancelled, b->cancelled) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_list && dt__preload_open_default(&g_list) != 0) abort();
  if (size > 300) return 0;
  char host[302], upper[302];
  memcpy(host, data, size); /* exact copies: no NUL needed by the lookup */
  for (size_t i = 0; i < size; i++)
    upper[i] =
        host[i] >= 'a' && host[i] <= 'z' ? (char)(host[i] - 32) : host[i];
  host[size] = upper[size] = '.';
  dt__preload_key key;
  int bad = dt__preload_key_make(&key, host, size) != 0;
  for (int mode = 0; mode < 2; mode++) {
    dt__preload_match m, mu, md;
    int k = dt__preload_lookup(g_list, host, size, (dt__preload_mode)mode, &m);
    if (k != m.known || strlen(m.name) > DT_MAX_HOST_BYTES) abort();
    if (bad != (m.reason == DT__PRELOAD_R_BAD_HOST)) abort();
    if (k) { /* the entry is the host or an ancestor of it */
      size_t nl = strlen(m.name);
      if (nl > key.len ||
          memcmp(dt__preload_key_canon(&key) + key.len - nl, m.name, nl) != 0 ||
          (nl < key.len &&
           dt__preload_key_canon(&key)[key.len - nl - 1] != '.'))
        abort();
    }
    int ku =
        dt__preload_lookup(g_list, upper, size, (dt__preload_mode)mode, &mu);
    same(&m, k, &mu, ku);
    if (size == 0 || host[size - 1] != '.') {
      int kd = dt__preload_lookup(g_list, host, size + 1,
                                  (dt__preload_mode)mode, &md);
      same(&m, k, &md, kd);
    }
  }
  return 0;
}
