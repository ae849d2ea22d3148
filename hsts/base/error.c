/* error.c — the error table's lookups and dt__fail (error.h). */
#include "hsts/base/error.h"

#include <stdio.h>
#include <string.h>

const char *dt_err_name(int err) {
  switch (err) {
  case DT_OK: return "OK";
#define DT__ERR_NAME(name, val, cls, msg)                                      \
  case DT_##name: return #name;
    DT_ERRNO_MAP(DT__ERR_NAME)
#undef DT__ERR_NAME
  default: return "UNKNOWN";
  }
}

const char *dt_strerror(int err) {
  switch (err) {
  case DT_OK: return "success";
#define DT__ERR_MSG(name, val, cls, msg)                                       \
  case DT_##name: return msg;
    DT_ERRNO_MAP(DT__ERR_MSG)
#undef DT__ERR_MSG
  default: return "unknown error";
  }
}

dt_err_class dt_err_class_of(int err) {
  switch (err) {
#define DT__ERR_CLASS(name, val, cls, msg)                                     \
  case DT_##name: return DT_CLASS_##cls;
    DT_ERRNO_MAP(DT__ERR_CLASS)
#undef DT__ERR_CLASS
  default: return err >= 0 ? DT_CLASS_OK : DT_CLASS_USAGE;
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

void dt__error_clear(dt_error *err) {
  if (err) memset(err, 0, sizeof *err);
}

int dt__vfail(dt_error *err, int code, const char *fmt, va_list ap) {
  if (!err) return code;
  err->code = code;
  err->hint[0] = '\0'; /* a hint belongs to the failure it came with */
  if (fmt)
    vsnprintf(err->message, sizeof err->message, fmt, ap);
  else
    snprintf(err->message, sizeof err->message, "%s", dt_strerror(code));
  return code;
}

int dt__fail(dt_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dt__vfail(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int dt__fail_at(dt_error *err, int code, size_t line, size_t column,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dt__vfail(err, code, fmt, ap);
  va_end(ap);
  if (err) {
    err->line = line;
    err->column = column;
  }
  return code;
}

void dt__hint(dt_error *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->hint, sizeof err->hint, fmt, ap);
  va_end(ap);
}
