/* time.h — calendar arithmetic, once: days since 1970-01-01 to and from a
 * proleptic Gregorian date (H. Hinnant's days_from_civil / civil_from_days,
 * http://howardhinnant.github.io/date_algorithms.html), and the text forms
 * detour reads and writes. No timegm/gmtime: they are not C11 and not
 * thread-safe in all libcs. Pure C, libc only. Public halves are in
 * detour.h (dt_date_parse, dt_date_format, dt_time_format). */
#ifndef DT_BASE_TIME_H
#define DT_BASE_TIME_H

#include <stdint.h>

#include "detour.h"

typedef struct dt__civil {
  int64_t year;
  int month, day;           /* 1-12, 1-31 */
  int hour, minute, second; /* 0-23, 0-59, 0-59 */
} dt__civil;

int64_t dt__days_from_civil(int64_t y, int m, int d);
void dt__civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 1 when Y-M-D names a real day. */
int dt__civil_valid(int64_t y, int m, int d);
/* Unix ms ↔ broken-down UTC time (floor division: before 1970 works). */
void dt__civil_from_ms(int64_t unix_ms, dt__civil *c);
int64_t dt__ms_from_civil(const dt__civil *c);

#endif
