/* output.c — the chain as JSON and as text for people; URLs as JSON.
 * The JSON shape is a contract (docs/json-output.md): later layers add keys,
 * they never rename or remove one. */
#include "detour.h"
#include "engine/out/jsonw.h"
#include "engine/out/textbuf.h"

#include <llhttp.h>
#include <mbedtls/version.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>
#include <idn2.h>

static void headers_json(dt__jw *w, const dt_header *h, size_t n) {
  dt__jw_arr_open(w);
  for (size_t i = 0; i < n; i++) {
    dt__jw_arr_open(w);
    dt__jw_str(w, h[i].name);
    dt__jw_str(w, h[i].value);
    dt__jw_arr_close(w);
  }
  dt__jw_arr_close(w);
}

static void ms_or_null(dt__jw *w, const char *key, double ms) {
  dt__jw_key(w, key);
  if (ms < 0)
    dt__jw_null(w);
  else
    dt__jw_double(w, ms);
}

static void hop_json(dt__jw *w, const dt_hop *h) {
  dt__jw_obj_open(w);
  dt__jw_key(w, "request");
  dt__jw_obj_open(w);
  dt__jw_key(w, "method");
  dt__jw_str(w, h->method);
  dt__jw_key(w, "url");
  dt__jw_str(w, h->url);
  dt__jw_key(w, "headers");
  headers_json(w, h->req_headers, h->req_header_count);
  dt__jw_key(w, "body_bytes");
  dt__jw_uint(w, h->req_body_bytes);
  dt__jw_obj_close(w);

  dt__jw_key(w, "response");
  if (!h->has_response) {
    dt__jw_null(w);
  } else {
    dt__jw_obj_open(w);
    dt__jw_key(w, "status");
    dt__jw_int(w, h->status);
    dt__jw_key(w, "reason");
    dt__jw_str(w, h->reason ? h->reason : "");
    dt__jw_key(w, "headers");
    headers_json(w, h->resp_headers, h->resp_header_count);
    dt__jw_key(w, "body_bytes");
    dt__jw_uint(w, h->resp_body_bytes);
    dt__jw_key(w, "body_kept");
    dt__jw_uint(w, h->body_kept);
    dt__jw_obj_close(w);
  }

  dt__jw_key(w, "synthetic");
  dt__jw_bool(w, h->synthetic);

  const dt_hop_connection *c = &h->conn;
  dt__jw_key(w, "connection");
  if (h->synthetic) {
    dt__jw_null(w); /* nothing touched the network */
  } else {
    dt__jw_obj_open(w);
    dt__jw_key(w, "id");
    dt__jw_uint(w, c->id);
    dt__jw_key(w, "remote_addr");
    dt__jw_str(w, c->remote_addr);
    dt__jw_key(w, "reused");
    dt__jw_bool(w, c->reused);
    dt__jw_key(w, "tls_version");
    dt__jw_str(w, c->tls_version);
    dt__jw_key(w, "tls_cipher");
    dt__jw_str(w, c->tls_cipher);
    dt__jw_key(w, "alpn");
    dt__jw_str(w, c->alpn);
    dt__jw_key(w, "peer_subject");
    dt__jw_str(w, c->peer_subject);
    dt__jw_key(w, "cert_verified");
    dt__jw_bool(w, c->cert_verified);
    dt__jw_key(w, "tls_resumed");
    dt__jw_bool(w, c->tls_resumed);
    dt__jw_obj_close(w);
  }

  const dt_hop_timing *t = &h->timing;
  dt__jw_key(w, "timing");
  dt__jw_obj_open(w);
  char when[32];
  dt__rfc3339(t->started_ms / 1000, when);
  dt__jw_key(w, "started");
  dt__jw_str(w, t->started_ms > 0 ? when : NULL);
  ms_or_null(w, "dns_ms", t->dns_ms);
  ms_or_null(w, "connect_ms", t->connect_ms);
  ms_or_null(w, "tls_ms", t->tls_ms);
  ms_or_null(w, "first_byte_ms", t->first_byte_ms);
  ms_or_null(w, "total_ms", t->total_ms);
  dt__jw_obj_close(w);

  dt__jw_key(w, "note");
  dt__jw_str(w, h->note);
  dt__jw_key(w, "reason");
  dt__jw_raw(w, h->reason_json); /* machine-readable why, or null */
  dt__jw_key(w, "hsts");
  dt__jw_raw(w, h->hsts_json); /* what the STS field did, or null */
  dt__jw_key(w, "permanent_redirect_cached");
  dt__jw_bool(w, h->permanent_redirect_cached);
  dt__jw_obj_close(w);
}

char *dt_chain_to_json(const dt_chain *chain) {
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "url");
  dt__jw_str(&w, dt_chain_url(chain));
  dt__jw_key(&w, "method");
  dt__jw_str(&w, dt_chain_method(chain));
  dt__jw_key(&w, "hops");
  dt__jw_arr_open(&w);
  for (size_t i = 0; i < dt_chain_hop_count(chain); i++)
    hop_json(&w, dt_chain_hop(chain, i));
  dt__jw_arr_close(&w);
  dt__jw_key(&w, "final_url");
  dt__jw_str(&w, dt_chain_final_url(chain));
  dt__jw_key(&w, "error");
  int err = dt_chain_error(chain);
  if (!err) {
    dt__jw_null(&w);
  } else {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, dt_err_name(err));
    dt__jw_key(&w, "class");
    dt__jw_str(&w, dt_err_class_name(dt_err_class_of(err)));
    dt__jw_key(&w, "message");
    const char *m = dt_chain_error_message(chain);
    dt__jw_str(&w, m ? m : dt_strerror(err));
    dt__jw_obj_close(&w);
  }
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}

/* ---- text --------------------------------------------------------------- */

static void hop_line(dt__tb *b, size_t i, const dt_hop *h) {
  dt__tb_printf(b, "%2zu  %-6s ", i + 1, h->method ? h->method : "?");
  dt__tb_safe(b, h->url);
  dt__tb_printf(b, "\n    ");
  if (h->has_response) {
    dt__tb_printf(b, "%d ", h->status);
    dt__tb_safe(b, h->reason);
  } else {
    dt__tb_printf(b, "(no response)");
  }
  if (h->synthetic) {
    dt__tb_printf(b, "  [internal: nothing sent]");
  } else if (h->conn.remote_addr) {
    dt__tb_printf(b, "  %s %s", h->conn.reused ? "reused" : "new", h->conn.remote_addr);
    if (h->conn.tls_version)
      dt__tb_printf(b, " %s%s", h->conn.tls_version,
              h->conn.cert_verified ? " verified" : " UNVERIFIED");
  }
  if (h->has_response)
    dt__tb_printf(b, "  %llu B", (unsigned long long)h->resp_body_bytes);
  if (h->timing.total_ms >= 0) dt__tb_printf(b, "  %.1f ms", h->timing.total_ms);
  dt__tb_printf(b, "\n");
  if (h->note) {
    dt__tb_printf(b, "    why: ");
    dt__tb_safe(b, h->note);
    dt__tb_printf(b, "\n");
  }
}

char *dt_chain_to_text(const dt_chain *chain) {
  dt__tb b = {0};
  size_t n = dt_chain_hop_count(chain);
  dt__tb_printf(&b, "%s ", dt_chain_method(chain));
  dt__tb_safe(&b, dt_chain_url(chain));
  dt__tb_printf(&b, "  (%zu hop%s)\n", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) hop_line(&b, i, dt_chain_hop(chain, i));
  int err = dt_chain_error(chain);
  if (err) {
    const char *m = dt_chain_error_message(chain);
    dt__tb_printf(&b, "error: %s: %s\n", dt_err_name(err), m ? m : dt_strerror(err));
  } else if (n > 0) {
    const dt_hop *h = dt_chain_hop(chain, n - 1);
    dt__tb_printf(&b, "final: %d ", h->status);
    dt__tb_safe(&b, h->reason);
    dt__tb_printf(&b, "  ");
    dt__tb_safe(&b, dt_chain_final_url(chain));
    dt__tb_printf(&b, "\n");
    for (size_t i = 0; i < h->resp_header_count; i++) {
      dt__tb_printf(&b, "  ");
      dt__tb_safe(&b, h->resp_headers[i].name);
      dt__tb_printf(&b, ": ");
      dt__tb_safe(&b, h->resp_headers[i].value);
      dt__tb_printf(&b, "\n");
    }
  }
  return dt__tb_finish(&b);
}

/* ---- URL ---------------------------------------------------------------- */

char *dt_url_to_json(const dt_url *url) {
  static const struct {
    const char *name;
    dt_url_part part;
  } parts[] = {
      {"href", DT_URL_HREF},         {"origin", DT_URL_ORIGIN},
      {"protocol", DT_URL_PROTOCOL}, {"username", DT_URL_USERNAME},
      {"password", DT_URL_PASSWORD}, {"host", DT_URL_HOST},
      {"hostname", DT_URL_HOSTNAME}, {"port", DT_URL_PORT},
      {"pathname", DT_URL_PATHNAME}, {"search", DT_URL_SEARCH},
      {"hash", DT_URL_HASH},
  };
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    dt__jw_key(&w, parts[i].name);
    dt__jw_str(&w, dt_url_get(url, parts[i].part));
  }
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}

const char *dt_version_info(void) {
  static char buf[256];
  if (!buf[0]) {
    char mbed[32];
    mbedtls_version_get_string(mbed);
    snprintf(buf, sizeof buf,
             "detour %s (libuv %s, mbedTLS %s, llhttp %d.%d.%d, libidn2 %s)",
             DETOUR_VERSION, uv_version_string(), mbed, LLHTTP_VERSION_MAJOR,
             LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH, idn2_check_version(NULL));
  }
  return buf;
}

/* ---- HAR 1.2 -------------------------------------------------------------
 * http://www.softwareishard.com/blog/har-12-spec/ — the format devtools
 * export. Required timings (send, wait, receive) are never negative; phases
 * that did not run are -1, as the spec allows for blocked/dns/connect/ssl.
 * HAR's `connect` includes `ssl`. Custom fields start with '_'. */

static double nonneg(double v) { return v < 0 ? 0 : v; }

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

static const char *header_value(const dt_header *h, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(h[i].name, name) == 0) return h[i].value;
  return NULL;
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
  const dt_hop_timing *t = &h->timing;
  char when[48];
  int64_t ms = t->started_ms > 0 ? t->started_ms : 0;
  char secs[32];
  dt__rfc3339(ms / 1000, secs);
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
  dt__jw_str(w, "HTTP/1.1");
  dt__jw_key(w, "cookies");
  dt__jw_arr_open(w);
  dt__jw_arr_close(w);
  dt__jw_key(w, "headers");
  har_nv_list(w, h->req_headers, h->req_header_count);
  dt__jw_key(w, "queryString");
  har_query(w, h->url);
  if (h->req_body_bytes > 0) {
    const char *ct = header_value(h->req_headers, h->req_header_count, "Content-Type");
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
  dt__jw_str(w, h->has_response ? "HTTP/1.1" : "");
  dt__jw_key(w, "cookies");
  dt__jw_arr_open(w);
  dt__jw_arr_close(w);
  dt__jw_key(w, "headers");
  har_nv_list(w, h->resp_headers, h->resp_header_count);
  const char *ct = header_value(h->resp_headers, h->resp_header_count, "Content-Type");
  dt__jw_key(w, "content");
  dt__jw_obj_open(w);
  dt__jw_key(w, "size");
  dt__jw_uint(w, h->resp_body_bytes);
  dt__jw_key(w, "mimeType");
  dt__jw_str(w, ct ? ct : "");
  dt__jw_obj_close(w);
  const char *loc = header_value(h->resp_headers, h->resp_header_count, "Location");
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
  double receive = nonneg(t->total_ms) - nonneg(dns) - nonneg(conn) -
                   nonneg(ssl) - wait;
  dt__jw_key(w, "timings");
  dt__jw_obj_open(w);
  dt__jw_key(w, "blocked");
  dt__jw_int(w, -1);
  dt__jw_key(w, "dns");
  if (dns < 0) dt__jw_int(w, -1); else dt__jw_double(w, dns);
  dt__jw_key(w, "connect"); /* includes ssl (HAR 1.2) */
  if (conn < 0) dt__jw_int(w, -1); else dt__jw_double(w, conn + nonneg(ssl));
  dt__jw_key(w, "ssl");
  if (ssl < 0) dt__jw_int(w, -1); else dt__jw_double(w, ssl);
  dt__jw_key(w, "send");
  dt__jw_double(w, 0);
  dt__jw_key(w, "wait");
  dt__jw_double(w, wait);
  dt__jw_key(w, "receive");
  dt__jw_double(w, nonneg(receive));
  dt__jw_obj_close(w);

  if (h->conn.remote_addr) {
    /* serverIPAddress is the address without the port; [v6] brackets go. */
    const char *a = h->conn.remote_addr;
    const char *colon = strrchr(a, ':');
    size_t n = colon ? (size_t)(colon - a) : strlen(a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
      a++;
      n -= 2;
    }
    dt__jw_key(w, "serverIPAddress");
    dt__jw_strn(w, a, n);
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)h->conn.id);
    dt__jw_key(w, "connection");
    dt__jw_str(w, id);
  }
  dt__jw_key(w, "_detour_synthetic");
  dt__jw_bool(w, h->synthetic);
  dt__jw_key(w, "_detour_note");
  dt__jw_str(w, h->note);
  dt__jw_key(w, "_detour_reason");
  dt__jw_raw(w, h->reason_json);
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
    dt__jw_key(&w, "message");
    dt__jw_str(&w, m ? m : dt_strerror(err));
    dt__jw_obj_close(&w);
  }
  dt__jw_obj_close(&w);
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}
