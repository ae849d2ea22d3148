/* test_address_bar.c — what the address bar makes of typed text
 * (dt_address_bar_url, engine/nav/address_bar.c; docs/cli.md "Scheme-less
 * input"): a row per input, from Chromium's url_fixer rules (a "scheme"
 * with a dot, or followed by a port, is a host) and the http:// both
 * browsers add. */
#include "detour.h"

#include "dt_test.h"

#include <string.h>

int main(void) {
  static const struct {
    const char *text, *url; /* url NULL: DT_EURL */
    int schemeless;
  } rows[] = {
      {"example.com", "http://example.com/", 1},
      {"example.com/a?b#c", "http://example.com/a?b#c", 1},
      {"Example.COM:8080/x", "http://example.com:8080/x", 1},
      {"a.test:8080/x", "http://a.test:8080/x", 1}, /* not the scheme a.test */
      {"www.example.com:/", "http://www.example.com/", 1},
      {"localhost:3000", "http://localhost:3000/", 1}, /* host:port */
      {"www:123/", "http://www:123/", 1},
      {"[::1]:8080/", "http://[::1]:8080/", 1},
      {"127.0.0.1", "http://127.0.0.1/", 1},
      {"  example.org \n", "http://example.org/", 1}, /* white space */
      {"//example.org/p", "http://example.org/p", 1}, /* scheme-relative */
      /* read as the URL parser reads: C0 at the ends, tabs and newlines
       * anywhere are not there (fuzz_address_bar found "com:80\x01") */
      {"com:80\x01", "http://com/", 1},
      {"com:8\t0/x", "http://com/x", 1},
      {"exam\nple.com", "http://example.com/", 1},
      {"http://example.com", "http://example.com/", 0},
      {"HTTPS://Example.com/x", "https://example.com/x", 0},
      {"http:example.com", "http://example.com/", 0},
      {"ftp://example.com/", "ftp://example.com/", 0}, /* dt_fetch refuses */
      {"mailto:a@b.example", "mailto:a@b.example", 0},
      {"hello world", NULL, 0},
      {"exa mple.com", NULL, 0},
      {"", NULL, 0},
      {" \t ", NULL, 0},
      {"http://", NULL, 0},
      {"example.com:99999", NULL, 0}, /* a port out of range */
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char *url = NULL;
    int schemeless = -1;
    dt_error err = {0};
    int rc = dt_address_bar_url(rows[i].text, &url, &schemeless, &err);
    if (rows[i].url) {
      CHECK_(rc == 0, "'%s': %d %s", rows[i].text, rc, err.message);
      CHECK_(url && strcmp(url, rows[i].url) == 0, "'%s' → %s, want %s",
             rows[i].text, url ? url : "(null)", rows[i].url);
      CHECK_(schemeless == rows[i].schemeless, "'%s' schemeless %d",
             rows[i].text, schemeless);
    } else {
      CHECK_(rc == DT_EURL, "'%s': want EURL, got %d", rows[i].text, rc);
      CHECK_(url == NULL && schemeless == 0 && err.message[0],
             "'%s': an error with a message and nothing else", rows[i].text);
    }
    dt_free(url);
  }
  /* the error names the text */
  dt_error err = {0};
  char *url = NULL;
  CHECK_INT(dt_address_bar_url("hello world", &url, NULL, &err), DT_EURL);
  CHECK(strstr(err.message, "hello world") != NULL);
  /* the column is the typed text's (1-based), white space counted */
  CHECK_INT(err.column, 6);
  CHECK_INT(dt_address_bar_url(" example.com:99999/x", &url, NULL, &err),
            DT_EURL);
  CHECK_INT(err.column, 14);
  CHECK(strstr(err.message, "65535") != NULL);
  CHECK_INT(dt_address_bar_url(NULL, &url, NULL, NULL), DT_EINVAL);
  CHECK_INT(dt_address_bar_url("x", NULL, NULL, NULL), DT_EINVAL);
  return dt_test_summary("test_address_bar");
}
