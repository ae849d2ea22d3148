/* error.h — the one way detour fails (internal): a DT_E* code from the
 * table in detour.h, and, where the caller asked for it, a dt_error with a
 * message that names the input, the cause and the fix. Every layer fails
 * through dt__fail; codes from libuv, Mbed TLS or llhttp are mapped where
 * those libraries are called and their own text goes into the message. */
#ifndef DT_BASE_ERROR_H
#define DT_BASE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "detour.h"

/* Records CODE and the printf-style message in ERR (may be NULL) and
 * returns CODE, so a failure is one statement: return dt__fail(err, ...). */
int dt__fail(dt_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The same for a parse error at LINE and COLUMN (1-based; 0: unknown). */
int dt__fail_at(dt_error *err, int code, size_t line, size_t column,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
int dt__vfail(dt_error *err, int code, const char *fmt, va_list ap);
/* Sets ERR's hint (after dt__fail, which clears it): what the caller most
 * likely meant or should do. ERR may be NULL. */
void dt__hint(dt_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Clears ERR (may be NULL). */
void dt__error_clear(dt_error *err);

#endif
