/* overrides.c — parsing and matching curl-style name overrides.
 * Semantics follow curl's documentation of --resolve and --connect-to:
 * --connect-to is applied first (it picks the host and port to connect to),
 * then --resolve names the addresses of that host:port. */
#include "engine/net/overrides.h"
#include "hsts/base/ascii.h"

#include <stdlib.h>
#include <string.h>

/* Reads a host field up to ':' (a "[v6]" literal may contain ':'). Copies
 * it lowercased into out (brackets kept when keep_brackets). Returns the
 * position of the ':' after it, or NULL. */
static const char *read_host(const char *s, char *out, size_t cap,
                             int keep_brackets) {
  const char *end;
  const char *b = s, *e;
  if (*s == '[') {
    end = strchr(s, ']');
    if (!end || end[1] != ':') return NULL;
    if (!keep_brackets) {
      b = s + 1;
      e = end;
    } else {
      e = end + 1;
    }
    end++;
  } else {
    end = strchr(s, ':');
    if (!end) return NULL;
    e = end;
  }
  size_t n = (size_t)(e - b);
  if (n + 1 > cap) return NULL;
  dt__ascii_lower_copy(out, cap, b, n);
  return end;
}

/* Port field: digits up to the next ':' or end; empty → 0 when allowed. */
static const char *read_port(const char *s, int *port, int allow_empty) {
  long v = 0;
  const char *p = s;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    if (v > 65535) return NULL;
    p++;
  }
  if (p == s && !allow_empty) return NULL;
  if (p != s && v == 0) return NULL;
  *port = (int)v;
  return p;
}

int dt__overrides_add_resolve(dt__overrides *o, const char *spec) {
  if (!o || !spec) return DT_EINVAL;
  if (o->nresolve >= DT__OVR_MAX_ENTRIES) return DT_ENOMEM;
  dt__resolve_entry e;
  memset(&e, 0, sizeof e);
  const char *p = read_host(spec, e.host, sizeof e.host, 1);
  if (!p || !e.host[0]) return DT_EINVAL;
  p = read_port(p + 1, &e.port, 0);
  if (!p || *p != ':') return DT_EINVAL;
  p++;
  /* addr[,addr...]; each may be [v6] */
  while (*p) {
    if (e.naddrs >= DT__OVR_MAX_ADDRS) return DT_EINVAL;
    const char *b = p, *q;
    if (*p == '[') {
      q = strchr(p, ']');
      if (!q) return DT_EINVAL;
      b = p + 1;
      p = q + 1;
    } else {
      q = p + strcspn(p, ",");
      p = q;
    }
    size_t n = (size_t)(q - b);
    if (n == 0 || n >= DT__OVR_ADDR_BYTES) return DT_EINVAL;
    memcpy(e.addrs[e.naddrs], b, n);
    e.addrs[e.naddrs][n] = 0;
    e.naddrs++;
    if (*p == ',')
      p++;
    else if (*p)
      return DT_EINVAL;
  }
  if (e.naddrs == 0) return DT_EINVAL;
  o->resolve[o->nresolve++] = e;
  return 0;
}

int dt__overrides_add_connect_to(dt__overrides *o, const char *spec) {
  if (!o || !spec) return DT_EINVAL;
  if (o->nconnect_to >= DT__OVR_MAX_ENTRIES) return DT_ENOMEM;
  dt__connect_to_entry e;
  memset(&e, 0, sizeof e);
  const char *p = read_host(spec, e.host, sizeof e.host, 1);
  if (!p) return DT_EINVAL;
  p = read_port(p + 1, &e.port, 1);
  if (!p || *p != ':') return DT_EINVAL;
  p++;
  const char *q = read_host(p, e.to_host, sizeof e.to_host, 0);
  if (!q) return DT_EINVAL;
  q = read_port(q + 1, &e.to_port, 1);
  if (!q || *q) return DT_EINVAL;
  o->connect_to[o->nconnect_to++] = e;
  return 0;
}

static int host_eq(const char *pattern, const char *host) {
  return dt__ascii_ieq(pattern, host);
}

int dt__overrides_connect_to(const dt__overrides *o, const char *host, int port,
                             char *out_host, size_t cap, int *out_port) {
  const char *h = host;
  size_t hl = strlen(host);
  int applied = 0;
  *out_port = port;
  for (size_t i = 0; o && i < o->nconnect_to; i++) {
    const dt__connect_to_entry *e = &o->connect_to[i];
    if (e->host[0] && !host_eq(e->host, host)) continue;
    if (e->port && e->port != port) continue;
    if (e->to_host[0]) {
      h = e->to_host;
      hl = strlen(h);
    }
    if (e->to_port) *out_port = e->to_port;
    applied = 1;
    break;
  }
  /* strip URL brackets of an IPv6 literal */
  if (h == host && hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
    h++;
    hl -= 2;
  }
  if (hl + 1 > cap) hl = cap - 1;
  memcpy(out_host, h, hl);
  out_host[hl] = 0;
  return applied;
}

const dt__resolve_entry *dt__overrides_resolve(const dt__overrides *o,
                                               const char *host, int port) {
  for (size_t i = 0; o && i < o->nresolve; i++) {
    const dt__resolve_entry *e = &o->resolve[i];
    if (e->port != port) continue;
    if (strcmp(e->host, "*") == 0 || host_eq(e->host, host)) return e;
    /* host given without brackets, entry with: compare the inside */
    size_t el = strlen(e->host);
    if (e->host[0] == '[' && strlen(host) == el - 2 &&
        dt__ascii_nieq(e->host + 1, el - 2, host, el - 2))
      return e;
  }
  return NULL;
}
