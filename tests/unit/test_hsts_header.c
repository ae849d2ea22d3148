/* test_hsts_header.c — the Strict-Transport-Security parser
 * (hsts/sts_header.c), one row per rule of docs/hsts.md §2.
 *
 * Rules covered here (the rest are in test_hsts_store.c / test_hsts_file.c;
 * rules 1–5 and 26–28 are the engine's):
 *   6  empty directives, leading/trailing ';', OWS       rows "rule 6"
 *   7  case-insensitive names                            rows "rule 7"
 *   8  max-age required                                  rows "rule 8"
 *   9  max-age digits only, quoted allowed               rows "rule 9"
 *   10 cap (profile parameter) and overflow clamp        rows "rule 10"
 *   11 duplicate max-age / includeSubDomains             rows "rule 11"
 *   12 includeSubDomains with a value / misspelt         rows "rule 12"
 *   13 unknown directives: ignored or invalidating       rows "rule 13"
 *   14 ';' inside a quoted-string does not split          rows "rule 14"
 *   15 max-age=0 is valid (deletion is in the store test) rows "rule 15"
 * Also: the preload directive is recorded, unknown names are listed, the
 * rejection offset points at the problem. */
#include "hsts/sts_header.h"

#include <stdint.h>

#include "dt_test.h"

#define CAP DT__STS_CHROMIUM_CAP

typedef struct row {
  const char *rule;
  const char *value;
  uint64_t cap;
  dt__sts_code code;
  uint64_t max_age; /* when OK */
  int isd;          /* when OK */
} row;

static const row rows[] = {
    /* rule 6 */
    {"rule 6", "max-age=123", CAP, DT__STS_OK, 123, 0},
    {"rule 6", ";; max-age=123 ;;", CAP, DT__STS_OK, 123, 0},
    {"rule 6", "  max-age = 123  ", CAP, DT__STS_OK, 123, 0},
    {"rule 6", "\tmax-age\t=\t123\t;\tincludeSubDomains", CAP, DT__STS_OK, 123,
     1},
    {"rule 6", "max-age=123;;;includeSubDomains;", CAP, DT__STS_OK, 123, 1},
    {"rule 6", ";", CAP, DT__STS_NO_MAX_AGE, 0, 0},
    /* rule 7 */
    {"rule 7", "mAx-aGe=5; incLudesUbdOmains", CAP, DT__STS_OK, 5, 1},
    {"rule 7", "MAX-AGE=5", CAP, DT__STS_OK, 5, 0},
    /* rule 8 */
    {"rule 8", "", CAP, DT__STS_NO_MAX_AGE, 0, 0},
    {"rule 8", "includeSubDomains", CAP, DT__STS_NO_MAX_AGE, 0, 0},
    {"rule 8", "max-ag=5", CAP, DT__STS_NO_MAX_AGE, 0, 0},
    {"rule 8", "maxage=5", CAP, DT__STS_NO_MAX_AGE, 0, 0},
    /* rule 9 */
    {"rule 9", "max-age=\"123\"", CAP, DT__STS_OK, 123, 0},
    {"rule 9", "max-age=-1", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=+1", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=1.5", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age='123'", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=1abc", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=12abc", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=1 abc", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=12\"", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=\"\"", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=\"12a\"", CAP, DT__STS_INVALID_MAX_AGE, 0, 0},
    {"rule 9", "max-age=\"123", CAP, DT__STS_UNTERMINATED_QUOTE, 0, 0},
    /* rule 10 */
    {"rule 10", "max-age=31536000", CAP, DT__STS_OK, 31536000, 0},
    {"rule 10", "max-age=31536001", CAP, DT__STS_OK, 31536000, 0},
    {"rule 10", "max-age=999999999999999999999999999999999999999999999", CAP,
     DT__STS_OK, 31536000, 0},
    {"rule 10 firefox", "max-age=4000000000", 3153600000u, DT__STS_OK,
     3153600000u, 0},
    {"rule 10 nocap", "max-age=4000000000", 0, DT__STS_OK, 4000000000u, 0},
    {"rule 10 nocap", "max-age=999999999999999999999999999999999999999999999",
     0, DT__STS_OK, DT__STS_MAX_AGE_CEIL, 0},
    /* rule 11 */
    {"rule 11", "max-age=1; max-age=2", CAP, DT__STS_MULTIPLE_MAX_AGES, 0, 0},
    {"rule 11", "max-age=1; MAX-AGE=1", CAP, DT__STS_MULTIPLE_MAX_AGES, 0, 0},
    {"rule 11", "max-age=1; includeSubDomains; includesubdomains", CAP,
     DT__STS_MULTIPLE_INCLUDE_SUBDOMAINS, 0, 0},
    /* rule 12 */
    {"rule 12", "max-age=1; includeSubDomains=true", CAP,
     DT__STS_INVALID_INCLUDE_SUBDOMAINS, 0, 0},
    {"rule 12", "max-age=1; includeSubDomains=\"\"", CAP,
     DT__STS_INVALID_INCLUDE_SUBDOMAINS, 0, 0},
    {"rule 12", "max-age=1; includeSubDomains=\"true\"", CAP,
     DT__STS_INVALID_INCLUDE_SUBDOMAINS, 0, 0},
    {"rule 12", "max-age=1; includeSubDomainsX", CAP,
     DT__STS_INVALID_INCLUDE_SUBDOMAINS, 0, 0},
    {"rule 12", "max-age=1; includeSubDomains x", CAP,
     DT__STS_INVALID_INCLUDE_SUBDOMAINS, 0, 0},
    /* rule 13 */
    {"rule 13", "max-age=1; pumpkin", CAP, DT__STS_OK, 1, 0},
    {"rule 13", "max-age=1; pumpkin=894", CAP, DT__STS_OK, 1, 0},
    {"rule 13", "max-age=1; pumpkin=\"a b\"", CAP, DT__STS_OK, 1, 0},
    {"rule 13", "max-age=1; pumpkin=\"\"", CAP, DT__STS_OK, 1, 0},
    {"rule 13", "max-age=1; x=", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    {"rule 13", "max-age=1; p@mpkin", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    {"rule 13", "max-age=1; pumpkin=8,9", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    {"rule 13", "max-age=1; pump\"kin", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    {"rule 13", "max-age=1; =5", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    {"rule 13", "max-age=1, includeSubDomains", CAP, DT__STS_INVALID_MAX_AGE, 0,
     0},
    {"rule 13", "max-age=1; a=\"x\ty\"", CAP, DT__STS_OK, 1, 0},
    {"rule 13", "max-age=1; a=\"\x01\"", CAP, DT__STS_INVALID_DIRECTIVE, 0, 0},
    /* rule 14 */
    {"rule 14",
     "animal=\"squirrel; distinguished\"; includeSubDomains; max-age=123", CAP,
     DT__STS_OK, 123, 1},
    {"rule 14", "a=\"x\\\"; y\"; max-age=7", CAP, DT__STS_OK, 7, 0},
    {"rule 14", "a=\"x; max-age=7", CAP, DT__STS_UNTERMINATED_QUOTE, 0, 0},
    /* rule 15 */
    {"rule 15", "max-age=0", CAP, DT__STS_OK, 0, 0},
    {"rule 15", "max-age=0; includeSubDomains", CAP, DT__STS_OK, 0, 1},
    {"rule 15", "max-age=\"0\"", CAP, DT__STS_OK, 0, 0},
};

int main(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const row *t = &rows[i];
    dt__sts_result r;
    int rc = dt__sts_parse(t->value, strlen(t->value), t->cap, &r);
    if (r.code != t->code)
      fprintf(stderr, "row %zu (%s) [%s]: got %s want %s at %zu\n", i, t->rule,
              t->value, dt__sts_code_name(r.code), dt__sts_code_name(t->code),
              r.offset);
    CHECK_INT(r.code, t->code);
    CHECK_INT(rc, t->code == DT__STS_OK ? 0 : DT_EPARSE);
    if (t->code == DT__STS_OK && r.code == DT__STS_OK) {
      CHECK_INT(r.max_age, t->max_age);
      CHECK_INT(r.include_subdomains, t->isd);
    }
  }

  /* Offsets point at the problem. */
  dt__sts_result r;
  const char *v = "max-age=1; max-age=2";
  dt__sts_parse(v, strlen(v), CAP, &r);
  CHECK_INT(r.offset, 11);
  v = "max-age=1; includeSubDomains=1";
  dt__sts_parse(v, strlen(v), CAP, &r);
  CHECK_INT(r.offset, 11);
  v = "max-age=12x";
  dt__sts_parse(v, strlen(v), CAP, &r);
  CHECK_INT(r.offset, 8); /* the start of the bad value */

  /* preload and the unknown directives are recorded (the audit needs them). */
  v = "max-age=63072000; includeSubDomains; preload; foo=1; Bar";
  CHECK_INT(dt__sts_parse(v, strlen(v), CAP, &r), 0);
  CHECK_INT(r.preload, 1);
  CHECK_INT(r.clamped, 1);
  CHECK_INT(r.max_age, CAP);
  CHECK_INT(r.unknown_count, 2);
  CHECK(r.unknown[0].len == 3 && memcmp(v + r.unknown[0].off, "foo", 3) == 0);
  CHECK(r.unknown[1].len == 3 && memcmp(v + r.unknown[1].off, "Bar", 3) == 0);
  v = "max-age=5";
  dt__sts_parse(v, strlen(v), CAP, &r);
  CHECK_INT(r.preload, 0);
  CHECK_INT(r.clamped, 0);

  /* Not NUL-terminated: the parser stops at len. */
  CHECK_INT(dt__sts_parse("max-age=12;junk\"", 10, CAP, &r), 0);
  CHECK_INT(r.max_age, 12);
  CHECK_INT(dt__sts_parse(NULL, 0, CAP, &r), DT_EPARSE);
  CHECK_INT(r.code, DT__STS_NO_MAX_AGE);

  /* Bounded input. */
  static char big[DT__STS_MAX_VALUE_BYTES + 2];
  memset(big, ';', sizeof big);
  CHECK_INT(dt__sts_parse(big, sizeof big, CAP, &r), DT_EPARSE);
  CHECK_INT(r.code, DT__STS_TOO_LONG);

  /* Every code has a distinct stable name. */
  for (int c = 0; c < DT__STS_CODE_COUNT; c++) {
    CHECK(strncmp(dt__sts_code_name((dt__sts_code)c), "STS", 3) == 0);
    for (int d = c + 1; d < DT__STS_CODE_COUNT; d++)
      CHECK(strcmp(dt__sts_code_name((dt__sts_code)c),
                   dt__sts_code_name((dt__sts_code)d)) != 0);
  }
  CHECK_STR(dt__sts_code_name(DT__STS_MULTIPLE_MAX_AGES), "STSMultipleMaxAges");
  return dt_test_summary("test_hsts_header");
}
