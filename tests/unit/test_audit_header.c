/* test_audit_header.c — the audit's HSTS header verdicts against the HSTS
 * preload checker's own cases (fixtures/audit/header-cases.tsv: every case of
 * chromium/hstspreload header_test.go, the response.go rule, detour's edges
 * and the browser checks), plus the findings table and list mechanics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dt_test.h"
#include "engine/audit/audit_header.h"

#define MAX_FIELDS 4
#define LINE_MAX_BYTES 4096

/* ---- the data file ------------------------------------------------------ */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Unescapes SRC into BUF; `\|` starts a new field. Returns the field count,
 * or -1 on a bad escape. */
static int unescape(const char *src, char *buf, size_t cap, char **vals,
                    size_t *lens) {
  size_t o = 0;
  int n = 0;
  vals[0] = buf;
  size_t start = 0;
  for (const char *s = src; *s; s++) {
    if (o + 1 >= cap) return -1;
    if (*s != '\\') {
      buf[o++] = *s;
      continue;
    }
    s++;
    switch (*s) {
    case 't': buf[o++] = '\t'; break;
    case 'n': buf[o++] = '\n'; break;
    case 'r': buf[o++] = '\r'; break;
    case '\\': buf[o++] = '\\'; break;
    case 'x': {
      int h = hexval(s[1]), l = h >= 0 ? hexval(s[2]) : -1;
      if (h < 0 || l < 0) return -1;
      buf[o++] = (char)(h * 16 + l);
      s += 2;
      break;
    }
    case '|':
      if (n + 1 >= MAX_FIELDS) return -1;
      lens[n] = o - start;
      buf[o++] = '\0';
      start = o;
      vals[++n] = buf + o;
      break;
    default: return -1;
    }
  }
  lens[n] = o - start;
  buf[o] = '\0';
  return n + 1;
}

/* "a,b" of the codes of severity SEV, or "-" for none. */
static void codes_of(const dt__audit_findings *f, dt__audit_severity sev,
                     char *out, size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < f->count; i++) {
    if (f->items[i].severity != sev) continue;
    int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "",
                     dt__audit_code_name(f->items[i].code));
    if (n < 0 || (size_t)n >= cap - o) break;
    o += (size_t)n;
  }
  if (!o) snprintf(out, cap, "-");
}

/* Every code named in an expectation must exist in the table (a typo in the
 * data would otherwise only show up as a confusing mismatch). */
static int codes_known(const char *list) {
  if (strcmp(list, "-") == 0) return 1;
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", list);
  for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t;
       t = strtok_r(NULL, ",", &save))
    if (dt__audit_code_from_name(t) < 0) return 0;
  return 1;
}

static int run_case(char **col, int *hp_rows) {
  const char *id = col[0], *check = col[1], *policy = col[2];
  dt__audit_header_opts o = {DT__AUDIT_CHECK_PRELOADABLE,
                             DT__AUDIT_POLICY_BULK_1_YEAR, atoi(col[3])};
  int response = 0;
  if (strcmp(check, "parse") == 0)
    o.check = DT__AUDIT_CHECK_PARSE;
  else if (strcmp(check, "removable") == 0)
    o.check = DT__AUDIT_CHECK_REMOVABLE;
  else if (strcmp(check, "response") == 0)
    response = 1;
  else if (strcmp(check, "preloadable") != 0)
    return 0;
  if (strcmp(policy, "18w") == 0) o.policy = DT__AUDIT_POLICY_BULK_18_WEEKS;

  char buf[LINE_MAX_BYTES];
  char *vals[MAX_FIELDS];
  size_t lens[MAX_FIELDS];
  int n = unescape(col[4], buf, sizeof buf, vals, lens);
  if (n < 1) return 0;
  if (response && strcmp(col[4], "(none)") == 0) n = 0;

  dt__audit_findings f;
  dt__audit_findings_init(&f);
  dt__audit_sts parsed;
  int rc;
  if (response) {
    rc = dt__audit_sts_header_ex((const char *const *)vals, lens, (size_t)n, &o,
                                 &parsed, &f);
  } else {
    if (n != 1) return 0;
    rc = dt__audit_sts_value(vals[0], lens[0], &o, &parsed, &f);
  }
  CHECK_(rc == 0, "[%s] rc %d", id, rc);
  CHECK_(f.dropped == 0, "[%s] dropped %zu", id, f.dropped);

  char errs[1024], warns[1024];
  codes_of(&f, DT__AUDIT_ERROR, errs, sizeof errs);
  codes_of(&f, DT__AUDIT_WARNING, warns, sizeof warns);
  CHECK_(codes_known(col[5]) && codes_known(col[6]),
         "[%s] expectation names an unknown code", id);
  CHECK_(strcmp(errs, col[5]) == 0, "[%s] errors\n  got  %s\n  want %s", id,
         errs, col[5]);
  CHECK_(strcmp(warns, col[6]) == 0, "[%s] warnings\n  got  %s\n  want %s", id,
         warns, col[6]);
  CHECK_(dt__audit_count(&f, DT__AUDIT_INFO) == 0, "[%s] info findings", id);

  if (strcmp(col[7], "*") != 0) {
    char got[64];
    if (parsed.has_max_age)
      snprintf(got, sizeof got, "%llu,%d,%d",
               (unsigned long long)parsed.max_age, parsed.include_subdomains,
               parsed.preload);
    else
      snprintf(got, sizeof got, "-,%d,%d", parsed.include_subdomains,
               parsed.preload);
    CHECK_(strcmp(got, col[7]) == 0, "[%s] parsed %s, want %s", id, got,
           col[7]);
  }
  if (strncmp(id, "hp-", 3) == 0) (*hp_rows)++;
  return 1;
}

static void test_cases_file(void) {
  const char *path = DETOUR_SOURCE_DIR "/fixtures/audit/header-cases.tsv";
  FILE *fp = fopen(path, "r");
  CHECK_(fp != NULL, "cannot open %s", path);
  if (!fp) return;
  char line[LINE_MAX_BYTES];
  int rows = 0, hp_rows = 0, lineno = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    size_t len = strlen(line);
    CHECK_(len && line[len - 1] == '\n', "line %d too long", lineno);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (!len || line[0] == '#' || strncmp(line, "id\t", 3) == 0) continue;
    char *col[9];
    int nc = 0;
    char *p = line;
    for (; nc < 9; nc++) {
      col[nc] = p;
      char *tab = strchr(p, '\t');
      if (!tab) {
        nc++;
        break;
      }
      *tab = '\0';
      p = tab + 1;
    }
    CHECK_(nc == 9, "line %d: %d columns", lineno, nc);
    if (nc != 9) continue;
    int ok = run_case(col, &hp_rows);
    CHECK_(ok, "line %d (%s): bad row", lineno, col[0]);
    rows += ok;
  }
  fclose(fp);
  /* header_test.go has 61 table cases and one Example; the data keeps the
   * 60 distinct ones (a removal string repeats three times) + 5 rows for
   * response.go. Fewer means rows were lost. */
  CHECK_(hp_rows >= 65, "only %d hstspreload rows", hp_rows);
  CHECK_(rows >= 110, "only %d rows", rows);
}

/* ---- the table ---------------------------------------------------------- */

static void test_table(void) {
  for (int i = 0; i < (int)DT__AUDIT_CODE_COUNT; i++) {
    dt__audit_code c = (dt__audit_code)i;
    const char *name = dt__audit_code_name(c);
    CHECK_(name[0] && strchr(name, '.'), "code %d has name '%s'", i, name);
    CHECK_(dt__audit_code_from_name(name) == i, "%s not unique", name);
    CHECK_(dt__audit_code_message(c)[0] && dt__audit_code_fix(c)[0] &&
               dt__audit_code_source(c)[0],
           "%s lacks message/fix/source", name);
    CHECK_(dt__audit_severity_name(dt__audit_code_severity(c))[0],
           "%s has no severity", name);
  }
  CHECK_INT(dt__audit_code_from_name("no.such.code"), -1);
  CHECK_INT(dt__audit_code_from_name(NULL), -1);
  CHECK_STR(dt__audit_code_name(DT__AUDIT_CODE_COUNT), "");
  CHECK_STR(dt__audit_code_name((dt__audit_code)-1), "");
  CHECK_STR(dt__audit_severity_name(DT__AUDIT_WARNING), "warning");
  CHECK_INT(dt__audit_code_severity(DT__AUDIT_RESPONSE_NO_HEADER),
            DT__AUDIT_ERROR);
  CHECK_INT(dt__audit_code_severity(DT__AUDIT_REDIRECTS_HTTP_USELESS_HEADER),
            DT__AUDIT_WARNING);
  CHECK_STR(dt__audit_code_name(DT__AUDIT_REDIRECTS_HTTP_WWW_FIRST),
            "redirects.http.www_first");
}

/* docs/audit.md must list every code, so the table and the docs agree. */
static void test_docs_list_every_code(void) {
  const char *path = DETOUR_SOURCE_DIR "/docs/audit.md";
  FILE *fp = fopen(path, "rb");
  CHECK_(fp != NULL, "cannot open %s", path);
  if (!fp) return;
  static char doc[256 * 1024];
  size_t n = fread(doc, 1, sizeof doc - 1, fp);
  doc[n] = '\0';
  fclose(fp);
  for (int i = 0; i < (int)DT__AUDIT_CODE_COUNT; i++) {
    char needle[128];
    snprintf(needle, sizeof needle, "| `%s` |",
             dt__audit_code_name((dt__audit_code)i));
    CHECK_(strstr(doc, needle) != NULL, "docs/audit.md lacks a row for %s",
           needle);
  }
}

/* ---- the list mechanics -------------------------------------------------- */

static void test_defaults_and_args(void) {
  dt__audit_findings f;
  dt__audit_findings_init(&f);
  const char *good[] = {"max-age=63072000; includeSubDomains; preload"};
  CHECK_INT(dt__audit_sts_header(good, 1, &f), 0);
  CHECK_INT(f.count, 0);

  CHECK_INT(dt__audit_sts_header(NULL, 0, &f), 0);
  CHECK_INT(f.count, 1);
  CHECK_INT(f.items[0].code, DT__AUDIT_RESPONSE_NO_HEADER);
  CHECK_INT(f.items[0].severity, DT__AUDIT_ERROR);

  CHECK_INT(dt__audit_sts_header(good, 1, NULL), DT_EINVAL);
  CHECK_INT(dt__audit_sts_header(NULL, 1, &f), DT_EINVAL);
  CHECK_INT(dt__audit_add(&f, DT__AUDIT_CODE_COUNT, NULL), DT_EINVAL);
  CHECK_INT(dt__audit_add(NULL, DT__AUDIT_REDIRECTS_LOOP, NULL), DT_EINVAL);
  CHECK_INT(dt__audit_sts_value("x", 1, NULL, NULL, NULL), DT_EINVAL);

  /* A NULL field is an empty one: the checker's "empty" verdicts, and the
   * browser's (no max-age). */
  dt__audit_findings_init(&f);
  const char *null_field[] = {NULL};
  dt__audit_sts parsed = {1, 5, 1, 1};
  CHECK_INT(dt__audit_sts_header_ex(null_field, NULL, 1, NULL, &parsed, &f), 0);
  CHECK_INT(parsed.has_max_age, 0);
  CHECK_INT(dt__audit_count(&f, DT__AUDIT_WARNING), 1);
  CHECK_INT(f.items[0].code, DT__AUDIT_HEADER_PARSE_EMPTY);
  CHECK_INT(f.items[f.count - 1].code, DT__AUDIT_HEADER_BROWSER_REJECTED);

  /* Lengths given: values need not be NUL-terminated. */
  dt__audit_findings_init(&f);
  const char raw[] = "max-age=100; includeSubDomains; preloadXXXX";
  const char *vals[] = {raw};
  size_t lens[] = {sizeof raw - 1 - 4};
  CHECK_INT(dt__audit_sts_header_ex(vals, lens, 1, NULL, &parsed, &f), 0);
  CHECK_INT(parsed.preload, 1);
  CHECK_INT(parsed.max_age, 100);
  CHECK_INT(f.count, 1);
  CHECK_INT(f.items[0].code, DT__AUDIT_HEADER_PRELOADABLE_MAX_AGE_BELOW_1_YEAR);
  CHECK(strstr(f.items[0].detail, "max-age=100") != NULL);
}

static void test_details(void) {
  dt__audit_findings f;
  dt__audit_findings_init(&f);
  dt__audit_header_opts o = {DT__AUDIT_CHECK_PARSE,
                             DT__AUDIT_POLICY_BULK_1_YEAR, 0};
  const char h[] = "max-age=1; x\x01y\xc3\xa9z";
  CHECK_INT(dt__audit_sts_value(h, sizeof h - 1, &o, NULL, &f), 0);
  CHECK_INT(f.count, 1);
  CHECK_STR(f.items[0].detail, "`x\\x01y\\xC3\\xA9z`");

  /* Long evidence is cut, marked, and stays inside the buffer. */
  char big[3000];
  memcpy(big, "max-age=1; ", 11);
  memset(big + 11, 'a', sizeof big - 12);
  big[sizeof big - 1] = '\0';
  dt__audit_findings_init(&f);
  CHECK_INT(dt__audit_sts_value(big, strlen(big), &o, NULL, &f), 0);
  CHECK_INT(f.count, 1);
  size_t dl = strlen(f.items[0].detail);
  CHECK(dl < DT__AUDIT_DETAIL_MAX);
  CHECK(dl >= 3 && strcmp(f.items[0].detail + dl - 3, "...") == 0);

  /* The lead's redirect findings go through the same door. */
  dt__audit_findings_init(&f);
  CHECK_INT(dt__audit_add(&f, DT__AUDIT_REDIRECTS_HTTP_WWW_FIRST,
                          "first hop %s", "https://www.a.test/"),
            0);
  CHECK_STR(f.items[0].detail, "first hop https://www.a.test/");
  CHECK_INT(f.items[0].severity, DT__AUDIT_ERROR);
}

static void test_bounds_and_uniqueness(void) {
  /* 100 unknown directives: the list keeps the first ones and counts the
   * rest, never writing past its end. */
  char h[2048];
  size_t o = (size_t)snprintf(h, sizeof h, "max-age=1");
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(h + o, sizeof h - o, "; u%d", i);
  dt__audit_findings f;
  dt__audit_findings_init(&f);
  CHECK_INT(dt__audit_sts_value(h, o, NULL, NULL, &f), 0);
  CHECK_INT(f.count, DT__AUDIT_MAX_FINDINGS);
  CHECK(f.dropped > 0);
  CHECK_INT(f.count + f.dropped, 100 + 3); /* + isd, preload, 1 year */

  /* "Unique" is per header: two headers audited into one list each get
   * their repeated.preload. */
  dt__audit_findings_init(&f);
  dt__audit_header_opts po = {DT__AUDIT_CHECK_PARSE,
                              DT__AUDIT_POLICY_BULK_1_YEAR, 0};
  const char *rp = "max-age=1; preload; preload; preload";
  CHECK_INT(dt__audit_sts_value(rp, strlen(rp), &po, NULL, &f), 0);
  CHECK_INT(dt__audit_sts_value(rp, strlen(rp), &po, NULL, &f), 0);
  CHECK_INT(f.count, 2);
  CHECK_INT(f.items[1].code, DT__AUDIT_HEADER_PARSE_REPEATED_PRELOAD);
}

int main(void) {
  test_cases_file();
  test_table();
  test_docs_list_every_code();
  test_defaults_and_args();
  test_details();
  test_bounds_and_uniqueness();
  return dt_test_summary("test_audit_header");
}
