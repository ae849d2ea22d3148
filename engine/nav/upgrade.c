/* upgrade.c — build the https (wss) URL of an HSTS upgrade.
 *
 * RFC 6797 §8.3 step 5: "replace the URI scheme with https"; an explicit
 * port 80 becomes 443, other explicit ports are kept. With WHATWG URLs an
 * explicit :80 on http is already gone after parsing, so "no port" stays
 * "no port" (the default 443). http://h:443/ is https://h/: docs/decisions.md
 * follows Chromium, which replaces the scheme and re-canonicalises, so the
 * now-default port disappears (Fetch would keep "https://h:443/", the same
 * endpoint).
 *
 * The URL is rebuilt as text and parsed again rather than edited in place,
 * so the result is whatever the URL parser makes of a plain https URL. */
#include "engine/nav/upgrade.h"

#include <stdlib.h>
#include <string.h>

static int str_eq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Appends S to the buffer; returns 0 or -1 when it would not fit. */
static int put(char *buf, size_t cap, size_t *len, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n >= cap - *len) return -1;
  memcpy(buf + *len, s, n);
  *len += n;
  buf[*len] = '\0';
  return 0;
}

dt_url *dt__hsts_upgrade_url(const dt_url *url) {
  if (url == NULL) return NULL;
  const char *scheme = dt_url_scheme(url);
  const char *to;
  if (str_eq(scheme, "http"))
    to = "https://";
  else if (str_eq(scheme, "ws"))
    to = "wss://";
  else
    return NULL;

  const char *user = dt_url_get(url, DT_URL_USERNAME);
  const char *pass = dt_url_get(url, DT_URL_PASSWORD);
  const char *host = dt_url_get(url, DT_URL_HOSTNAME);
  const char *port = dt_url_get(url, DT_URL_PORT);
  const char *path = dt_url_get(url, DT_URL_PATHNAME);
  const char *search = dt_url_get(url, DT_URL_SEARCH);
  const char *hash = dt_url_get(url, DT_URL_HASH);
  if (host == NULL || host[0] == '\0') return NULL;

  size_t cap = strlen(to) + 8;
  const char *parts[] = {user, pass, host, port, path, search, hash};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    cap += parts[i] ? strlen(parts[i]) : 0;
  cap += 4; /* ':' '@' ':' '#' */
  char *buf = malloc(cap);
  if (buf == NULL) return NULL;
  size_t len = 0;
  buf[0] = '\0';
  int bad = put(buf, cap, &len, to);
  if (user && (user[0] || (pass && pass[0]))) {
    bad |= put(buf, cap, &len, user);
    if (pass && pass[0]) {
      bad |= put(buf, cap, &len, ":");
      bad |= put(buf, cap, &len, pass);
    }
    bad |= put(buf, cap, &len, "@");
  }
  bad |= put(buf, cap, &len, host);
  /* RFC 6797 §8.3: :80 → 443, and 443 is the new default, so both are
   * written as no port; any other explicit port is kept. */
  if (port && port[0] && !str_eq(port, "80") && !str_eq(port, "443")) {
    bad |= put(buf, cap, &len, ":");
    bad |= put(buf, cap, &len, port);
  }
  bad |= put(buf, cap, &len, path);
  bad |= put(buf, cap, &len, search);
  /* The hash getter gives "" for both no fragment and an empty one. */
  if (dt_url_has_fragment(url)) {
    if (hash && hash[0])
      bad |= put(buf, cap, &len, hash);
    else
      bad |= put(buf, cap, &len, "#");
  }
  dt_url *out = NULL;
  if (!bad && dt_url_parse(&out, buf, len, NULL) != 0) out = NULL;
  free(buf);
  return out;
}
