/* test_http1.c — the HTTP/1.1 layer in memory: responses as byte strings,
 * fed whole, split at every byte boundary, and one byte at a time; the hop
 * must come out the same each way. Plus request serialisation. */
#include "engine/chain.h"
#include "engine/net/http1.h"

#include "dt_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
  const char *name;
  const char *wire;
  int is_head;
  int eof;  /* feed EOF after the bytes */
  int want; /* 1 complete, or DT_E* */
  int status;
  const char *reason;
  size_t nheaders;
  const char *body; /* kept body */
  unsigned long long body_bytes;
  int keep_alive;
  size_t trailing; /* bytes after the response not consumed */
} row;

static const row rows[] = {
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0,
     0, 1, 200, "OK", 1, "hello", 5, 1, 0},
    {"chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde"
     "\r\n0\r\n\r\n",
     0, 0, 1, 200, "OK", 1, "abcde", 5, 1, 0},
    {"close-delimited", "HTTP/1.1 200 Fine\r\nConnection: close\r\n\r\nxyz", 0,
     1, 1, 200, "Fine", 1, "xyz", 3, 0, 0},
    {"head", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 1, 0, 1, 200,
     "OK", 1, "", 0, 1, 0},
    {"204", "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, 1, 204, "No Content", 0,
     "", 0, 1, 0},
    {"304 with length",
     "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 0, 0, 1, 304,
     "Not Modified", 1, "", 0, 1, 0},
    {"1xx skipped",
     "HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: "
     "x\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
     0, 0, 1, 201, "Created", 1, "ok", 2, 1, 0},
    {"101 is an error",
     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: "
     "upgrade\r\n\r\n",
     0, 0, DT_EHTTP, 0, NULL, 0, NULL, 0, 0, 0},
    {"duplicates kept in order",
     "HTTP/1.1 302 Found\r\nLocation: /a\r\nStrict-Transport-Security: "
     "max-age=1\r\nLocation: /b\r\nStrict-Transport-Security: "
     "max-age=2\r\nContent-Length: 0\r\n\r\n",
     0, 0, 1, 302, "Found", 5, "", 0, 1, 0},
    {"empty reason", "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n", 0, 0, 1, 299,
     "", 1, "", 0, 1, 0},
    {"trailing bytes not consumed",
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1", 0, 0, 1, 200,
     "OK", 1, "a", 1, 1, 8},
    {"truncated content-length",
     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 1, DT_ETRUNCATED,
     200, "OK", 1, "abc", 3, 0, 0},
    {"truncated chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 1,
     DT_ETRUNCATED, 200, "OK", 1, "ab", 2, 0, 0},
    {"truncated head", "HTTP/1.1 200 OK\r\nContent-Le", 0, 1, DT_ETRUNCATED, 0,
     NULL, 0, NULL, 0, 0, 0},
    {"nothing at all", "", 0, 1, DT_ECONNRESET, 0, NULL, 0, NULL, 0, 0, 0},
    {"garbage", "XYZZY this is not HTTP\r\n\r\n", 0, 0, DT_EHTTP, 0, NULL, 0,
     NULL, 0, 0, 0},
    {"http/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz", 0, 0,
     1, 200, "OK", 1, "z", 1, 0, 0},
};

/* Feeds wire in pieces at cut points; returns the final rc. */
static int run(const row *r, const dt_limits *lim, size_t cut, int bytewise,
               dt_chain **chain_out, dt_hop **hop_out, size_t *trailing,
               int *keep) {
  dt_chain *chain = dt__chain_new("GET", "http://a.test/");
  dt_hop *hop = dt__chain_add_hop(chain);
  dt__resp resp;
  dt__resp_init(&resp, chain, hop, lim);
  dt__http1 p;
  dt__http1_init(&p, &resp, r->is_head);
  size_t n = strlen(r->wire), off = 0;
  int rc = 0;
  while (off < n && rc == 0) {
    size_t len = bytewise ? 1 : (off < cut ? cut - off : n - off);
    size_t used = 0;
    rc = dt__http1_feed(&p, r->wire + off, len, &used);
    if (rc == 1) {
      off += used;
      break;
    }
    off += len;
  }
  *trailing = n - off;
  if (rc == 0 && r->eof) rc = dt__http1_eof(&p);
  if (rc < 0 && rc == p.err) CHECK(p.msg[0] != 0);
  *keep = p.keep_alive;
  dt__http1_free(&p);
  dt__resp_free(&resp);
  *chain_out = chain;
  *hop_out = hop;
  return rc;
}

static void check_row(const row *r, const dt_limits *lim) {
  size_t n = strlen(r->wire);
  for (size_t cut = 0; cut <= n + 1; cut++) {
    dt_chain *chain;
    dt_hop *hop;
    size_t trailing;
    int keep;
    int rc = run(r, lim, cut, cut == n + 1, &chain, &hop, &trailing, &keep);
    CHECK_(rc == r->want, "%s cut %zu: rc %d want %d", r->name, cut, rc,
           r->want);
    if (r->reason) {
      CHECK_(hop->status == r->status, "%s cut %zu: status %d", r->name, cut,
             hop->status);
      CHECK_(hop->reason && strcmp(hop->reason, r->reason) == 0,
             "%s cut %zu: reason", r->name, cut);
      CHECK_(hop->resp_header_count == r->nheaders, "%s cut %zu: %zu headers",
             r->name, cut, hop->resp_header_count);
    }
    if (r->body) {
      CHECK_(hop->body_kept == strlen(r->body) &&
                 (hop->body_kept == 0 ||
                  memcmp(hop->body, r->body, hop->body_kept) == 0),
             "%s cut %zu: body", r->name, cut);
      CHECK_(hop->resp_body_bytes == r->body_bytes, "%s cut %zu: body bytes",
             r->name, cut);
    }
    if (r->want == 1) {
      CHECK_(keep == r->keep_alive, "%s cut %zu: keep-alive %d", r->name, cut,
             keep);
      CHECK_(trailing == r->trailing, "%s cut %zu: trailing %zu", r->name, cut,
             trailing);
    }
    dt_chain_free(chain);
  }
}

static void test_duplicates(const dt_limits *lim) {
  const row *r = &rows[8];
  dt_chain *chain;
  dt_hop *hop;
  size_t t;
  int k;
  run(r, lim, 0, 0, &chain, &hop, &t, &k);
  CHECK_INT(hop->resp_header_count, 5);
  if (hop->resp_header_count == 5) {
    CHECK_STR(hop->resp_headers[0].name, "Location");
    CHECK_STR(hop->resp_headers[0].value, "/a");
    CHECK_STR(hop->resp_headers[2].value, "/b");
    CHECK_STR(hop->resp_headers[3].value, "max-age=2");
  }
  dt_chain_free(chain);
}

static void test_limits(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  lim.max_header_count = 3;
  row r = {"count",
           "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
           0,
           0,
           DT_ELIMIT_HEADER_COUNT,
           0,
           NULL,
           0,
           NULL,
           0,
           0,
           0};
  check_row(&r, &lim);
  row r3 = {"count ok", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            0,          1,
            1,          200,
            "OK",       3,
            "",         0,
            0,          0};
  check_row(&r3, &lim);
  dt_limits_default(&lim);
  lim.max_header_bytes = 64;
  row r2 = {"bytes",
            "HTTP/1.1 200 OK\r\nX-Long: "
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
            0,
            0,
            DT_ELIMIT_HEADER_BYTES,
            0,
            NULL,
            0,
            NULL,
            0,
            0,
            0};
  check_row(&r2, &lim);
  dt_limits_default(&lim);
  lim.max_body_bytes = 4;
  row r4 = {"body over keep limit",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
            0,
            0,
            1,
            200,
            "OK",
            1,
            "0123",
            10,
            1,
            0};
  check_row(&r4, &lim);
}

static void test_request(void) {
  dt_chain *chain = dt__chain_new("POST", "http://a.test/x");
  dt_hop *hop = dt__chain_add_hop(chain);
  dt_header h[] = {
      {"accept", "text/html"}, {"X-One", "1"}, {"Content-Length", "99"}};
  char *out;
  size_t len;
  int rc =
      dt__http1_build_request(chain, hop, "POST", "/x?q", "a.test:8080", NULL,
                              h, 3, (const uint8_t *)"abc", 3, &out, &len);
  CHECK_INT(rc, 0);
  const char *want = "POST /x?q HTTP/1.1\r\nHost: a.test:8080\r\nUser-Agent: "
                     "detour/" DETOUR_VERSION
                     "\r\naccept: text/html\r\nX-One: 1\r\nContent-Length: "
                     "3\r\n\r\nabc";
  CHECK_INT(len, strlen(want));
  CHECK(out && len == strlen(want) && memcmp(out, want, len) == 0);
  CHECK_INT(hop->req_header_count, 5);
  CHECK_INT(hop->req_body_bytes, 3);
  free(out);
  /* PUT without body still says Content-Length: 0; GET without says none */
  rc = dt__http1_build_request(chain, hop, "GET", "/", "a.test", "ua/1", NULL,
                               0, NULL, 0, &out, &len);
  CHECK_INT(rc, 0);
  CHECK(out && strstr(out, "Content-Length") == NULL);
  CHECK(out && strstr(out, "User-Agent: ua/1\r\n") != NULL);
  free(out);
  dt_header bad[] = {{"X-Evil", "a\r\nInjected: 1"}};
  rc = dt__http1_build_request(chain, hop, "GET", "/", "a.test", NULL, bad, 1,
                               NULL, 0, &out, &len);
  CHECK_INT(rc, DT_EINVAL);
  dt_chain_free(chain);
}

int main(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(&rows[i], &lim);
  test_duplicates(&lim);
  test_limits();
  test_request();
  return dt_test_summary("test_http1");
}
