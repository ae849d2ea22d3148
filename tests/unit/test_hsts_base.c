/* test_hsts_base.c — the kit every layer shares (hsts/base/): the error
 * table and dt__fail, limits and clock, dates and times, the bounded
 * buffer, ASCII case, header lookup, the file reader and the host
 * canonicaliser, the record-line file shape. Linked with hsts/ alone: the kit
 * needs libc only. */
#include "detour.h"
#include "dt_test.h"

#include "hsts/base/ascii.h"
#include "hsts/base/buf.h"
#include "hsts/base/error.h"
#include "hsts/base/file.h"
#include "hsts/base/headers.h"
#include "hsts/base/host.h"
#include "hsts/base/safefile.h"
#include "hsts/base/time.h"

#include <stdlib.h>
#include <sys/stat.h>

static int64_t fixed_clock(void *ud) { return *(int64_t *)ud; }

static void errors(void) {
  /* Every code has a distinct name, a message and a class (the table's
   * column, not arithmetic on the value). */
  static const struct {
    int code;
    dt_err_class cls;
  } codes[] = {
#define X(name, val, cls, msg) {DT_##name, DT_CLASS_##cls},
      DT_ERRNO_MAP(X)
#undef X
  };
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    CHECK(strcmp(dt_err_name(codes[i].code), "UNKNOWN") != 0);
    CHECK(strcmp(dt_strerror(codes[i].code), "unknown error") != 0);
    CHECK_INT(dt_err_class_of(codes[i].code), codes[i].cls);
    CHECK(strcmp(dt_err_class_name(codes[i].cls), "unknown") != 0);
    for (size_t j = i + 1; j < n; j++)
      CHECK(codes[i].code != codes[j].code);
  }
  CHECK_STR(dt_err_name(DT_EDNS), "EDNS");
  CHECK_STR(dt_err_name(-9999), "UNKNOWN");
  CHECK_INT(dt_err_class_of(-9999), DT_CLASS_USAGE);
  CHECK_INT(dt_err_class_of(0), DT_CLASS_OK);
  CHECK_INT(dt_err_class_of(DT_EDNS), DT_CLASS_DNS);
  CHECK_INT(dt_err_class_of(DT_EHSTS_CERT), DT_CLASS_TLS);
  CHECK_INT(dt_err_class_of(DT_ELIMIT_URL), DT_CLASS_URL);
  CHECK_INT(dt_err_class_of(DT_ELIMIT_BODY_BYTES), DT_CLASS_LIMIT);
  CHECK_INT(dt_err_class_of(DT_EPARSE), DT_CLASS_USAGE);
  CHECK_INT(dt_err_class_of(DT_ESTORE), DT_CLASS_IO);

  dt_error e;
  memset(&e, 0xAB, sizeof e);
  dt__error_clear(&e);
  CHECK_INT(e.code, 0);
  CHECK_INT(dt__fail(&e, DT_EIO, "cannot read %s: %s", "x.txt", "gone"),
            DT_EIO);
  CHECK_INT(e.code, DT_EIO);
  CHECK_STR(e.message, "cannot read x.txt: gone");
  CHECK_INT(dt__fail(NULL, DT_EURL, "nobody asked"), DT_EURL);
  CHECK_INT(dt__fail_at(&e, DT_EPARSE, 3, 7, "bad"), DT_EPARSE);
  CHECK_INT(e.line, 3);
  CHECK_INT(e.column, 7);
  dt__fail(&e, DT_ENOMEM, NULL);
  CHECK_STR(e.message, "out of memory");
}

static void limits_and_clock(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  CHECK_INT(lim.size, sizeof lim);
  CHECK_INT(lim.max_header_bytes, 262144);
  CHECK_INT(lim.max_header_count, 1000);
  CHECK_INT(lim.max_body_bytes, 16 * 1024 * 1024);
  CHECK_INT(lim.hsts_max_entries, 100000);
  int64_t t = 1700000000123;
  dt_clock c = {fixed_clock, &t};
  CHECK_INT(dt_clock_now_ms(&c), 1700000000123);
  CHECK(dt_clock_now_ms(NULL) > 1600000000000LL);
}

static void dates(void) {
  int32_t d = -1;
  char ds[11], ts[32];
  CHECK_INT(dt_date_parse("2026-06-01", &d), 0);
  CHECK_INT(d, 20605);
  dt_date_format(d, ds);
  CHECK_STR(ds, "2026-06-01");
  dt_date_format(0, ds);
  CHECK_STR(ds, "1970-01-01");
  CHECK_INT(dt_date_parse("2024-02-29", &d), 0);
  dt_date_format(d, ds);
  CHECK_STR(ds, "2024-02-29");
  static const char *const bad[] = {
      "2023-02-29", "2026-13-01", "2026-00-10", "1969-12-31", "2026-6-01",
      "2026/06/01", "",           "2026-06-31", "20260601",   "2026-06-01x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_INT(dt_date_parse(bad[i], &d), DT_EINVAL);
  /* times: floor division, so instants before 1970 are right too */
  dt_time_format(0, ts);
  CHECK_STR(ts, "1970-01-01T00:00:00Z");
  dt_time_format(1700000000123, ts);
  CHECK_STR(ts, "2023-11-14T22:13:20Z");
  dt_time_format(-1, ts);
  CHECK_STR(ts, "1969-12-31T23:59:59Z");
  dt_time_format(253402300800000LL, ts); /* year 10000: clamped */
  CHECK_STR(ts, "9999-12-31T23:59:59Z");
  dt__civil c = {2026, 12, 7, 6, 4, 44};
  dt__civil back;
  dt__civil_from_ms(dt__ms_from_civil(&c), &back);
  CHECK_INT(back.year, 2026);
  CHECK_INT(back.day, 7);
  CHECK_INT(back.second, 44);
}

static void buffers(void) {
  dt__buf b = dt__buf_make(0);
  char *s = dt__buf_finish(&b);
  CHECK_STR(s, ""); /* nothing appended is "" */
  free(s);
  b = dt__buf_make(8);
  CHECK_INT(dt__buf_str(&b, "12345678"), 0);
  CHECK_INT(dt__buf_put(&b, "9", 1), -1); /* the bound: sticky */
  CHECK(b.failed && b.toobig);
  CHECK_INT(dt__buf_str(&b, ""), -1);
  CHECK(dt__buf_finish(&b) == NULL);
  b = dt__buf_make(0);
  dt__buf_printf(&b, "%d-%s", 42, "x");
  dt__buf_put_escaped(&b, "a\x1b[2Jb\x7f");
  s = dt__buf_finish(&b);
  CHECK_STR(s, "42-xa\\x1b[2Jb\\x7f");
  free(s);
  /* growth across many appends keeps every byte */
  b = dt__buf_make(0);
  for (int i = 0; i < 10000; i++)
    dt__buf_put(&b, "ab", 2);
  CHECK_INT(b.len, 20000);
  CHECK(b.p[19999] == 'b' && b.p[20000] == 0);
  dt__buf_free(&b);
}

static void ascii_and_headers(void) {
  CHECK(dt__ascii_ieq("Content-Type", "content-TYPE"));
  CHECK(!dt__ascii_ieq("Content-Type", "Content-Typ"));
  CHECK(!dt__ascii_ieq(NULL, "x"));
  /* ASCII only: a Latin-1 byte is not folded */
  CHECK(!dt__ascii_ieq("\xc9", "\xe9"));
  CHECK(dt__ascii_istarts("HSTS: x", 7, "hsts:"));
  char low[8];
  CHECK_INT(dt__ascii_lower_copy(low, sizeof low, "A.TEST.longer", 13), 7);
  CHECK_STR(low, "a.test.");
  const dt_header h[] = {
      {"Location", "/a"}, {"set-cookie", "1"}, {"LOCATION", "/b"}};
  CHECK_STR(dt__header_value(h, 3, "location"), "/a");
  CHECK_INT(dt__header_count(h, 3, "Location"), 2);
  CHECK(dt__header_find(h, 3, "Refresh") == NULL);
  CHECK(dt__header_find(NULL, 0, "x") == NULL);
  size_t pos = 0;
  const dt_header *f = dt__header_next(h, 3, "location", &pos);
  CHECK(f && strcmp(f->value, "/a") == 0);
  f = dt__header_next(h, 3, "location", &pos);
  CHECK(f && strcmp(f->value, "/b") == 0);
  CHECK(dt__header_next(h, 3, "location", &pos) == NULL);
}

static void files(void) {
  char dir[] = "/tmp/dt-base-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/f.txt", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("hello\n", f);
    fclose(f);
  }
  char *buf = NULL;
  size_t len = 0;
  dt_error e = {0};
  CHECK_INT(dt_file_read(path, 64, &buf, &len, &e), 0);
  CHECK_INT(len, 6);
  CHECK_STR(buf, "hello\n");
  dt_free(buf);
  /* exactly at the bound is fine, one byte over is refused before reading */
  CHECK_INT(dt_file_read(path, 6, &buf, &len, &e), 0);
  dt_free(buf);
  CHECK_INT(dt_file_read(path, 5, &buf, &len, &e), DT_EINVAL);
  CHECK(buf == NULL && strstr(e.message, "larger than the limit"));
  /* a directory says so (not "0 bytes") */
  CHECK_INT(dt_file_read(dir, 64, &buf, &len, &e), DT_EIO);
  CHECK(strstr(e.message, "directory") != NULL);
  remove(path);
  CHECK_INT(dt_file_read(path, 64, &buf, &len, &e), DT_EIO);
  CHECK(strstr(e.message, path) != NULL);
  rmdir(dir);
}

/* Record reader for records(): "ok", "old" (expired), "oom"; else bad. */
static int take(void *ud, const char *rec, size_t n) {
  int *seen = ud;
  (*seen)++;
  if (n == 2 && memcmp(rec, "ok", 2) == 0) return 0;
  if (n == 3 && memcmp(rec, "old", 3) == 0) return 1;
  if (n == 3 && memcmp(rec, "oom", 3) == 0) return DT_ENOMEM;
  return -1;
}

static void record_lines(void) {
  static const char *const kit1[] = {"kit 1", NULL}, *const kit2[] = {"kit 2",
                                                                      NULL};
  char line[64], buf[512];
  /* a record line made by the writer is read back by the reader */
  char path[] = "/tmp/dt-rec-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("kit 1\n# comment\n\n", f);
    dt__safefile_put_record(f, "ok", 2);
    dt__safefile_put_record(f, "old", 3);
    dt__safefile_put_record(f, "nope", 4);
    fputs("ok 00000000\nok\nok deadbeefX\n", f); /* bad CRC, none, long */
    snprintf(line, sizeof line, "ok %08x", (unsigned)dt__crc32("ok", 2));
    fputs(line, f); /* the last line may lack its newline */
    fclose(f);
  }
  dt__file_report rep;
  int seen = 0;
  dt__file_report_start(&rep, "kit", path);
  CHECK_INT(dt__safefile_load_records(path, 4096, kit1, take, &seen, &rep), 0);
  CHECK_INT(seen, 4); /* CRC failures never reach the owner */
  CHECK_INT(rep.loaded, 2);
  CHECK_INT(rep.expired, 1);
  CHECK_INT(rep.skipped, 4);
  CHECK_INT(rep.nbad, 4);
  CHECK_INT(rep.bad_lines[0], 6); /* 1-based, comments and blanks count */
  CHECK_INT(rep.lines, 10);
  /* another file's magic: nothing is taken and the report says whose */
  seen = 0;
  dt__file_report_start(&rep, "kit", path);
  CHECK_INT(dt__safefile_load_records(path, 4096, kit2, take, &seen, &rep),
            DT_ESTORE);
  CHECK_INT(seen, 0);
  CHECK(strstr(rep.message, "not a detour kit file") != NULL);
  /* out of memory stops the read at that record */
  snprintf(buf, sizeof buf, "kit 1\noom %08x\nok %08x\n",
           (unsigned)dt__crc32("oom", 3), (unsigned)dt__crc32("ok", 2));
  seen = 0;
  dt__file_report_start(&rep, "kit", NULL);
  CHECK_INT(dt__safefile_records(buf, strlen(buf), kit1, take, &seen, &rep),
            DT_ENOMEM);
  CHECK_INT(seen, 1);
  /* the line iterator: empty input, a lone newline, no final newline */
  const char *p = "", *ln;
  size_t n;
  CHECK_INT(dt__safefile_line(&p, p, &ln, &n), 0);
  p = "\nab";
  const char *end = p + 3;
  CHECK_INT(dt__safefile_line(&p, end, &ln, &n), 1);
  CHECK_INT(n, 0);
  CHECK_INT(dt__safefile_line(&p, end, &ln, &n), 1);
  CHECK(n == 2 && memcmp(ln, "ab", 2) == 0);
  CHECK_INT(dt__safefile_line(&p, end, &ln, &n), 0);
  remove(path);
}

static void hosts(void) {
  char out[DT_MAX_HOST_BYTES + 1];
  size_t n;
  static const struct {
    const char *in;
    dt__host_reason want;
    const char *canon;
  } rows[] = {
      {"a..test", DT__HOST_EMPTY_LABEL, NULL},
      {"A.Test.", DT__HOST_OK, "a.test"},
      {"a.test...", DT__HOST_OK, "a.test"}, /* rule 19: any trailing dots */
      {"...", DT__HOST_ONLY_DOTS, NULL},
      {"", DT__HOST_EMPTY, NULL},
      {"[::1]", DT__HOST_IP_LITERAL, NULL},
      {"1.2.3.4", DT__HOST_IP_LITERAL, NULL},
      {"a.0x1f", DT__HOST_IP_LITERAL, NULL}, /* ends in a number */
      {"localhost", DT__HOST_LOCALHOST, NULL},
      {"x.LOCALHOST", DT__HOST_LOCALHOST, NULL},
      {"b\xc3\xbc.test", DT__HOST_NON_ASCII, NULL},
      {"a b.test", DT__HOST_BAD_CHAR, NULL},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    dt__host_reason r = dt__host_canon(rows[i].in, strlen(rows[i].in), out, &n);
    CHECK_INT(r, rows[i].want);
    if (rows[i].canon) CHECK_STR(out, rows[i].canon);
    CHECK(strcmp(dt__host_reason_name(r), "unknown") != 0);
  }
}

int main(void) {
  errors();
  limits_and_clock();
  dates();
  buffers();
  ascii_and_headers();
  files();
  record_lines();
  hosts();
  return dt_test_summary("test_hsts_base");
}
