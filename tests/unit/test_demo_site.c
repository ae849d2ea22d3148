/* test_demo_site.c — the site behind `detour demo` (cli/demo_site.c), on
 * its plain-http listener, with a raw socket as the client: the routes a
 * teacher can hit with curl, and every bound on what it reads (head, header
 * count, request-target, body) answered with the right status instead of
 * growing or crashing, and readable by a client that is still sending;
 * requests split at every byte; and, at the end, every handle
 * closed (uv_loop_close succeeds) and nothing leaked under ASan. The TLS
 * side is exercised end to end by tests/integration/test_demo.py.
 *
 * The site is cli/ code, not part of libdetour, so it is compiled into this
 * test directly. */
#include "cli/demo_site.c"

#include "dt_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static uv_loop_t loop;
static demo_site *site;

/* One loop turn that never blocks, then a short wait on FD (if any). */
static void pump(int fd, short events) {
  uv_run(&loop, UV_RUN_NOWAIT);
  struct pollfd p = {.fd = fd, .events = events};
  poll(&p, fd >= 0 ? 1 : 0, 2);
}

static int connect_to(demo_listener which) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)demo_site_port(site, which));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* Blocking connect: the kernel completes it from the listen backlog,
   * before the site's accept callback runs. */
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Sends REQ in pieces of STEP bytes (the loop turning between them), then
 * reads the answer until the site closes. Returns the answer's length in
 * OUT (NUL-terminated, at most CAP-1 bytes kept), or -1 on a timeout. A
 * reset while sending (the site refused early) stops the sending only. */
static long exchange(const char *req, size_t len, size_t step, char *out,
                     size_t cap) {
  int fd = connect_to(DEMO_PLAIN);
  if (fd < 0) return -1;
  size_t off = 0, got = 0;
  int spins = 0;
  while (off < len && spins++ < 20000) {
    size_t n = len - off < step ? len - off : step;
    ssize_t w = send(fd, req + off, n, MSG_NOSIGNAL);
    if (w > 0)
      off += (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      break;
    pump(fd, POLLOUT);
  }
  long rc = -1;
  for (spins = 0; spins < 5000; spins++) {
    char buf[4096];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r > 0) {
      size_t k = (size_t)r < cap - 1 - got ? (size_t)r : cap - 1 - got;
      memcpy(out + got, buf, k);
      got += k;
      continue;
    }
    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      rc = (long)got;
      break;
    }
    pump(fd, POLLIN);
  }
  out[got] = '\0';
  close(fd);
  /* Let the site see our close and finish its lingering. */
  for (int i = 0; i < 20; i++)
    pump(-1, 0);
  return rc;
}

static int status_of(const char *resp) {
  int st = 0;
  return sscanf(resp, "HTTP/1.1 %d ", &st) == 1 ? st : -1;
}

static void test_routes(void) {
  char out[8192];
  unsigned before = demo_site_requests(site, DEMO_PLAIN);
  const char *get = "GET /a/b?c=d HTTP/1.1\r\nHost: demo.test\r\n\r\n";
  CHECK(exchange(get, strlen(get), 4096, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 301);
  /* The path is kept, and no STS over plain http (RFC 6797 §7.2). */
  CHECK(strstr(out, "\r\nLocation: https://demo.test/a/b?c=d\r\n") != NULL);
  CHECK(strstr(out, "Strict-Transport-Security") == NULL);
  CHECK(strstr(out, "\r\nConnection: close\r\n") != NULL);
  CHECK_INT(demo_site_requests(site, DEMO_PLAIN), before + 1);

  /* HEAD: the same head, no body. */
  const char *head = "HEAD / HTTP/1.1\r\nHost: demo.test\r\n\r\n";
  long n = exchange(head, strlen(head), 4096, out, sizeof out);
  CHECK_INT(status_of(out), 301);
  CHECK(n > 4 && strcmp(out + n - 4, "\r\n\r\n") == 0);
}

static void test_split_at_every_byte(void) {
  const char *req = "POST /x HTTP/1.1\r\nHost: demo.test\r\nContent-Length: "
                    "5\r\n\r\nhello";
  char out[8192];
  CHECK(exchange(req, strlen(req), 1, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 301);
}

static void test_limits(void) {
  char out[8192];
  size_t cap = 200 * 1024;
  char *big = malloc(cap);
  if (!big) {
    CHECK(big != NULL);
    return;
  }

  /* A head over DEMO_SITE_MAX_HEAD: 431, read by a client that is still
   * sending (the site half-closes and drains: RFC 9112 §9.6). */
  int k = snprintf(big, cap, "GET / HTTP/1.1\r\nHost: demo.test\r\nX-Big: ");
  size_t len = (size_t)k;
  memset(big + len, 'a', DEMO_SITE_MAX_HEAD + 100);
  len += DEMO_SITE_MAX_HEAD + 100;
  memcpy(big + len, "\r\n\r\n", 4);
  len += 4;
  CHECK(exchange(big, len, 65536, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 431);

  /* More header fields than DEMO_SITE_MAX_HEADERS: 431. */
  len = (size_t)snprintf(big, cap, "GET / HTTP/1.1\r\n");
  for (unsigned i = 0; i <= DEMO_SITE_MAX_HEADERS; i++)
    len += (size_t)snprintf(big + len, cap - len, "X-%u: v\r\n", i);
  len += (size_t)snprintf(big + len, cap - len, "\r\n");
  CHECK(exchange(big, len, 4096, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 431);

  /* A request-target over DEMO_SITE_MAX_TARGET: 414. */
  len = (size_t)snprintf(big, cap, "GET /");
  memset(big + len, 'p', DEMO_SITE_MAX_TARGET);
  len += DEMO_SITE_MAX_TARGET;
  len += (size_t)snprintf(big + len, cap - len, " HTTP/1.1\r\n\r\n");
  CHECK(exchange(big, len, 4096, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 414);

  /* A body over DEMO_SITE_MAX_BODY, by Content-Length and by chunks: 413,
   * the rest of the body discarded, not kept. */
  size_t body = DEMO_SITE_MAX_BODY + 1;
  len = (size_t)snprintf(
      big, cap, "POST /thanks HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", body);
  memset(big + len, 'b', body);
  len += body;
  CHECK(exchange(big, len, 65536, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 413);
  len = (size_t)snprintf(big, cap,
                         "POST /thanks HTTP/1.1\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n%zx\r\n",
                         body);
  memset(big + len, 'c', body);
  len += body;
  len += (size_t)snprintf(big + len, cap - len, "\r\n0\r\n\r\n");
  CHECK(exchange(big, len, 65536, out, sizeof out) > 0);
  CHECK_INT(status_of(out), 413);
  free(big);
}

static void test_malformed(void) {
  static const char *const bad[] = {
      "HELLO\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET http://elsewhere.test/ HTTP/1.1\r\n\r\n", /* not origin-form */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char out[8192];
    CHECK(exchange(bad[i], strlen(bad[i]), 4096, out, sizeof out) > 0);
    CHECK_(status_of(out) == 400, "case %zu: status %d", i, status_of(out));
  }
}

static void test_silent_clients_and_close(void) {
  /* A client that connects and says nothing, and one that stops mid-head:
   * closing the site closes them too (uv_loop_close proves it in main). */
  unsigned before = demo_site_connections(site, DEMO_PLAIN);
  int a = connect_to(DEMO_PLAIN), b = connect_to(DEMO_PLAIN);
  CHECK(a >= 0 && b >= 0);
  if (b >= 0) send(b, "GET / HT", 8, MSG_NOSIGNAL);
  for (int i = 0;
       i < 500 && demo_site_connections(site, DEMO_PLAIN) < before + 2; i++)
    pump(-1, 0);
  CHECK_INT(demo_site_connections(site, DEMO_PLAIN), before + 2);
  CHECK_INT(demo_site_connections(site, DEMO_TLS), 0);
  demo_site_close(site);
  site = NULL;
  uv_run(&loop, UV_RUN_DEFAULT);
  if (a >= 0) close(a);
  if (b >= 0) close(b);
}

int main(void) {
  char err[256] = "";
  CHECK_INT(uv_loop_init(&loop), 0);
  int rc = demo_site_start(&site, &loop, err, sizeof err);
  CHECK_(rc == 0, "start: %s", err);
  if (rc != 0) {
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return dt_test_summary("test_demo_site");
  }
  CHECK(strstr(demo_site_ca_pem(site), "-----BEGIN CERTIFICATE-----") != NULL);
  CHECK(demo_site_port(site, DEMO_PLAIN) > 0);
  CHECK(demo_site_port(site, DEMO_TLS) > 0);
  size_t body = 99;
  CHECK_STR(demo_site_last_thanks(site, &body), "");
  CHECK_INT(body, 0);

  test_routes();
  test_split_at_every_byte();
  test_limits();
  test_malformed();
  test_silent_clients_and_close();
  CHECK_INT(uv_loop_close(&loop), 0); /* every handle closed */
  return dt_test_summary("test_demo_site");
}
