/* time.c — see time.h. */
#include "hsts/base/time.h"

#include <stdio.h>
#include <string.h>

int64_t dt__days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void dt__civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int dt__civil_valid(int64_t y, int m, int d) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

void dt__civil_from_ms(int64_t ms, dt__civil *c) {
  int64_t secs = floor_div(ms, 1000);
  int64_t days = floor_div(secs, 86400);
  int64_t rem = secs - days * 86400;
  dt__civil_from_days(days, &c->year, &c->month, &c->day);
  c->hour = (int)(rem / 3600);
  c->minute = (int)(rem / 60 % 60);
  c->second = (int)(rem % 60);
}

int64_t dt__ms_from_civil(const dt__civil *c) {
  int64_t days = dt__days_from_civil(c->year, c->month, c->day);
  return ((days * 24 + c->hour) * 60 + c->minute) * 60000 +
         (int64_t)c->second * 1000;
}

int dt_date_parse(const char *s, int32_t *days) {
  if (!s || !days || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return DT_EINVAL;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return DT_EINVAL;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
          (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1970 || !dt__civil_valid(y, m, d)) return DT_EINVAL;
  *days = (int32_t)dt__days_from_civil(y, m, d);
  return 0;
}

void dt_date_format(int32_t days, char out[11]) {
  int64_t y;
  int m, d;
  dt__civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) y = 0;
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
           (unsigned)d % 100u);
}

void dt_time_format(int64_t unix_ms, char out[32]) {
  dt__civil c;
  dt__civil_from_ms(unix_ms, &c);
  if (c.year < 0 || c.year > 9999) { /* not representable in RFC 3339 */
    c.year = c.year < 0 ? 0 : 9999;
    c.month = c.year ? 12 : 1;
    c.day = c.year ? 31 : 1;
    c.hour = c.year ? 23 : 0;
    c.minute = c.second = c.year ? 59 : 0;
  }
  snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)c.year % 10000u,
           (unsigned)c.month % 100u, (unsigned)c.day % 100u,
           (unsigned)c.hour % 100u, (unsigned)c.minute % 100u,
           (unsigned)c.second % 100u);
}
