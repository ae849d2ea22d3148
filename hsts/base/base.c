/* base.c — dt_free, the limit defaults and the injectable clock: what every
 * layer shares besides the error table (error.c). It lives in hsts/base/,
 * the lowest layer, because hsts/ may depend on libc only and engine/ sits
 * above it (docs/ARCHITECTURE.md). */
#include "detour.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void dt_free(void *p) { free(p); }

void dt_limits_default(dt_limits *lim) {
  if (!lim) return;
  memset(lim, 0, sizeof *lim);
  lim->size = sizeof *lim;
  lim->max_header_bytes = DT_DEFAULT_MAX_HEADER_BYTES;
  lim->max_header_count = DT_DEFAULT_MAX_HEADER_COUNT;
  lim->max_body_bytes = DT_DEFAULT_MAX_BODY_BYTES;
  lim->max_url_bytes = DT_DEFAULT_MAX_URL_BYTES;
  lim->max_request_body = DT_DEFAULT_MAX_REQUEST_BODY;
  lim->dns_timeout_ms = DT_DEFAULT_DNS_TIMEOUT_MS;
  lim->connect_timeout_ms = DT_DEFAULT_CONNECT_TIMEOUT_MS;
  lim->tls_timeout_ms = DT_DEFAULT_TLS_TIMEOUT_MS;
  lim->first_byte_timeout_ms = DT_DEFAULT_FIRST_BYTE_TIMEOUT_MS;
  lim->idle_timeout_ms = DT_DEFAULT_IDLE_TIMEOUT_MS;
  lim->total_timeout_ms = DT_DEFAULT_TOTAL_TIMEOUT_MS;
  lim->pool_idle_per_origin = DT_DEFAULT_POOL_IDLE_PER_ORIGIN;
  lim->pool_idle_ms = DT_DEFAULT_POOL_IDLE_MS;
  lim->hsts_max_entries = DT_DEFAULT_HSTS_MAX_ENTRIES;
  lim->pool_idle_max = DT_DEFAULT_POOL_IDLE_MAX;
}

int64_t dt_clock_now_ms(const dt_clock *clock) {
  if (clock && clock->now_ms) return clock->now_ms(clock->user_data);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
