/* test_overrides.c — --resolve / --connect-to parsing and matching, as rows
 * (curl's documented semantics). */
#include "engine/net/overrides.h"

#include "dt_test.h"

static dt__overrides o;

static const struct {
  const char *spec;
  int ok;
} resolve_rows[] = {
    {"a.test:443:127.0.0.1", 1},
    {"B.Test:80:127.0.0.1,[::1],10.0.0.1", 1},
    {"[::1]:8080:127.0.0.1", 1},
    {"*:9999:127.0.0.2", 1},
    {"a.test:443:", 0},
    {"a.test::127.0.0.1", 0},
    {"a.test:99999:127.0.0.1", 0},
    {"a.test", 0},
    {":443:127.0.0.1", 0},
    {"a.test:443:[::1", 0},
    {"a.test:443:1.2.3.4,", 1},
};

static const struct {
  const char *spec;
  int ok;
} ct_rows[] = {
    {"a.test:443:127.0.0.1:8443", 1},
    {"b.test:80::9090", 1}, /* same host, other port */
    {"::c.test:", 1},       /* any host, any port → c.test, same port */
    {"x:1:y", 0},
    {"x:abc:y:2", 0},
};

static const struct {
  const char *host;
  int port;
  const char *want_host;
  int want_port;
  int applied;
} match_rows[] = {
    {"a.test", 443, "127.0.0.1", 8443, 1},
    {"A.TEST", 443, "127.0.0.1", 8443, 1},
    {"b.test", 80, "b.test", 9090, 1},
    {"z.test", 81, "c.test", 81, 1}, /* catch-all entry */
};

int main(void) {
  for (size_t i = 0; i < sizeof resolve_rows / sizeof resolve_rows[0]; i++) {
    int rc = dt__overrides_add_resolve(&o, resolve_rows[i].spec);
    CHECK_(resolve_rows[i].ok ? rc == 0 : rc == DT_EINVAL, "resolve %s: %d",
           resolve_rows[i].spec, rc);
  }
  for (size_t i = 0; i < sizeof ct_rows / sizeof ct_rows[0]; i++) {
    int rc = dt__overrides_add_connect_to(&o, ct_rows[i].spec);
    CHECK_(ct_rows[i].ok ? rc == 0 : rc == DT_EINVAL, "connect-to %s: %d",
           ct_rows[i].spec, rc);
  }
  for (size_t i = 0; i < sizeof match_rows / sizeof match_rows[0]; i++) {
    char h[300];
    int port;
    int a = dt__overrides_connect_to(&o, match_rows[i].host, match_rows[i].port,
                                     h, sizeof h, &port);
    CHECK_INT(a, match_rows[i].applied);
    CHECK_STR(h, match_rows[i].want_host);
    CHECK_INT(port, match_rows[i].want_port);
  }
  /* order: the first matching --connect-to wins (a.test:443 before ::c.test) */
  const dt__resolve_entry *e = dt__overrides_resolve(&o, "b.test", 80);
  CHECK(e != NULL);
  if (e) {
    CHECK_INT(e->naddrs, 3);
    CHECK_STR(e->addrs[1], "::1");
  }
  CHECK(dt__overrides_resolve(&o, "b.test", 81) == NULL);
  CHECK(dt__overrides_resolve(&o, "[::1]", 8080) != NULL);
  CHECK(dt__overrides_resolve(&o, "::1", 8080) != NULL);
  CHECK(dt__overrides_resolve(&o, "anything", 9999) != NULL);
  /* URL-form IPv6 host without an override: brackets stripped */
  dt__overrides empty = {0};
  char h[64];
  int port;
  CHECK_INT(dt__overrides_connect_to(&empty, "[::1]", 80, h, sizeof h, &port),
            0);
  CHECK_STR(h, "::1");
  return dt_test_summary("test_overrides");
}
