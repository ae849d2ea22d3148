/* test_redirect.c — the pure redirect rules (engine/nav/redirect.c) against the
 * conformance table of docs/redirects.md §2, one row per case ID
 * (docs/conformance.md "Pure row(s) now"). No socket: a script of responses
 * goes in, the next request (URL, method, body, headers) or the verdict
 * comes out. Expectations are copied from docs/redirects.md and
 * docs/decisions.md, not from the code. The same cases run end to end, against
 * the fixture server, in tests/integration/test_conformance.py. */
#include "dt_test.h"
#include "engine/nav/redirect.h"
#include "engine/nav/upgrade.h"
#include "engine/profile.h"
#include "hsts/base/ascii.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 8

/* One response of a script and what must follow it. */
typedef struct hop_row {
  int status;       /* 0 ends the script */
  const char *resp; /* "Name: value|Name: value" ('|'-separated) */
  dt__redirect_verdict verdict;
  int err;            /* ERROR: the DT_E* code */
  const char *url;    /* FOLLOW: the next URL's href */
  const char *method; /* FOLLOW: the next method */
  int body;           /* FOLLOW: 1 body resent, 0 not, -1 unchecked */
  const char *has;    /* next request headers with exact values */
  const char *absent; /* "Name|Name": next request must not carry */
  const char *note;   /* substring of the hop note */
} hop_row;

typedef struct script_row {
  const char *id;
  const char *profile; /* NULL: the default (chromium) */
  const char *method;
  int has_body, body_streamed;
  const char *req;       /* caller headers, '|'-separated */
  const char *initiator; /* NULL: typed by the user */
  const char *url;
  const char *first_has, *first_absent; /* the first request's headers */
  hop_row hops[4];
} script_row;

#define FOLLOW(u, m, b) DT__REDIRECT_FOLLOW, 0, u, m, b
#define FINAL DT__REDIRECT_FINAL, 0, NULL, NULL, -1
#define NE(e) DT__REDIRECT_ERROR, e, NULL, NULL, -1

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define BODY_HDRS                                                              \
  "Content-Type|Content-Encoding|Content-Language|Content-Location|"           \
  "Content-Length"
#define AUTH "Authorization: Basic dTpw"
#define PAGE "https://a.test/page?q#f"

static const script_row rows[] = {
    /* Method rewriting (rules 14-17). */
    {"C01",
     0,
     "POST",
     1,
     0,
     FORM,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, BODY_HDRS,
       "POST became GET"}}},
    {"C02",
     0,
     "POST",
     1,
     0,
     FORM,
     0,
     "http://a.test/f",
     0,
     0,
     {{302, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, BODY_HDRS,
       0}}},
    {"C03",
     0,
     "POST",
     1,
     0,
     FORM,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, BODY_HDRS,
       0}}},
    {"C04",
     0,
     "POST",
     1,
     0,
     FORM,
     0,
     "http://a.test/f",
     0,
     0,
     {{307, "Location: /g", FOLLOW("http://a.test/g", "POST", 1), FORM, 0, 0}}},
    {"C05",
     0,
     "POST",
     1,
     0,
     FORM,
     0,
     "http://a.test/f",
     0,
     0,
     {{308, "Location: /g", FOLLOW("http://a.test/g", "POST", 1), FORM, 0, 0}}},
    {"C06",
     0,
     "PUT",
     1,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", FOLLOW("http://a.test/g", "PUT", 1), 0, 0, 0}}},
    {"C07",
     0,
     "PUT",
     1,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{302, "Location: /g", FOLLOW("http://a.test/g", "PUT", 1), 0, 0, 0}}},
    {"C08",
     0,
     "PUT",
     1,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, 0, 0}}},
    {"C09",
     0,
     "DELETE",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, 0, 0}}},
    {"C10-301",
     0,
     "HEAD",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", FOLLOW("http://a.test/g", "HEAD", 0), 0, 0, 0}}},
    {"C10-302",
     0,
     "HEAD",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{302, "Location: /g", FOLLOW("http://a.test/g", "HEAD", 0), 0, 0, 0}}},
    {"C10-303",
     0,
     "HEAD",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "HEAD", 0), 0, 0, 0}}},
    {"C10-307",
     0,
     "HEAD",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{307, "Location: /g", FOLLOW("http://a.test/g", "HEAD", 0), 0, 0, 0}}},
    {"C10-308",
     0,
     "HEAD",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{308, "Location: /g", FOLLOW("http://a.test/g", "HEAD", 0), 0, 0, 0}}},
    {"C11",
     0,
     "TESTING",
     0,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, 0, 0}}},
    {"C12",
     0,
     "POST",
     1,
     0,
     FORM "|Content-Encoding: gzip|Content-Language: en|Content-Location: /d",
     0,
     "http://a.test/f",
     "Content-Encoding: gzip|Content-Language: en",
     0,
     {{302, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, BODY_HDRS,
       0}}},
    /* Fetch HTTP-redirect fetch step 11 runs before the method rewrite. */
    {"C13",
     0,
     "POST",
     1,
     1,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{307, "Location: /g", NE(DT_EINVAL), 0, 0, 0}}},
    {"C14",
     0,
     "POST",
     1,
     1,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", NE(DT_EINVAL), 0, 0, 0}}},
    {"C15",
     0,
     "POST",
     1,
     1,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{303, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, 0, 0}}},
    {"lowercase-post",
     0,
     "post",
     1,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", FOLLOW("http://a.test/g", "GET", 0), 0, 0, 0}}},
    {"patch-kept",
     0,
     "patch",
     1,
     0,
     0,
     0,
     "http://a.test/f",
     0,
     0,
     {{301, "Location: /g", FOLLOW("http://a.test/g", "patch", 1), 0, 0, 0}}},

    /* Empty and duplicate Location (knobs 1-3). */
    {"C20",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/a",
     0,
     0,
     {{302, "Location: ", FINAL, 0, 0, "empty Location"}}},
    {"C20-fetch",
     "fetch",
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/a",
     0,
     0,
     {{302, "Location: ", FOLLOW("http://a.test/a", "GET", 0), 0, 0, 0}}},
    /* firefox: measured on Firefox ESR 153, as fetch */
    {"C20-firefox",
     "firefox",
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/a",
     0,
     0,
     {{302, "Location: ", FOLLOW("http://a.test/a", "GET", 0), 0, 0, 0}}},

    /* Location resolution (rules 5-8, 13). */
    {"C21",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/x/y/z",
     0,
     0,
     {{302, "Location: ../q", FOLLOW("http://a.test/x/q", "GET", 0), 0, 0, 0}}},
    {"C22",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/w/a/t/z",
     0,
     0,
     {{302, "Location: ../../../../../../q",
       FOLLOW("http://a.test/q", "GET", 0), 0, 0, 0}}},
    {"C23",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: //b.test/p", FOLLOW("http://b.test/p", "GET", 0), 0, 0,
       0}}},
    {"C24",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: \\\\b.test\\p", FOLLOW("http://b.test/p", "GET", 0), 0,
       0, 0}}},
    {"C25",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/foo/bar",
     0,
     0,
     {{302, "Location: http:foo", FOLLOW("http://a.test/foo/foo", "GET", 0), 0,
       0, 0}}},
    {"C26",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/",
     0,
     0,
     {{302, "Location: http://b.test:0000080/c",
       FOLLOW("http://b.test/c", "GET", 0), 0, 0, 0}}},
    {"C27",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/",
     0,
     0,
     {{302, "Location: http://b.test:999999/", NE(DT_EREDIRECT_LOCATION), 0, 0,
       0}}},
    {"C28",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/",
     0,
     0,
     {{302, "Location: http://b.te\tst/", FOLLOW("http://b.test/", "GET", 0), 0,
       0, 0}}},
    {"C29-snowman",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: top.txt?\xe2\x98\x83",
       FOLLOW("http://a.test/top.txt?%E2%98%83", "GET", 0), 0, 0, 0}}},
    {"C29-ff",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: top.txt?\xff",
       FOLLOW("http://a.test/top.txt?%FF", "GET", 0), 0, 0, 0}}},
    {"C30",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: /a b?c d", FOLLOW("http://a.test/a%20b?c%20d", "GET", 0),
       0, 0, 0}}},
    {"C31",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p#frag",
     0,
     0,
     {{301, "Location: /q", FOLLOW("http://a.test/q#frag", "GET", 0), 0, 0,
       0}}},
    {"C32",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p#frag",
     0,
     0,
     {{301, "Location: /q#other", FOLLOW("http://a.test/q#other", "GET", 0), 0,
       0, 0}}},
    {"C33",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p#frag",
     0,
     0,
     {{301, "Location: /q#", FOLLOW("http://a.test/q#", "GET", 0), 0, 0, 0}}},
    {"C34",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p#f1",
     0,
     0,
     {{302, "Location: /q", FOLLOW("http://a.test/q#f1", "GET", 0), 0, 0, 0},
      {302, "Location: /r", FOLLOW("http://a.test/r#f1", "GET", 0), 0, 0, 0}}},
    {"C35",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: data:,HI", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C36-mailto",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: mailto:a@a.com", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C36-about",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: about:blank", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C36-blob",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: blob:x", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C36-ftp",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: ftp://a.test/", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C37",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: invalidurl:", NE(DT_EREDIRECT_SCHEME), 0, 0, 0}}},
    {"C76",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/",
     0,
     0,
     {{302, "Location: http://a.test:25/", NE(DT_EBADPORT), 0, 0, 0}}},

    /* Not redirects (rules 1-4, 33-34). */
    {"C38",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{300, "Location: /q", FINAL, 0, 0, 0}}},
    {"C39",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{304, "Location: /q", FINAL, 0, 0, 0}}},
    {"C40-305",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{305, "Location: /q", FINAL, 0, 0, 0}}},
    {"C40-306",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{306, "Location: /q", FINAL, 0, 0, 0}}},
    {"C41",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{301, "Content-Length: 5", FINAL, 0, 0, 0}}},
    {"C42",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: /x|Location: /y", NE(DT_EREDIRECT_LOCATION), 0, 0, 0}}},
    {"C43",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: /x|Location: /x", FOLLOW("http://a.test/x", "GET", 0), 0,
       0, 0}}},
    {"C43-fetch",
     "fetch",
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: /x|Location: /x", NE(DT_EREDIRECT_LOCATION), 0, 0, 0}}},
    /* firefox: nsHttpHeaderArray keeps one of two identical fields */
    {"C43-firefox",
     "firefox",
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/p",
     0,
     0,
     {{302, "Location: /x|Location: /x", FOLLOW("http://a.test/x", "GET", 0), 0,
       0, 0}}},

    /* Headers and credentials (rules 18-24, knob 5). */
    {"C44",
     0,
     "GET",
     0,
     0,
     AUTH,
     0,
     "http://a.test/",
     AUTH,
     0,
     {{302, "Location: http://a.test/x", FOLLOW("http://a.test/x", "GET", 0),
       AUTH, 0, 0}}},
    {"C45",
     0,
     "GET",
     0,
     0,
     AUTH,
     0,
     "http://a.test/",
     AUTH,
     0,
     {{302, "Location: http://b.test/", FOLLOW("http://b.test/", "GET", 0), 0,
       "Authorization", 0}}},
    {"C46",
     0,
     "GET",
     0,
     0,
     AUTH,
     0,
     "http://a.test/1",
     AUTH,
     0,
     {{302, "Location: http://b.test/", FOLLOW("http://b.test/", "GET", 0), 0,
       "Authorization", 0},
      {302, "Location: http://a.test/2", FOLLOW("http://a.test/2", "GET", 0), 0,
       "Authorization", 0}}},
    {"C47",
     0,
     "GET",
     0,
     0,
     AUTH,
     0,
     "https://a.test/",
     AUTH,
     0,
     {{302, "Location: http://a.test/", FOLLOW("http://a.test/", "GET", 0), 0,
       "Authorization", 0}}},
    {"C48",
     0,
     "GET",
     0,
     0,
     AUTH,
     0,
     "https://a.test:8443/",
     AUTH,
     0,
     {{302, "Location: https://a.test:9443/",
       FOLLOW("https://a.test:9443/", "GET", 0), 0, "Authorization", 0}}},
    {"C49",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     "Referer: https://a.test/page?q",
     0,
     {{302, "Location: https://a.test/2", FOLLOW("https://a.test/2", "GET", 0),
       "Referer: https://a.test/page?q", 0, 0}}},
    {"C50",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     0,
     0,
     {{302, "Location: https://b.test/", FOLLOW("https://b.test/", "GET", 0),
       "Referer: https://a.test/", 0, 0}}},
    {"C51",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     0,
     0,
     {{302, "Location: http://b.test/", FOLLOW("http://b.test/", "GET", 0), 0,
       "Referer", 0}}},
    {"C52",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     0,
     0,
     {{302, "Location: https://a.test/2|Referrer-Policy: no-referrer",
       FOLLOW("https://a.test/2", "GET", 0), 0, "Referer", 0}}},
    {"C53",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     0,
     0,
     {{302, "Location: http://b.test/|Referrer-Policy: unsafe-url",
       FOLLOW("http://b.test/", "GET", 0), "Referer: https://a.test/page?q", 0,
       0}}},
    {"C54",
     0,
     "GET",
     0,
     0,
     0,
     PAGE,
     "https://a.test/r",
     0,
     0,
     {{302, "Location: https://b.test/x", FOLLOW("https://b.test/x", "GET", 0),
       "Referer: https://a.test/", 0, 0},
      {302, "Location: https://a.test/y", FOLLOW("https://a.test/y", "GET", 0),
       "Referer: https://a.test/", 0, 0}}},
    {"C55",
     0,
     "GET",
     0,
     0,
     0,
     0,
     "http://a.test/",
     0,
     "Referer|Origin",
     {{302, "Location: http://b.test/", FOLLOW("http://b.test/", "GET", 0), 0,
       "Referer|Origin", 0}}},
    {"C56",
     0,
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     "Origin: https://a.test",
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       "Origin: null", 0, 0}}},
    {"C56-fetch",
     "fetch",
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     "Origin: https://a.test",
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       "Origin: https://a.test", 0, 0}}},
    /* firefox: measured, the initiator's origin as Fetch */
    {"C56-firefox",
     "firefox",
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     "Origin: https://a.test",
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       "Origin: https://a.test", 0, 0}}},
    {"C57",
     0,
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     0,
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       0, 0, 0},
      {307, "Location: https://a.test/h", FOLLOW("https://a.test/h", "POST", 1),
       "Origin: null", 0, 0}}},
    {"C57-fetch",
     "fetch",
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     0,
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       "Origin: https://a.test", 0, 0},
      {307, "Location: https://a.test/h", FOLLOW("https://a.test/h", "POST", 1),
       "Origin: null", 0, 0}}},
    {"C57-firefox",
     "firefox",
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     0,
     0,
     {{307, "Location: https://b.test/g", FOLLOW("https://b.test/g", "POST", 1),
       "Origin: https://a.test", 0, 0},
      {307, "Location: https://a.test/h", FOLLOW("https://a.test/h", "POST", 1),
       "Origin: null", 0, 0}}},
    {"C58",
     0,
     "POST",
     1,
     0,
     FORM,
     "https://a.test/form",
     "https://a.test/f",
     0,
     0,
     {{302, "Location: https://a.test/g", FOLLOW("https://a.test/g", "GET", 0),
       0, "Origin|Content-Type", 0}}},
};

/* Splits "A: x|B: y" into FIELDS (pointers into BUF). */
static size_t split(const char *spec, char *buf, size_t cap, dt_header *fields,
                    int names_only) {
  size_t n = 0;
  if (spec == NULL) return 0;
  snprintf(buf, cap, "%s", spec);
  for (char *p = buf; p && *p && n < MAX_FIELDS;) {
    char *bar = strchr(p, '|');
    if (bar) *bar = '\0';
    fields[n].name = p;
    fields[n].value = "";
    if (!names_only) {
      char *colon = strchr(p, ':');
      if (colon) {
        *colon = '\0';
        fields[n].value = colon[1] == ' ' ? colon + 2 : colon + 1;
      }
    }
    n++;
    p = bar ? bar + 1 : NULL;
  }
  return n;
}

static const char *find(const dt__redirect_request *rq, const char *name) {
  for (size_t i = 0; i < rq->header_count; i++)
    if (strcasecmp(rq->headers[i].name, name) == 0) return rq->headers[i].value;
  return NULL;
}

static void check_headers(const char *id, int hop,
                          const dt__redirect_request *rq, const char *has,
                          const char *absent) {
  char buf[512];
  dt_header f[MAX_FIELDS];
  size_t n = split(has, buf, sizeof buf, f, 0);
  for (size_t i = 0; i < n; i++) {
    const char *v = find(rq, f[i].name);
    CHECK_(v && strcmp(v, f[i].value) == 0,
           "%s hop %d: %s is \"%s\", want \"%s\"", id, hop, f[i].name,
           v ? v : "(absent)", f[i].value);
  }
  n = split(absent, buf, sizeof buf, f, 1);
  for (size_t i = 0; i < n; i++) {
    const char *v = find(rq, f[i].name);
    CHECK_(v == NULL, "%s hop %d: %s must be absent, is \"%s\"", id, hop,
           f[i].name, v ? v : "");
  }
}

static dt_url *parse(const char *s) {
  dt_url *u = NULL;
  if (s && dt_url_parse(&u, s, strlen(s), NULL) != 0) return NULL;
  return u;
}

static int init_state(dt__redirect_state *st, const char *profile,
                      const char *method, int has_body, int streamed,
                      const dt_header *hdrs, size_t nh, const char *initiator,
                      const char *url) {
  dt_url *u = parse(url), *ini = parse(initiator);
  dt__redirect_params p = {
      .profile = profile ? dt__profile_find(profile) : NULL,
      .url = u,
      .method = method,
      .has_body = has_body,
      .body_streamed = streamed,
      .headers = hdrs,
      .header_count = nh,
      .initiator = ini,
  };
  int rc = u ? dt__redirect_init(st, &p) : DT_EURL;
  dt_url_free(u);
  dt_url_free(ini);
  return rc;
}

static void run_row(const script_row *r) {
  char rbuf[512];
  dt_header req[MAX_FIELDS];
  size_t nreq = split(r->req, rbuf, sizeof rbuf, req, 0);
  dt__redirect_state st;
  memset(&st, 0, sizeof st);
  int rc = init_state(&st, r->profile, r->method, r->has_body, r->body_streamed,
                      req, nreq, r->initiator, r->url);
  CHECK_(rc == 0, "%s: init failed (%d)", r->id, rc);
  if (rc) {
    dt__redirect_cleanup(&st);
    return;
  }
  dt__redirect_request cur;
  dt__redirect_current(&st, &cur);
  check_headers(r->id, 0, &cur, r->first_has, r->first_absent);
  for (int i = 0; i < 4 && r->hops[i].status; i++) {
    const hop_row *h = &r->hops[i];
    char hbuf[512];
    dt_header resp[MAX_FIELDS];
    size_t nresp = split(h->resp, hbuf, sizeof hbuf, resp, 0);
    dt__redirect_out out;
    dt__redirect_verdict v =
        dt__redirect_next(&st, h->status, resp, nresp, &out);
    CHECK_(v == h->verdict, "%s hop %d: verdict %d, want %d (%s)", r->id, i + 1,
           (int)v, (int)h->verdict, out.note);
    if (h->verdict == DT__REDIRECT_ERROR)
      CHECK_(out.err == h->err, "%s hop %d: error %d, want %d (%s)", r->id,
             i + 1, out.err, h->err, out.note);
    if (h->note)
      CHECK_(strstr(out.note, h->note) != NULL,
             "%s hop %d: note \"%s\" lacks \"%s\"", r->id, i + 1, out.note,
             h->note);
    if (v != DT__REDIRECT_FOLLOW || h->verdict != DT__REDIRECT_FOLLOW) break;
    dt__redirect_current(&st, &cur);
    CHECK_(strcmp(dt_url_get(cur.url, DT_URL_HREF), h->url) == 0,
           "%s hop %d: next URL %s, want %s", r->id, i + 1,
           dt_url_get(cur.url, DT_URL_HREF), h->url);
    CHECK_(strcmp(cur.method, h->method) == 0, "%s hop %d: method %s, want %s",
           r->id, i + 1, cur.method, h->method);
    if (h->body >= 0)
      CHECK_(cur.send_body == h->body, "%s hop %d: send_body %d, want %d",
             r->id, i + 1, cur.send_body, h->body);
    check_headers(r->id, i + 1, &cur, h->has, h->absent);
  }
  dt__redirect_cleanup(&st);
}

/* Limits and loops (rules 9-10, knobs 4/4b): the same redirect again and
 * again; FOLLOWS redirects are followed, the next one is the error. With
 * UPGRADE, every response is a 301 to http:// that the HSTS store upgrades
 * (C63): the int307 counts when the profile says so. */
typedef struct limit_row {
  const char *id;
  const char *profile;
  const char *url;
  int status;
  const char *location;
  int upgrade;
  unsigned follows;   /* redirects followed (network + internal) */
  unsigned synthetic; /* of which internal (int307) */
} limit_row;

static const limit_row limits[] = {
    {"C16/C17/C18", NULL, "http://a.test/a", 302, "Location: /a", 0, 19, 0},
    {"C16/C17/C18-fetch", "fetch", "http://a.test/a", 302, "Location: /a", 0,
     20, 0},
    {"C19-307", NULL, "http://a.test/a", 307, "Location: /b", 0, 19, 0},
    {"C20-fetch", "fetch", "http://a.test/a", 302, "Location: ", 0, 20, 0},
    /* chromium: 19 redirects, 9 of them internal (10 HTTPS GETs). */
    {"C63", NULL, "https://a.test/", 301, "Location: http://a.test/", 1, 19, 9},
    /* fetch: 20 network redirects, 20 int307 not counted. */
    {"C63-fetch", "fetch", "https://a.test/", 301, "Location: http://a.test/",
     1, 40, 20},
    /* firefox, measured on Firefox ESR 153: 20 followed, the 21st fails,
     * the int307 counted. */
    {"C16/C17/C18-firefox", "firefox", "http://a.test/a", 302, "Location: /a",
     0, 20, 0},
    {"C19-307-firefox", "firefox", "http://a.test/a", 307, "Location: /b", 0,
     20, 0},
    {"C20-firefox", "firefox", "http://a.test/a", 302, "Location: ", 0, 20, 0},
    {"C63-firefox", "firefox", "https://a.test/", 301,
     "Location: http://a.test/", 1, 20, 10},
};

static void run_limit(const limit_row *r) {
  char hbuf[128];
  dt_header resp[MAX_FIELDS];
  size_t nresp = split(r->location, hbuf, sizeof hbuf, resp, 0);
  dt__redirect_state st;
  memset(&st, 0, sizeof st);
  int rc = init_state(&st, r->profile, "GET", 0, 0, NULL, 0, NULL, r->url);
  CHECK_(rc == 0, "%s: init %d", r->id, rc);
  unsigned follows = 0, synthetic = 0;
  int err = 0;
  for (unsigned guard = 0; rc == 0 && guard < 100; guard++) {
    dt__redirect_out out;
    dt__redirect_request cur;
    dt__redirect_current(&st, &cur);
    dt__redirect_verdict v;
    if (r->upgrade && strcmp(dt_url_scheme(cur.url), "http") == 0) {
      dt_url *up = dt__hsts_upgrade_url(cur.url);
      v = dt__redirect_upgrade(&st, up, &out);
      dt_url_free(up);
      if (v == DT__REDIRECT_FOLLOW) synthetic++;
    } else {
      v = dt__redirect_next(&st, r->status, resp, nresp, &out);
    }
    if (v != DT__REDIRECT_FOLLOW) {
      err = v == DT__REDIRECT_ERROR ? out.err : -1;
      break;
    }
    follows++;
  }
  CHECK_(err == DT_EREDIRECT_LIMIT, "%s: ended with %d, want the limit", r->id,
         err);
  CHECK_(follows == r->follows, "%s: %u redirects followed, want %u", r->id,
         follows, r->follows);
  CHECK_(synthetic == r->synthetic, "%s: %u internal, want %u", r->id,
         synthetic, r->synthetic);
  dt__redirect_cleanup(&st);
}

/* Upgrade hops (C59-C62): the int307 keeps method, body and headers. */
static void run_upgrade(void) {
  dt_header req[2] = {{"Content-Type", "text/plain"}, {"Authorization", "x"}};
  dt__redirect_state st;
  memset(&st, 0, sizeof st);
  CHECK_INT(
      init_state(&st, NULL, "POST", 1, 0, req, 2, NULL, "http://a.test/f#frag"),
      0);
  dt__redirect_request cur;
  dt__redirect_current(&st, &cur);
  dt_url *up = dt__hsts_upgrade_url(cur.url);
  CHECK(up != NULL);
  dt__redirect_out out;
  CHECK_INT(dt__redirect_upgrade(&st, up, &out), DT__REDIRECT_FOLLOW);
  dt_url_free(up);
  dt__redirect_current(&st, &cur);
  CHECK_STR(dt_url_get(cur.url, DT_URL_HREF),
            "https://a.test/f#frag"); /* C60 */
  CHECK_STR(cur.method, "POST");
  CHECK_INT(cur.send_body, 1);
  check_headers("C60", 1, &cur, "Content-Type: text/plain|Authorization: x", 0);
  dt__redirect_cleanup(&st);

  /* C61, docs/decisions.md port rule. */
  static const char *const ports[][2] = {
      {"http://a.test:80/", "https://a.test/"},
      {"http://a.test:8080/", "https://a.test:8080/"},
      {"http://a.test:443/", "https://a.test/"},
      {"http://A.TEST./page", "https://a.test./page"}, /* C71 */
  };
  for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
    dt_url *u = parse(ports[i][0]);
    dt_url *v = u ? dt__hsts_upgrade_url(u) : NULL;
    CHECK_(v && strcmp(dt_url_get(v, DT_URL_HREF), ports[i][1]) == 0,
           "upgrade %s -> %s, want %s", ports[i][0],
           v ? dt_url_get(v, DT_URL_HREF) : "(null)", ports[i][1]);
    dt_url_free(v);
    dt_url_free(u);
  }
}

/* Rule 23 (WPT redirect-referrer.any.js, Chromium RedirectInfoTest
 * .ReferrerPolicy): a Referrer-Policy on the redirect decides the next hop's
 * Referer. From PAGE via https://a.test/r to the same origin, another origin
 * and an http:// origin (a downgrade). F = the full URL, O = the origin,
 * "" = no Referer. */
typedef struct policy_row {
  const char *policy;
  const char *same, *cross, *down;
} policy_row;

#define F "https://a.test/page?q"
#define O "https://a.test/"
static const policy_row policies[] = {
    {"unsafe-url", F, F, F},
    {"no-referrer-when-downgrade", F, F, ""},
    {"same-origin", F, "", ""},
    {"origin", O, O, O},
    {"origin-when-cross-origin", F, O, O},
    {"no-referrer", "", "", ""},
    {"strict-origin", O, O, ""},
    {"strict-origin-when-cross-origin", F, O, ""},
    /* Unknown and legacy tokens are ignored: the default stays. */
    {"never", F, O, ""},
    {"default", F, O, ""},
    /* A list: the last recognised token wins. */
    {"unsafe-url, origin, bogus", O, O, O},
};
#undef F
#undef O

static void run_policies(void) {
  static const char *const targets[3] = {"https://a.test/2", "https://b.test/2",
                                         "http://b.test/2"};
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
    const char *want[3] = {policies[i].same, policies[i].cross,
                           policies[i].down};
    for (int t = 0; t < 3; t++) {
      dt__redirect_state st;
      memset(&st, 0, sizeof st);
      if (init_state(&st, NULL, "GET", 0, 0, NULL, 0, PAGE,
                     "https://a.test/r") != 0) {
        CHECK_(0, "policy %s: init", policies[i].policy);
        continue;
      }
      dt_header resp[2] = {{"Location", targets[t]},
                           {"Referrer-Policy", policies[i].policy}};
      dt__redirect_out out;
      CHECK_INT(dt__redirect_next(&st, 302, resp, 2, &out),
                DT__REDIRECT_FOLLOW);
      dt__redirect_request cur;
      dt__redirect_current(&st, &cur);
      const char *got = find(&cur, "Referer");
      CHECK_(strcmp(got ? got : "", want[t]) == 0,
             "Referrer-Policy %s to %s: Referer \"%s\", want \"%s\"",
             policies[i].policy, targets[t], got ? got : "", want[t]);
      dt__redirect_cleanup(&st);
    }
  }
}

/* C73-C75: the permanent-redirect marker. */
static void run_cache(void) {
  dt_header plain[1] = {{"Location", "/new"}};
  dt_header nostore[2] = {{"Location", "/new"}, {"Cache-Control", "no-store"}};
  CHECK_INT(dt__redirect_is_cacheable_permanent(301, plain, 1), 1); /* C73 */
  CHECK_INT(dt__redirect_is_cacheable_permanent(308, plain, 1), 1);
  CHECK_INT(dt__redirect_is_cacheable_permanent(301, nostore, 2), 0); /* C74 */
  CHECK_INT(dt__redirect_is_cacheable_permanent(302, plain, 1), 0);   /* C75 */
}

/* Knob 17/17b (docs/decisions.md): a Location with userinfo, per
 * profile and mode. fetch() from https://a.test/page: chromium fails
 * whatever the origin (measured); fetch and firefox fail off the page's
 * origin or once the chain left it (Fetch HTTP-redirect fetch steps 9-10)
 * and follow it on the page's origin, where only firefox answers the 401
 * with the credentials (measured). A navigation follows it and answers
 * the 401 in every profile. */
typedef struct cred_row {
  const char *profile;
  int mode;
  const char *url, *location;
  int err;   /* 0: followed */
  int retry; /* followed: the 401 Basic is answered with the userinfo */
} cred_row;

static const cred_row cred_rows[] = {
    {"chromium", DT_MODE_CORS, "https://a.test/r", "https://u:p@a.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    {"fetch", DT_MODE_CORS, "https://a.test/r", "https://u:p@a.test/auth", 0,
     0},
    {"firefox", DT_MODE_CORS, "https://a.test/r", "https://u:p@a.test/auth", 0,
     1},
    {"chromium", DT_MODE_CORS, "https://a.test/r", "https://u:p@b.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    {"fetch", DT_MODE_CORS, "https://a.test/r", "https://u:p@b.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    {"firefox", DT_MODE_CORS, "https://a.test/r", "https://u:p@b.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    /* step 10: a cross-origin resource redirecting to the page's origin */
    {"fetch", DT_MODE_CORS, "https://b.test/r", "https://u:p@a.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    {"firefox", DT_MODE_CORS, "https://b.test/r", "https://u:p@a.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    /* the fetch profile's default with an initiator is fetch() */
    {"fetch", DT_MODE_DEFAULT, "https://a.test/r", "https://u:p@b.test/auth",
     DT_EREDIRECT_LOCATION, 0},
    {"chromium", DT_MODE_NAVIGATE, "https://a.test/r",
     "https://u:p@b.test/auth", 0, 1},
    {"fetch", DT_MODE_NAVIGATE, "https://a.test/r", "https://u:p@b.test/auth",
     0, 1},
    {"firefox", DT_MODE_NAVIGATE, "https://a.test/r", "https://u:p@b.test/auth",
     0, 1},
    {"chromium", DT_MODE_DEFAULT, "https://a.test/r", "https://u:p@b.test/auth",
     0, 1},
    {"firefox", DT_MODE_DEFAULT, "https://a.test/r", "https://u:p@b.test/auth",
     0, 1},
};

static void run_credentials(void) {
  for (size_t i = 0; i < sizeof cred_rows / sizeof cred_rows[0]; i++) {
    const cred_row *r = &cred_rows[i];
    dt_url *u = parse(r->url), *ini = parse("https://a.test/page");
    dt__redirect_params p = {
        .profile = dt__profile_find(r->profile),
        .url = u,
        .method = "GET",
        .initiator = ini,
        .mode = r->mode,
    };
    dt__redirect_state st;
    memset(&st, 0, sizeof st);
    CHECK_INT(dt__redirect_init(&st, &p), 0);
    dt_url_free(u);
    dt_url_free(ini);
    char loc[128];
    snprintf(loc, sizeof loc, "%s", r->location);
    dt_header resp[] = {{"Location", loc}};
    dt__redirect_out out;
    dt__redirect_verdict v = dt__redirect_next(&st, 302, resp, 1, &out);
    CHECK_(v == (r->err ? DT__REDIRECT_ERROR : DT__REDIRECT_FOLLOW),
           "creds %zu (%s mode %d %s): verdict %d (%s)", i, r->profile, r->mode,
           r->location, (int)v, out.note);
    if (r->err) {
      CHECK_(out.err == r->err, "creds %zu: err %d", i, out.err);
      dt__redirect_cleanup(&st);
      continue;
    }
    /* followed without the credentials in a field */
    dt__redirect_request cur;
    dt__redirect_current(&st, &cur);
    for (size_t k = 0; k < cur.header_count; k++)
      CHECK_(!dt__ascii_ieq(cur.headers[k].name, "Authorization"),
             "creds %zu: Authorization before the 401", i);
    dt_header chal[] = {{"WWW-Authenticate", "Basic realm=\"x\""}};
    v = dt__redirect_auth_retry(&st, 401, chal, 1, &out);
    CHECK_(v == (r->retry ? DT__REDIRECT_FOLLOW : DT__REDIRECT_FINAL),
           "creds %zu (%s mode %d): 401 verdict %d", i, r->profile, r->mode,
           (int)v);
    if (v == DT__REDIRECT_FOLLOW) {
      dt__redirect_current(&st, &cur);
      const char *auth = NULL;
      for (size_t k = 0; k < cur.header_count; k++)
        if (dt__ascii_ieq(cur.headers[k].name, "Authorization"))
          auth = cur.headers[k].value;
      CHECK_(auth && strcmp(auth, "Basic dTpw") == 0, "creds %zu: %s", i,
             auth ? auth : "(none)");
    }
    dt__redirect_cleanup(&st);
  }
}

int main(void) {
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    run_row(&rows[i]);
  run_credentials();
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
    run_limit(&limits[i]);
  run_upgrade();
  run_policies();
  run_cache();
  /* Bad ports (rule 13): the list's edges, and a first URL on one. */
  CHECK_INT(dt__port_is_bad(25), 1);
  CHECK_INT(dt__port_is_bad(10080), 1);
  CHECK_INT(dt__port_is_bad(6666), 1);
  CHECK_INT(dt__port_is_bad(8080), 0);
  dt__redirect_state st;
  memset(&st, 0, sizeof st);
  CHECK_INT(
      init_state(&st, NULL, "GET", 0, 0, NULL, 0, NULL, "http://a.test:25/"),
      DT_EBADPORT);
  dt__redirect_cleanup(&st);
  return dt_test_summary("test_redirect");
}
