/* bench_fetch.c — the client core against curl on the same loopback work.
 *
 * Starts the fixture server (TEST ONLY certificates) and measures, in one
 * run, for detour and for curl (the peer, one process given every URL so it
 * reuses its connection too):
 *   1. warm: N sequential HTTPS GETs of a small body over one kept-alive
 *      connection (requests per second);
 *   2. cold: M sequential HTTPS GETs of a route that closes the connection
 *      after answering, so every request makes a new TCP connection: once
 *      resuming the TLS session (both clients cache it), once with a full
 *      handshake (detour: a fresh context per request; curl
 *      --no-sessionid);
 *   3. memory per open TLS connection in detour: K navigations held open at
 *      once (the server delays its answer), heap in use (mallinfo2) before
 *      vs during, divided by K.
 * Prints the figures, the ratio detour/curl, and the command to rerun.
 *
 *   bench_fetch [N] [M] [K]     (defaults 2000 200 100; run from the build
 *                               directory of a non-sanitized build made
 *                               with -DDETOUR_BUILD_TESTS=ON
 * -DDETOUR_BUILD_BENCH=ON) */
#include "detour.h"
#include "fixture_proc.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char g_connect_to[128];

static dt_sync *new_sync(void) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.ca_file = dt_fixture_ca_file();
  o.no_preload = 1; /* curl has no preload list either */
  dt_sync *s = NULL;
  if (dt_sync_new(&s, &o) ||
      dt_ctx_add_connect_to(dt_sync_ctx(s), g_connect_to))
    exit(1);
  return s;
}

static int fetch_one(dt_sync *s, const char *url) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = url;
  dt_chain *c = NULL;
  int rc = dt_sync_fetch(s, &rq, &c, NULL);
  if (!rc && dt_chain_hop(c, 0)->status != 200) rc = -1;
  dt_chain_free(c);
  return rc;
}

/* curl with every URL in one config file: one process, its own keep-alive. */
static double run_curl(int n, const char *path, const char *extra,
                       int https_port) {
  char cfg[] = "/tmp/detour-bench-curl-XXXXXX";
  int fd = mkstemp(cfg);
  if (fd < 0) return -1;
  FILE *f = fdopen(fd, "w");
  for (int i = 0; i < n; i++)
    fprintf(f, "url = \"https://a.test%s\"\noutput = \"/dev/null\"\n", path);
  fclose(f);
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "curl -s %s --cacert %s --connect-to a.test:443:127.0.0.1:%d -K %s",
           extra, dt_fixture_ca_file(), https_port, cfg);
  double t0 = now_s();
  int rc = system(cmd);
  double t = now_s() - t0;
  remove(cfg);
  return rc == 0 ? t : -1;
}

/* N fetches of URL on one context, after one untimed fetch (the connection,
 * or the session to resume); seconds taken, failures in *ERRORS. */
static double timed_on_one_context(const char *url, int n, int *errors) {
  dt_sync *s = new_sync();
  fetch_one(s, url);
  *errors = 0;
  double t0 = now_s();
  for (int i = 0; i < n; i++)
    *errors += fetch_one(s, url) != 0;
  double t = now_s() - t0;
  dt_sync_free(s);
  return t;
}

static void report(const char *what, int n, double t_detour, double t_curl,
                   int errors) {
  printf("%s: detour %.0f req/s, curl %.0f req/s, ratio detour/curl %.2f "
         "(errors %d)\n",
         what, n / t_detour, t_curl > 0 ? n / t_curl : 0,
         t_curl > 0 ? t_curl / t_detour : 0, errors);
}

typedef struct held {
  int done;
} held;

static void on_held(dt_chain *c, void *ud) {
  ((held *)ud)->done++;
  dt_chain_free(c);
}

static void on_closed(void *ud) { *(int *)ud = 1; }

/* K navigations open at once on one loop; heap in use while they wait. */
static double bytes_per_connection(int k) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx_options o;
  dt_limits lim;
  dt_ctx_options_init(&o);
  dt_limits_default(&lim);
  lim.pool_idle_per_origin = (uint32_t)k;
  o.loop = &loop;
  o.limits = &lim;
  o.ca_file = dt_fixture_ca_file();
  o.no_preload = 1;
  dt_ctx *ctx;
  if (dt_ctx_new(&ctx, &o) || dt_ctx_add_connect_to(ctx, g_connect_to))
    return -1;
  /* Warm the TLS context (CA parse, DRBG) so it is not counted. */
  held h = {0};
  dt_request rq;
  dt_request_init(&rq);
  rq.url = "https://a.test/small";
  dt_fetch(ctx, &rq, on_held, &h, NULL);
  while (h.done < 1)
    uv_run(&loop, UV_RUN_ONCE);
  /* Close that pooled connection again, then measure from a quiet heap. */
  size_t before = mallinfo2().uordblks;
  h.done = 0;
  rq.url = "https://a.test/slow";
  for (int i = 0; i < k; i++)
    dt_fetch(ctx, &rq, on_held, &h, NULL);
  /* Run until every connection has its handshake done and waits. */
  double t0 = now_s();
  while (now_s() - t0 < 1.5)
    uv_run(&loop, UV_RUN_NOWAIT);
  size_t during = mallinfo2().uordblks;
  while (h.done < k)
    uv_run(&loop, UV_RUN_ONCE);
  int closed = 0;
  dt_ctx_close(ctx, on_closed, &closed);
  while (!closed)
    uv_run(&loop, UV_RUN_ONCE);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return ((double)during - (double)before) / k;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int m = argc > 2 ? atoi(argv[2]) : 200;
  int k = argc > 3 ? atoi(argv[3]) : 100;
  dt_fixture *fx;
  if (dt_fixture_start("route /small\n  body 0123456789abcdef\\n\n"
                       "route /cold\n  connection close\n  body cold\\n\n"
                       "route /slow\n  delay-head 3000\n  body late\\n\n",
                       &fx))
    return 1;
  int https = dt_fixture_port(fx, "https");
  snprintf(g_connect_to, sizeof g_connect_to, "a.test:443:127.0.0.1:%d", https);
  printf("bench_fetch: N=%d warm requests, M=%d cold requests, K=%d held "
         "connections\n",
         n, m, k);

  /* 1. warm */
  double t0 = now_s();
  int errors = 0;
  double t_detour = timed_on_one_context("https://a.test/small", n, &errors);
  double t_curl = run_curl(n, "/small", "", https);
  report("warm keep-alive", n, t_detour, t_curl, errors);

  /* 2. cold: a new TCP connection per request (the route closes it). */
  double r_detour = timed_on_one_context("https://a.test/cold", m, &errors);
  double r_curl = run_curl(m, "/cold", "", https);
  report("new connection, TLS session resumed", m, r_detour, r_curl, errors);
  /* ... and with a full handshake each time: detour gets a fresh context
   * per request (no session cache; includes setting the context up), curl
   * --no-sessionid. */
  errors = 0;
  t0 = now_s();
  for (int i = 0; i < m; i++) {
    dt_sync *c = new_sync();
    errors += fetch_one(c, "https://a.test/cold") != 0;
    dt_sync_free(c);
  }
  double c_detour = now_s() - t0;
  double c_curl = run_curl(m, "/cold", "--no-sessionid", https);
  report("new connection, full TLS handshake", m, c_detour, c_curl, errors);

  /* 3. memory */
  double per = bytes_per_connection(k);
  printf("memory: %.0f bytes of heap per open TLS connection (K=%d, "
         "mallinfo2 in-use delta)\n",
         per, k);
  printf("rerun: cd build-bench && ./bench/bench_fetch %d %d %d\n", n, m, k);
  dt_fixture_stop(fx);
  return 0;
}
