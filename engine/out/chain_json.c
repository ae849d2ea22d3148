/* chain_json.c — the chain as JSON, and a URL as JSON. The shape is a
 * contract (docs/json-output.md): later versions add keys, they never
 * rename or remove one. The hop's decisions come from its typed records
 * (detour.h), here and nowhere else. */
#include "detour.h"
#include "engine/out/decision_text.h"
#include "engine/out/jsonw.h"
#include "engine/out/records.h"

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

static void connection_json(dt__jw *w, const dt_hop_connection *c) {
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
  dt__jw_key(w, "tls_group");
  dt__jw_str(w, c->tls_group);
  dt__jw_key(w, "tls_library");
  dt__jw_str(w, c->tls_library);
  dt__jw_obj_close(w);
}

static void timing_json(dt__jw *w, const dt_hop_timing *t) {
  dt__jw_obj_open(w);
  dt__jw_key(w, "started");
  if (t->started_ms > 0)
    dt__jw_time(w, t->started_ms);
  else
    dt__jw_null(w);
  ms_or_null(w, "dns_ms", t->dns_ms);
  ms_or_null(w, "connect_ms", t->connect_ms);
  ms_or_null(w, "tls_ms", t->tls_ms);
  ms_or_null(w, "first_byte_ms", t->first_byte_ms);
  ms_or_null(w, "total_ms", t->total_ms);
  dt__jw_obj_close(w);
}

static void error_json(dt__jw *w, int err, const char *m, const char *hint);

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
  /* why each field went out so: [name, rule] pairs */
  dt__jw_key(w, "field_rules");
  headers_json(w, h->field_rules, h->field_rule_count);
  dt__jw_key(w, "body_bytes");
  dt__jw_uint(w, h->req_body_bytes);
  dt__jw_obj_close(w);

  dt__jw_key(w, "response");
  if (!h->has_response) {
    dt__jw_null(w);
  } else {
    dt__jw_obj_open(w);
    dt__jw_key(w, "http_version");
    dt__jw_str(w, h->http_version ? h->http_version : "HTTP/1.1");
    dt__jw_key(w, "status");
    dt__jw_int(w, h->status);
    dt__jw_key(w, "reason");
    dt__jw_str(w, h->reason ? h->reason : "");
    dt__jw_key(w, "headers");
    headers_json(w, h->resp_headers, h->resp_header_count);
    dt__jw_key(w, "body_bytes");
    dt__jw_uint(w, h->resp_body_bytes);
    /* content codings undone: the decoded count above, the wire's here */
    dt__jw_key(w, "content_decoded");
    dt__jw_str(w, h->content_decoded);
    dt__jw_key(w, "encoded_bytes");
    dt__jw_uint(w, h->content_decoded ? h->resp_encoded_bytes
                                      : h->resp_body_bytes);
    dt__jw_key(w, "body_kept");
    dt__jw_uint(w, h->body_kept);
    dt__jw_key(w, "body_streamed");
    dt__jw_bool(w, h->body_streamed);
    dt__jw_obj_close(w);
  }

  dt__jw_key(w, "synthetic");
  dt__jw_bool(w, h->synthetic);
  dt__jw_key(w, "connection");
  if (h->synthetic || !h->conn)
    dt__jw_null(w); /* nothing touched the network */
  else
    connection_json(w, h->conn);
  dt__jw_key(w, "timing");
  timing_json(w, h->timing);

  dt__jw_key(w, "note");
  dt__hop_note_json(w, h);
  dt__jw_key(w, "reason"); /* the machine-readable why, or null */
  if (h->upgrade)
    dt__decision_json(w, h->upgrade);
  else
    dt__jw_null(w);
  dt__jw_key(w, "hsts"); /* what the STS field did, or null */
  if (h->sts)
    dt__sts_note_json(w, h->sts);
  else
    dt__jw_null(w);
  dt__jw_key(w, "steps");
  dt__jw_arr_open(w);
  for (size_t i = 0; i < h->step_count; i++) {
    dt__jw_obj_open(w);
    dt__jw_key(w, "text");
    dt__jw_str(w, h->steps[i].text);
    dt__jw_key(w, "rule");
    dt__jw_str(w, h->steps[i].rule);
    dt__jw_obj_close(w);
  }
  dt__jw_arr_close(w);
  dt__jw_key(w, "permanent_redirect_cached");
  dt__jw_bool(w, h->permanent_redirect_cached);
  dt__jw_key(w, "from_cache");
  dt__jw_bool(w, h->from_cache);
  dt__jw_key(w, "cookies"); /* docs/cookies.md */
  dt__jw_arr_open(w);
  for (size_t i = 0; i < h->cookie_count; i++) {
    const dt_hop_cookie *c = &h->cookies[i];
    dt__jw_obj_open(w);
    dt__jw_key(w, "name");
    dt__jw_str(w, c->name);
    dt__jw_key(w, "domain");
    dt__jw_str(w, c->domain);
    dt__jw_key(w, "path");
    dt__jw_str(w, c->path);
    dt__jw_key(w, "sent");
    dt__jw_bool(w, !c->blocked);
    dt__jw_key(w, "blocked");
    dt__jw_str(w, c->blocked);
    dt__jw_key(w, "why");
    dt__jw_str(w, c->why);
    dt__jw_obj_close(w);
  }
  dt__jw_arr_close(w);
  dt__jw_key(w, "set_cookies");
  dt__jw_arr_open(w);
  for (size_t i = 0; i < h->set_cookie_count; i++) {
    const dt_hop_set_cookie *c = &h->set_cookies[i];
    dt__jw_obj_open(w);
    dt__jw_key(w, "field");
    dt__jw_str(w, c->field);
    dt__jw_key(w, "outcome");
    dt__jw_str(w, c->outcome);
    dt__jw_key(w, "reason");
    dt__jw_str(w, c->reason);
    dt__jw_key(w, "why");
    dt__jw_str(w, c->why);
    dt__jw_key(w, "name");
    dt__jw_str(w, c->name);
    dt__jw_key(w, "domain");
    dt__jw_str(w, c->domain);
    dt__jw_key(w, "path");
    dt__jw_str(w, c->path);
    dt__jw_key(w, "expires");
    if (c->expires_ms < 0) {
      dt__jw_null(w); /* a session cookie */
    } else {
      char t[32];
      dt_time_format(c->expires_ms, t);
      dt__jw_str(w, t);
    }
    dt__jw_key(w, "same_site");
    dt__jw_str(w, c->same_site);
    dt__jw_key(w, "secure");
    dt__jw_bool(w, c->secure);
    dt__jw_key(w, "http_only");
    dt__jw_bool(w, c->http_only);
    dt__jw_obj_close(w);
  }
  dt__jw_arr_close(w);
  dt__jw_key(w, "error"); /* the hop's own: docs/json-output.md */
  error_json(w, h->error, h->error_message, NULL);
  dt__jw_obj_close(w);
}

static void error_json(dt__jw *w, int err, const char *m, const char *hint) {
  if (!err) {
    dt__jw_null(w);
    return;
  }
  dt__jw_obj_open(w);
  dt__jw_key(w, "code");
  dt__jw_str(w, dt_err_name(err));
  dt__jw_key(w, "class");
  dt__jw_str(w, dt_err_class_name(dt_err_class_of(err)));
  dt__jw_key(w, "message");
  dt__jw_str(w, m ? m : dt_strerror(err));
  dt__jw_key(w, "hint");
  dt__jw_str(w, hint); /* null when there is none */
  dt__jw_obj_close(w);
}

void dt__chain_error_json(dt__jw *w, const dt_chain *chain) {
  error_json(w, dt_chain_error(chain), dt_chain_error_message(chain),
             dt_chain_error_hint(chain));
}

char *dt_chain_to_json(const dt_chain *chain) {
  if (!chain) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "url");
  dt__jw_str(&w, dt_chain_url(chain));
  dt__jw_key(&w, "method");
  dt__jw_str(&w, dt_chain_method(chain));
  dt__jw_key(&w, "typed"); /* address-bar input (docs/json-output.md) */
  if (dt_chain_typed(chain)) {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "input");
    dt__jw_str(&w, dt_chain_typed(chain));
    dt__jw_key(&w, "schemeless");
    dt__jw_bool(&w, dt_chain_typed_schemeless(chain));
    dt__jw_key(&w, "tried");
    if (dt_chain_typed_tried(chain))
      dt__jw_str(&w, dt_chain_typed_tried(chain));
    else
      dt__jw_null(&w);
    dt__jw_obj_close(&w);
  } else {
    dt__jw_null(&w);
  }
  dt__jw_key(&w, "hops");
  dt__jw_arr_open(&w);
  for (size_t i = 0; i < dt_chain_hop_count(chain); i++)
    hop_json(&w, dt_chain_hop(chain, i));
  dt__jw_arr_close(&w);
  dt__jw_key(&w, "final_url");
  dt__jw_str(&w, dt_chain_final_url(chain));
  dt__jw_key(&w, "error");
  dt__chain_error_json(&w, chain);
  dt__jw_key(&w, "warnings"); /* e.g. the HSTS store could not be loaded */
  dt__jw_arr_open(&w);
  for (size_t i = 0; dt_chain_warning(chain, i); i++)
    dt__jw_str(&w, dt_chain_warning(chain, i));
  dt__jw_arr_close(&w);
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}

const char *dt_url_part_name(dt_url_part part) {
  static const char *const names[] = {
      "href",     "origin", "protocol", "username", "password", "host",
      "hostname", "port",   "pathname", "search",   "hash"};
  return (unsigned)part < sizeof names / sizeof names[0] ? names[part] : NULL;
}

char *dt_url_to_json(const dt_url *url) {
  if (!url) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  for (int p = DT_URL_HREF; p <= DT_URL_HASH; p++) {
    dt__jw_key(&w, dt_url_part_name((dt_url_part)p));
    dt__jw_str(&w, dt_url_get(url, (dt_url_part)p));
  }
  dt__jw_obj_close(&w);
  return dt__jw_finish(&w);
}
