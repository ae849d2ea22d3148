/* har.c — the chain as HAR 1.2:
 * http://www.softwareishard.com/blog/har-12-spec/ — the format devtools
 * export. Required timings (send, wait, receive) are never negative; phases
 * that did not run are -1, as the spec allows for blocked/dns/connect/ssl.
 * HAR's `connect` includes `ssl`. Custom fields start with '_'. */
#include "detour.h"
#include "engine/out/decision_text.h"
#include "engine/out/jsonw.h"
#include "engine/out/records.h"
#include "hsts/base/headers.h"

#include <stdio.h>
#include <string.h>

/* As Chromium's DevTools write it: the status line's version on HTTP/1.x,
 * "http/2.0" for a response that came over h2 (the request's is the same). */
static const char *har_version(const dt_hop *h) {
  if (h->http_version && strcmp(h->http_version, "HTTP/2") == 0)
    return "http/2.0";
  return h->http_version ? h->http_version : "HTTP/1.1";
}

static double nonneg(double v) { return v < 0 ? 0 : v; }

/* A response cookie the jar took (HAR 1.2 "cookies"): its value is the
 * field's, between the first '=' and the first ';', trimmed. */
static void har_set_cookie(dt__jw *w, const dt_hop_set_cookie *c) {
  if (strcmp(c->outcome, "stored") != 0 && strcmp(c->outcome, "replaced") != 0)
    return;
  const char *f = c->field, *semi = strchr(f, ';');
  size_t n = semi ? (size_t)(semi - f) : strlen(f);
  const char *eq = memchr(f, '=', n);
  const char *v = eq ? eq + 1 : f;
  size_t vn = (size_t)(f + n - v);
  while (vn && (*v == ' ' || *v == '\t')) {
    v++;
    vn--;
  }
  while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
    vn--;
  char value[4097];
  if (vn >= sizeof value) vn = sizeof value - 1;
  memcpy(value, v, vn);
  value[vn] = 0;
  dt__jw_obj_open(w);
  dt__jw_key(w, "name");
  dt__jw_str(w, c->name ? c->name : "");
  dt__jw_key(w, "value");
  dt__jw_str(w, value);
  dt__jw_key(w, "path");
  dt__jw_str(w, c->path ? c->path : "/");
  dt__jw_key(w, "domain");
  dt__jw_str(w, c->domain ? c->domain : "");
  if (c->expires_ms >= 0) {
    char t[32];
    dt_time_format(c->expires_ms, t);
    dt__jw_key(w, "expires");
    dt__jw_str(w, t);
  }
  dt__jw_key(w, "httpOnly");
  dt__jw_bool(w, c->http_only);
  dt__jw_key(w, "secure");
  dt__jw_bool(w, c->secure);
  dt__jw_obj_close(w);
}

static void har_nv_list(dt__jw *w, const dt_header *h, size_t n) {
  dt__jw_arr_open(w);
  for (size_t i = 0; i < n; i++) {
    dt__jw_obj_open(w);
    dt__jw_key(w, "name");
    dt__jw_str(w, h[i].name);
    dt__jw_key(w, "value");
    dt__jw_str(w, h[i].value);
    dt__jw_obj_close(w);
  }
  dt__jw_arr_close(w);
}

/* queryString: the raw name=value pairs after '?' (before '#'). */
static void har_query(dt__jw *w, const char *url) {
  dt__jw_arr_open(w);
  const char *q = url ? strchr(url, '?') : NULL;
  if (q) {
    const char *end = strchr(q, '#');
    if (!end) end = q + strlen(q);
    const char *p = q + 1;
    while (p < end) {
      const char *amp = memchr(p, '&', (size_t)(end - p));
      if (!amp) amp = end;
      const char *eq = memchr(p, '=', (size_t)(amp - p));
      if (amp > p) {
        dt__jw_obj_open(w);
        dt__jw_key(w, "name");
        dt__jw_strn(w, p, (size_t)((eq ? eq : amp) - p));
        dt__jw_key(w, "value");
        if (eq)
          dt__jw_strn(w, eq + 1, (size_t)(amp - eq - 1));
        else
          dt__jw_str(w, "");
        dt__jw_obj_close(w);
      }
      p = amp + 1;
    }
  }
  dt__jw_arr_close(w);
}

static void har_entry(dt__jw *w, const dt_hop *h) {
  const dt_hop_timing *t = h->timing;
  char when[48];
  int64_t ms = t->started_ms > 0 ? t->started_ms : 0;
  char secs[32];
  dt_time_format(ms, secs);
  /* HAR wants ISO 8601 with milliseconds: 2026-11-25T04:27:19.123Z */
  snprintf(when, sizeof when, "%.19s.%03dZ", secs, (int)(ms % 1000));

  dt__jw_obj_open(w);
  dt__jw_key(w, "startedDateTime");
  dt__jw_str(w, when);
  dt__jw_key(w, "time");
  dt__jw_double(w, nonneg(t->total_ms));

  dt__jw_key(w, "request");
  dt__jw_obj_open(w);
  dt__jw_key(w, "method");
  dt__jw_str(w, h->method);
  dt__jw_key(w, "url");
  dt__jw_str(w, h->url);
  dt__jw_key(w, "httpVersion");
  dt__jw_str(w, har_version(h));
  dt__jw_key(w, "cookies"); /* the ones sent (HAR 1.2 §cookies) */
  dt__jw_arr_open(w);
  for (size_t i = 0; i < h->cookie_count; i++) {
    if (h->cookies[i].blocked) continue;
    dt__jw_obj_open(w);
    dt__jw_key(w, "name");
    dt__jw_str(w, h->cookies[i].name);
    dt__jw_key(w, "value");
    dt__jw_str(w, h->cookies[i].value ? h->cookies[i].value : "");
    dt__jw_obj_close(w);
  }
  dt__jw_arr_close(w);
  dt__jw_key(w, "headers");
  har_nv_list(w, h->req_headers, h->req_header_count);
  dt__jw_key(w, "queryString");
  har_query(w, h->url);
  if (h->req_body_bytes > 0) {
    const char *ct =
        dt__header_value(h->req_headers, h->req_header_count, "Content-Type");
    dt__jw_key(w, "postData");
    dt__jw_obj_open(w);
    dt__jw_key(w, "mimeType");
    dt__jw_str(w, ct ? ct : "");
    dt__jw_key(w, "text");
    dt__jw_str(w, ""); /* the body itself is not kept in the chain */
    dt__jw_obj_close(w);
  }
  dt__jw_key(w, "headersSize");
  dt__jw_int(w, -1);
  dt__jw_key(w, "bodySize");
  dt__jw_uint(w, h->req_body_bytes);
  dt__jw_obj_close(w);

  dt__jw_key(w, "response");
  dt__jw_obj_open(w);
  dt__jw_key(w, "status");
  dt__jw_int(w, h->has_response ? h->status : 0);
  dt__jw_key(w, "statusText");
  dt__jw_str(w, h->has_response && h->reason ? h->reason : "");
  dt__jw_key(w, "httpVersion");
  dt__jw_str(w, h->has_response ? har_version(h) : "");
  dt__jw_key(w, "cookies"); /* the ones stored or replaced */
  dt__jw_arr_open(w);
  for (size_t i = 0; i < h->set_cookie_count; i++)
    har_set_cookie(w, &h->set_cookies[i]);
  dt__jw_arr_close(w);
  dt__jw_key(w, "headers");
  har_nv_list(w, h->resp_headers, h->resp_header_count);
  const char *ct =
      dt__header_value(h->resp_headers, h->resp_header_count, "Content-Type");
  dt__jw_key(w, "content");
  dt__jw_obj_open(w);
  dt__jw_key(w, "size");
  dt__jw_uint(w, h->resp_body_bytes);
  dt__jw_key(w, "mimeType");
  dt__jw_str(w, ct ? ct : "");
  dt__jw_obj_close(w);
  const char *loc =
      dt__header_value(h->resp_headers, h->resp_header_count, "Location");
  dt__jw_key(w, "redirectURL");
  dt__jw_str(w, loc ? loc : "");
  dt__jw_key(w, "headersSize");
  dt__jw_int(w, -1);
  dt__jw_key(w, "bodySize");
  dt__jw_int(w, h->has_response ? (int64_t)h->resp_body_bytes : -1);
  dt__jw_obj_close(w);

  dt__jw_key(w, "cache");
  dt__jw_obj_open(w);
  dt__jw_obj_close(w);

  double dns = t->dns_ms, conn = t->connect_ms, ssl = t->tls_ms;
  double wait = nonneg(t->first_byte_ms);
  double receive =
      nonneg(t->total_ms) - nonneg(dns) - nonneg(conn) - nonneg(ssl) - wait;
  dt__jw_key(w, "timings");
  dt__jw_obj_open(w);
  dt__jw_key(w, "blocked");
  dt__jw_int(w, -1);
  dt__jw_key(w, "dns");
  if (dns < 0)
    dt__jw_int(w, -1);
  else
    dt__jw_double(w, dns);
  dt__jw_key(w, "connect"); /* includes ssl (HAR 1.2) */
  if (conn < 0)
    dt__jw_int(w, -1);
  else
    dt__jw_double(w, conn + nonneg(ssl));
  dt__jw_key(w, "ssl");
  if (ssl < 0)
    dt__jw_int(w, -1);
  else
    dt__jw_double(w, ssl);
  dt__jw_key(w, "send");
  dt__jw_double(w, 0);
  dt__jw_key(w, "wait");
  dt__jw_double(w, wait);
  dt__jw_key(w, "receive");
  dt__jw_double(w, nonneg(receive));
  dt__jw_obj_close(w);

  if (h->conn && h->conn->remote_addr) {
    /* serverIPAddress is the address without the port; [v6] brackets go. */
    const char *a = h->conn->remote_addr;
    const char *colon = strrchr(a, ':');
    size_t n = colon ? (size_t)(colon - a) : strlen(a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
      a++;
      n -= 2;
    }
    dt__jw_key(w, "serverIPAddress");
    dt__jw_strn(w, a, n);
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)h->conn->id);
    dt__jw_key(w, "connection");
    dt__jw_str(w, id);
  }
  dt__jw_key(w, "_detour_synthetic");
  dt__jw_bool(w, h->synthetic);
  dt__jw_key(w, "_detour_note");
  dt__hop_note_json(w, h);
  dt__jw_key(w, "_detour_reason");
  if (h->upgrade)
    dt__decision_json(w, h->upgrade);
  else
    dt__jw_null(w);
  dt__jw_obj_close(w);
}

char *dt_chain_to_har(const dt_chain *chain) {
  dt__jw w;
  dt__jw_init(&w, 1);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "log");
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "version");
  dt__jw_str(&w, "1.2");
  dt__jw_key(&w, "creator");
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "name");
  dt__jw_str(&w, "detour");
  dt__jw_key(&w, "version");
  dt__jw_str(&w, DETOUR_VERSION);
  dt__jw_obj_close(&w);
  dt__jw_key(&w, "entries");
  dt__jw_arr_open(&w);
  for (size_t i = 0; i < dt_chain_hop_count(chain); i++)
    har_entry(&w, dt_chain_hop(chain, i));
  dt__jw_arr_close(&w);
  int err = dt_chain_error(chain);
  if (err) {
    const char *m = dt_chain_error_message(chain);
    dt__jw_key(&w, "_detour_error");
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, dt_err_name(err));
    dt__jw_key(&w, "class");
    dt__jw_str(&w, dt_err_class_name(dt_err_class_of(err)));
    dt__jw_key(&w, "message");
    dt__jw_str(&w, m ? m : dt_strerror(err));
    dt__jw_key(&w, "hint");
    dt__jw_str(&w, dt_chain_error_hint(chain));
    dt__jw_obj_close(&w);
  }
  dt__jw_obj_close(&w);
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}
