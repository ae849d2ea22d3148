/* test_https_first_session.c — knob 11's exemptions over more than one
 * navigation of a context, through the public API (docs/https-upgrades.md
 * "Exemptions"): a session is the life of one context. Firefox's
 * HTTPS-First exempts a host for the session when it falls back or when
 * its http:// URL is typed with the scheme, and forgets it with the
 * context (nothing in the user-data directory); Chromium's HTTPS-Upgrades
 * does not exempt a typed URL and keeps its fallback list in the
 * directory. The names are example.com's (unique public names, which both
 * browsers upgrade), routed to the loopback fixture with connect-to: their
 * :443 to a closed port (https refused: a fallback), their :80 to the
 * fixture's http listener. */
#include "detour.h"

#include "dt_test.h"
#include "fixture_proc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char scenario[] = "route /ok\n  body over http\\n\n";

static int http_port, closed_port;

static int a_closed_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(s, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (s >= 0) close(s);
  return port;
}

static dt_sync *session(const char *profile, const char *udd) {
  dt_ctx_options o;
  dt_ctx_options_init(&o);
  o.profile = profile;
  o.no_preload = 1;
  o.user_data_dir = udd;
  o.no_cookies = 1;
  dt_sync *s = NULL;
  if (dt_sync_new(&s, &o)) return NULL;
  static const char *const names[] = {"typed.example.com", "fb.example.com"};
  for (size_t i = 0; i < 2; i++) {
    char spec[200];
    snprintf(spec, sizeof spec, "%s:80:127.0.0.1:%d", names[i], http_port);
    dt_ctx_add_connect_to(dt_sync_ctx(s), spec);
    snprintf(spec, sizeof spec, "%s:443:127.0.0.1:%d", names[i], closed_port);
    dt_ctx_add_connect_to(dt_sync_ctx(s), spec);
  }
  return s;
}

/* Navigates to URL (a link on an https page when LINK, else typed with
 * its scheme): 1 when https was tried first (the first hop is the
 * synthetic 307), 0 when http went straight, -1 on a failure. The page
 * must arrive either way (a fallback is silent). */
static int tried_https(dt_sync *s, const char *url, int link) {
  dt_request rq;
  dt_request_init(&rq);
  rq.url = url;
  rq.initiator = link ? "https://page.example.org/" : NULL;
  dt_chain *c = NULL;
  int err = dt_sync_fetch(s, &rq, &c, NULL);
  int r = -1;
  if (!err && c && dt_chain_hop_count(c) > 0) {
    const dt_hop *last = dt_chain_hop(c, dt_chain_hop_count(c) - 1);
    if (last->status == 200 && strncmp(last->url, "http://", 7) == 0)
      r = dt_chain_hop(c, 0)->synthetic;
  }
  dt_chain_free(c);
  return r;
}

static int count(const char *host, int64_t at_ms, void *ud) {
  (void)host;
  (void)at_ms;
  (*(size_t *)ud)++;
  return 0;
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

int main(void) {
  dt_fixture *fx;
  if (dt_fixture_start(scenario, &fx)) {
    fprintf(stderr, "cannot start the fixture\n");
    return 1;
  }
  http_port = dt_fixture_port(fx, "http");
  closed_port = a_closed_port();
  CHECK(closed_port > 0);
  char udd[] = "/tmp/detour-https-first-XXXXXX";
  CHECK(mkdtemp(udd) != NULL);
  char file[200];
  snprintf(file, sizeof file, "%s/https-upgrades.txt", udd);

  /* Firefox: one session */
  dt_sync *ff = session("firefox", udd);
  CHECK(ff != NULL);
  /* a URL typed with http:// is not upgraded and exempts its host: the
   * next link to it goes straight to http */
  CHECK_INT(tried_https(ff, "http://typed.example.com/ok", 0), 0);
  CHECK_INT(tried_https(ff, "http://typed.example.com/ok", 1), 0);
  /* a link is upgraded; https is refused, the fallback exempts the host
   * for the rest of the session */
  CHECK_INT(tried_https(ff, "http://fb.example.com/ok", 1), 1);
  CHECK_INT(tried_https(ff, "http://fb.example.com/ok", 1), 0);
  /* the embedder sees both exemptions of the session */
  size_t seen = 0;
  CHECK_INT(dt_ctx_upgrade_fallbacks_each(dt_sync_ctx(ff), count, &seen), 0);
  CHECK_INT(seen, 2);
  dt_sync_free(ff);
  /* nothing of it in the user-data directory */
  CHECK(!exists(file));

  /* A new session forgets both exemptions: the links are upgraded again */
  ff = session("firefox", udd);
  CHECK(ff != NULL);
  CHECK_INT(tried_https(ff, "http://typed.example.com/ok", 1), 1);
  CHECK_INT(tried_https(ff, "http://fb.example.com/ok", 1), 1);
  dt_sync_free(ff);
  CHECK(!exists(file));

  /* Chromium: a typed URL is upgraded (no exemption); a fallback is kept
   * in the directory and outlives the context */
  dt_sync *cr = session("chromium", udd);
  CHECK(cr != NULL);
  CHECK_INT(tried_https(cr, "http://typed.example.com/ok", 0), 1);
  CHECK_INT(tried_https(cr, "http://typed.example.com/ok", 0), 0);
  dt_sync_free(cr);
  CHECK(exists(file));
  cr = session("chromium", udd);
  CHECK(cr != NULL);
  CHECK_INT(tried_https(cr, "http://typed.example.com/ok", 1), 0);
  CHECK_INT(tried_https(cr, "http://fb.example.com/ok", 1), 1);
  dt_sync_free(cr);

  /* fetch: never tried first */
  dt_sync *fe = session("fetch", udd);
  CHECK(fe != NULL);
  CHECK_INT(tried_https(fe, "http://fb.example.com/ok", 1), 0);
  dt_sync_free(fe);

  unlink(file);
  char lock[220];
  snprintf(lock, sizeof lock, "%s.lock", file);
  unlink(lock);
  rmdir(udd);
  CHECK_INT(dt_fixture_stop(fx), 0);
  return dt_test_summary("test_https_first_session");
}
