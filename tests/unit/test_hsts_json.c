/* test_hsts_json.c — the JSON reader (hsts/base/json.c): valid documents,
 * comments, escapes, positions of errors, and bounds. */
#include "detour.h"
#include "dt_test.h"
#include "hsts/base/json.h"

#include <stdlib.h>

static const dt__json *parse_ok(dt__json_doc **d, const char *s, unsigned f) {
  dt__json_error e;
  int r = dt__json_parse(d, s, strlen(s), f, &e);
  CHECK_(r == 0, "parse of %s failed: %s", s, e.msg);
  return r == 0 ? dt__json_root(*d) : NULL;
}

static void bad(const char *s, unsigned f, size_t line, const char *why) {
  dt__json_doc *d = NULL;
  dt__json_error e;
  int r = dt__json_parse(&d, s, strlen(s), f, &e);
  CHECK_(r == DT_EPARSE, "%s should fail (%s)", s, why);
  CHECK(d == NULL);
  if (line) CHECK_INT(e.line, line);
  CHECK(e.msg[0] != '\0');
}

int main(void) {
  dt__json_doc *d;
  const dt__json *r;

  r = parse_ok(&d, "{\"a\": [1, -2.5e1, true, false, null, \"x\"], \"b\": {}}",
               0);
  if (r) {
    CHECK_INT(dt__json_type_of(r), DT_JSON_OBJECT);
    CHECK_INT(dt__json_count(r), 2);
    const dt__json *a = dt__json_get(r, "a");
    CHECK_INT(dt__json_count(a), 6);
    CHECK(dt__json_number(dt__json_at(a, 0)) == 1.0);
    CHECK(dt__json_number(dt__json_at(a, 1)) == -25.0);
    CHECK_INT(dt__json_bool(dt__json_at(a, 2)), 1);
    CHECK_INT(dt__json_bool(dt__json_at(a, 3)), 0);
    CHECK_INT(dt__json_type_of(dt__json_at(a, 4)), DT_JSON_NULL);
    CHECK_STR(dt__json_string(dt__json_at(a, 5), NULL), "x");
    CHECK(dt__json_at(a, 6) == NULL);
    CHECK_INT(dt__json_count(dt__json_get(r, "b")), 0);
    CHECK(dt__json_get(r, "c") == NULL);
    size_t kl;
    CHECK_STR(dt__json_key(a, &kl), "a");
    CHECK_INT(kl, 1);
  }
  dt__json_free(d);

  /* Escapes: \u0000 kept with its length; surrogate pair; lone surrogate
   * becomes U+FFFD (USVString conversion). */
  r = parse_ok(
      &d, "[\"a\\u0000b\", \"\\ud83d\\ude00\", \"\\ud800x\", \"\\n\\/\\\"\"]",
      0);
  if (r) {
    size_t len;
    const char *s = dt__json_string(dt__json_at(r, 0), &len);
    CHECK_INT(len, 3);
    CHECK(s && s[1] == '\0' && s[2] == 'b');
    CHECK_STR(dt__json_string(dt__json_at(r, 1), NULL), "\xF0\x9F\x98\x80");
    CHECK_STR(dt__json_string(dt__json_at(r, 2), NULL), "\xEF\xBF\xBDx");
    CHECK_STR(dt__json_string(dt__json_at(r, 3), NULL), "\n/\"");
  }
  dt__json_free(d);

  /* Comments only with the flag (Chromium's list has // lines); lines are
   * counted through comments. */
  const char *commented = "// header\n/* block\n */ {\n  \"entries\": [\n"
                          "    // x\n    {\"name\": \"a.test\"}\n  ]\n}\n";
  r = parse_ok(&d, commented, DT_JSON_ALLOW_COMMENTS);
  if (r) {
    const dt__json *e = dt__json_at(dt__json_get(r, "entries"), 0);
    CHECK_INT(dt__json_line(e), 6);
    CHECK_STR(dt__json_string(dt__json_get(e, "name"), NULL), "a.test");
    /* Each value's column (bytes, 1-based) is where it starts. */
    CHECK_INT(dt__json_col(e), 5);
    CHECK_INT(dt__json_col(dt__json_get(e, "name")), 14);
    CHECK_INT(dt__json_line(r), 3);
    CHECK_INT(dt__json_col(r), 5);
    CHECK_INT(dt__json_col(NULL), 0);
  }
  dt__json_free(d);
  bad(commented, 0, 1, "comment without flag");

  bad("", 0, 1, "empty");
  bad("{", 0, 1, "unterminated object");
  bad("[1,]", 0, 1, "trailing comma");
  bad("{\"a\" 1}", 0, 1, "missing colon");
  bad("[01]", 0, 1, "leading zero");
  bad("[1.]", 0, 1, "bad fraction");
  bad("\"abc", 0, 1, "unterminated string");
  bad("\"a\\qb\"", 0, 1, "bad escape");
  bad("\"\\u12G4\"", 0, 1, "bad hex");
  bad("[1] x", 0, 1, "trailing");
  bad("[\n\n tru]", 0, 3, "bad literal on line 3");
  bad("\"a\tb\"", 0, 1, "raw control char");
  bad("/* open", DT_JSON_ALLOW_COMMENTS, 0, "unterminated comment");

  /* Depth is bounded: 100k nested arrays fail cleanly, no stack overflow. */
  size_t n = 100000;
  char *deep = malloc(2 * n + 1);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  deep[2 * n] = 0;
  bad(deep, 0, 1, "too deep");
  deep[DT_JSON_MAX_DEPTH - 1] = ']'; /* nothing: still ok to free */
  free(deep);
  return dt_test_summary("test_hsts_json");
}
