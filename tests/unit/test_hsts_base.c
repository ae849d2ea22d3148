/* test_hsts_base.c — the error table, limits and clock (hsts/base/base.c). */
#include "detour.h"
#include "dt_test.h"

static int64_t fixed_clock(void *ud) { return *(int64_t *)ud; }

int main(void) {
  /* Every code has a distinct name and a message, and a class. */
  static const int codes[] = {
#define X(name, val, msg) DT_##name,
      DT_ERRNO_MAP(X)
#undef X
  };
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    CHECK(strcmp(dt_err_name(codes[i]), "UNKNOWN") != 0);
    CHECK(strcmp(dt_strerror(codes[i]), "unknown error") != 0);
    CHECK(dt_err_class_of(codes[i]) != DT_CLASS_OK);
    for (size_t j = i + 1; j < n; j++) CHECK(codes[i] != codes[j]);
  }
  CHECK_STR(dt_err_name(DT_EDNS), "EDNS");
  CHECK_STR(dt_err_name(-9999), "UNKNOWN");
  CHECK_INT(dt_err_class_of(DT_EDNS), DT_CLASS_DNS);
  CHECK_INT(dt_err_class_of(DT_ECONNECT), DT_CLASS_CONNECT);
  CHECK_INT(dt_err_class_of(DT_ECERT_NAME), DT_CLASS_TLS);
  CHECK_INT(dt_err_class_of(DT_EHSTS_CERT), DT_CLASS_TLS);
  CHECK_INT(dt_err_class_of(DT_ELIMIT_URL), DT_CLASS_URL);
  CHECK_INT(dt_err_class_of(DT_ELIMIT_HEADER_BYTES), DT_CLASS_LIMIT);
  CHECK_INT(dt_err_class_of(DT_ETIMEOUT_IDLE), DT_CLASS_TIMEOUT);
  CHECK_INT(dt_err_class_of(DT_EPARSE), DT_CLASS_USAGE);
  CHECK_INT(dt_err_class_of(DT_ESTORE), DT_CLASS_IO);

  dt_limits lim;
  dt_limits_default(&lim);
  CHECK_INT(lim.max_header_bytes, 65536);
  CHECK_INT(lim.max_header_count, 100);
  CHECK_INT(lim.max_body_bytes, 16 * 1024 * 1024);
  CHECK_INT(lim.hsts_max_entries, 100000);

  int64_t t = 1700000000123;
  dt_clock c = {fixed_clock, &t};
  CHECK_INT(dt_clock_now_ms(&c), 1700000000123);
  CHECK(dt_clock_now_ms(NULL) > 1600000000000LL);
  return dt_test_summary("test_hsts_base");
}
