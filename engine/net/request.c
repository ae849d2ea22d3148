/* request.c — see request.h. */
#include "engine/net/request.h"
#include "engine/net/wire.h"

#include "hsts/base/ascii.h"
#include "hsts/base/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(dt__req_fields *out, const char *name, const char *value) {
  if (out->n == DT__REQ_MAX_FIELDS) return DT_EINVAL;
  out->f[out->n].name = name;
  out->f[out->n].value = value;
  out->n++;
  return 0;
}

int dt__req_fields_build(dt__req_fields *out, const char *method,
                         const char *ua, const dt_header *headers,
                         size_t header_count, size_t body_len) {
  memset(out, 0, sizeof *out);
  if (!method || dt__wire_check(method, headers, header_count, "field", NULL) ||
      (ua && !dt__wire_value(ua)))
    return DT_EINVAL;
  /* Defaults in browser order; a caller field of the same name takes the
   * default's place (curl -H semantics). */
  static const char *const defnames[] = {"User-Agent", "Accept"};
  const char *defvals[] = {ua ? ua : "detour/" DETOUR_VERSION, "*/*"};
  for (int i = 0; i < 2; i++) {
    const dt_header *c = dt__header_find(headers, header_count, defnames[i]);
    if (add(out, c ? c->name : defnames[i], c ? c->value : defvals[i]))
      return DT_EINVAL;
  }
  const dt_header *host = dt__header_find(headers, header_count, "Host");
  if (host) {
    out->host_name = host->name;
    out->host_value = host->value;
  }
  for (size_t i = 0; i < header_count; i++) {
    const char *n = headers[i].name;
    if (dt__ascii_ieq(n, "host") || dt__ascii_ieq(n, "user-agent") ||
        dt__ascii_ieq(n, "accept") || dt__ascii_ieq(n, "content-length"))
      continue;
    if (add(out, n, headers[i].value)) return DT_EINVAL;
  }
  /* RFC 9110 §8.6: a user agent SHOULD send Content-Length with a body, and
   * for POST/PUT even when the body is empty. */
  if (body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
    snprintf(out->clen, sizeof out->clen, "%zu", body_len);
    if (add(out, "Content-Length", out->clen)) return DT_EINVAL;
  }
  return 0;
}

int dt__req_fields_exact(dt__req_fields *out, const char *method,
                         const dt_header *headers, size_t header_count) {
  memset(out, 0, sizeof *out);
  if (!method || dt__wire_check(method, headers, header_count, "field", NULL))
    return DT_EINVAL;
  for (size_t i = 0; i < header_count; i++) {
    const dt_header *h = &headers[i];
    if (dt__ascii_ieq(h->name, "host")) {
      out->host_name = h->name;
      out->host_value = h->value;
      continue;
    }
    if (add(out, h->name, h->value)) return DT_EINVAL;
  }
  return 0;
}

static size_t size_of(const char *s) { return s ? strlen(s) + 1 : 0; }

static const char *put(char **at, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  memcpy(*at, s, n);
  const char *r = *at;
  *at += n;
  return r;
}

int dt__req_fields_own(dt__req_fields *f) {
  size_t need = size_of(f->host_name) + size_of(f->host_value) + 1;
  for (size_t i = 0; i < f->n; i++)
    need += size_of(f->f[i].name) + size_of(f->f[i].value);
  char *store = malloc(need);
  if (!store) return DT_ENOMEM;
  char *at = store;
  f->host_name = put(&at, f->host_name);
  f->host_value = put(&at, f->host_value);
  for (size_t i = 0; i < f->n; i++) {
    f->f[i].name = put(&at, f->f[i].name);
    f->f[i].value = put(&at, f->f[i].value);
  }
  free(f->store);
  f->store = store;
  return 0;
}

void dt__req_fields_free(dt__req_fields *f) {
  free(f->store);
  f->store = NULL;
}
