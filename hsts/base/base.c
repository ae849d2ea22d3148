/* base.c — the pure-C base every layer shares: the one error table, the
 * limit defaults, the injectable clock and dt_free(). It lives in hsts/, the
 * lowest layer, because hsts/ may depend on libc only and engine/ sits above
 * it (layers point one way: ../docs/ARCHITECTURE.md). */
#include "detour.h"

#include <stdlib.h>
#include <time.h>

const char *dt_err_name(int err) {
  switch (err) {
  case DT_OK: return "OK";
#define DT__ERR_NAME(name, val, msg) \
  case DT_##name: return #name;
    DT_ERRNO_MAP(DT__ERR_NAME)
#undef DT__ERR_NAME
  default: return "UNKNOWN";
  }
}

const char *dt_strerror(int err) {
  switch (err) {
  case DT_OK: return "success";
#define DT__ERR_MSG(name, val, msg) \
  case DT_##name: return msg;
    DT_ERRNO_MAP(DT__ERR_MSG)
#undef DT__ERR_MSG
  default: return "unknown error";
  }
}

dt_err_class dt_err_class_of(int err) {
  if (err >= 0) return DT_CLASS_OK;
  /* The table groups codes by tens; see detour.h. */
  int tens = (-err) / 10;
  switch (tens) {
  case 0: return DT_CLASS_USAGE;
  case 1: return DT_CLASS_URL;
  case 2: return err == DT_EDNS ? DT_CLASS_DNS : DT_CLASS_CONNECT;
  case 3: return DT_CLASS_TLS;
  case 4: return DT_CLASS_HTTP;
  case 5: return err == DT_ELIMIT_URL ? DT_CLASS_URL : DT_CLASS_LIMIT;
  case 6: return DT_CLASS_TIMEOUT;
  case 7: return err == DT_EHSTS_CERT ? DT_CLASS_TLS : DT_CLASS_REDIRECT;
  case 8: return err == DT_EPARSE ? DT_CLASS_USAGE : DT_CLASS_IO;
  default: return DT_CLASS_USAGE;
  }
}

const char *dt_err_class_name(dt_err_class c) {
  switch (c) {
  case DT_CLASS_OK: return "ok";
  case DT_CLASS_USAGE: return "usage";
  case DT_CLASS_URL: return "url";
  case DT_CLASS_DNS: return "dns";
  case DT_CLASS_CONNECT: return "connect";
  case DT_CLASS_TLS: return "tls";
  case DT_CLASS_HTTP: return "http";
  case DT_CLASS_LIMIT: return "limit";
  case DT_CLASS_TIMEOUT: return "timeout";
  case DT_CLASS_REDIRECT: return "redirect";
  case DT_CLASS_IO: return "io";
  }
  return "unknown";
}

void dt_free(void *p) { free(p); }

void dt_limits_default(dt_limits *lim) {
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
}

int64_t dt_clock_now_ms(const dt_clock *clock) {
  if (clock && clock->now_ms) return clock->now_ms(clock->user_data);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
