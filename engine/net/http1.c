/* http1.c — HTTP/1.1 request serialisation and response parsing (llhttp).
 *
 * States (one set_state()):
 *   HEAD --final head--> BODY --message complete--> DONE
 *     ^ 1xx (not 101): head discarded, parse the next head (RFC 9110 §15.2)
 *   any --limit / bad bytes / 101--> ERROR
 * The head is accumulated in a bounded buffer and committed to the hop only
 * when it is final, so an interim 1xx never leaks into the record. */
#include "engine/net/http1.h"

#include "engine/net/request.h"
#include "engine/net/wire.h"
#include "hsts/base/headers.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_state(dt__http1 *p, dt__http1_state s) { p->state = s; }

/* The parser's error comes from the response it fills (limits, the head
 * hook, the body sink) or from llhttp; either way it ends the parse. */
static int fail_from_resp(dt__http1 *p) {
  if (p->state != DT__H1_ERROR) {
    p->err = p->resp->err ? p->resp->err : DT_EINTERNAL;
    snprintf(p->msg, sizeof p->msg, "%s", p->resp->msg);
    set_state(p, DT__H1_ERROR);
  }
  return -1;
}

static dt__http1 *from(llhttp_t *ll) { return (dt__http1 *)ll->data; }

static int head_add(dt__http1 *p, const char *at, size_t len, size_t extra) {
  if (dt__resp_count(p->resp, len + extra)) return fail_from_resp(p);
  if (dt__buf_put(&p->head, at, len)) {
    dt__resp_fail(p->resp, DT_ENOMEM, "out of memory (%zu bytes of head)",
                  p->head.len);
    return fail_from_resp(p);
  }
  return 0;
}

static int cb_message_begin(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  dt__buf_clear(&p->head);
  dt__buf_clear(&p->status_text);
  p->nfields = 0;
  dt__resp_reset_head(p->resp);
  return 0;
}

static int cb_status(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  /* "HTTP/1.1 NNN " + CRLF ≈ 15 bytes around the reason phrase */
  size_t extra = p->status_text.len == 0 ? 15 : 0;
  if (dt__resp_count(p->resp, len + extra)) return fail_from_resp(p);
  if (dt__buf_put(&p->status_text, at, len)) {
    dt__resp_fail(p->resp, DT_ENOMEM, "out of memory (reason phrase)");
    return fail_from_resp(p);
  }
  return 0;
}

static int cb_field(llhttp_t *ll, const char *at, size_t len) {
  return head_add(from(ll), at, len, 0);
}

static int cb_field_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  /* The count is checked as the fields arrive, not only at the end: a
   * response of a million empty fields stops at the limit. */
  if (++p->nfields > p->resp->lim->max_header_count) {
    dt__resp_fail(p->resp, DT_ELIMIT_HEADER_COUNT,
                  "response has more than %zu header fields",
                  p->resp->lim->max_header_count);
    return fail_from_resp(p);
  }
  return head_add(p, "\0", 1, 3); /* ": " + CRLF */
}

static int cb_value(llhttp_t *ll, const char *at, size_t len) {
  return head_add(from(ll), at, len, 0);
}

static int cb_value_complete(llhttp_t *ll) {
  return head_add(from(ll), "\0", 1, 0);
}

static int cb_headers_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  int status = llhttp_get_status_code(ll);
  if (status == 101) {
    dt__resp_fail(p->resp, DT_EHTTP,
                  "server answered 101 Switching Protocols (no upgrade was "
                  "asked)");
    return fail_from_resp(p);
  }
  if (status >= 100 && status < 200) {
    /* RFC 9110 §15.2: a client must be able to parse and ignore 1xx. */
    p->skipped_1xx++;
    return 0;
  }
  /* walk "name\0value\0" pairs: the final head goes to the hop */
  size_t off = 0;
  const char *hb = p->head.p;
  while (off < p->head.len) {
    const char *name = hb + off;
    size_t nl = strlen(name);
    off += nl + 1;
    const char *value = off < p->head.len ? hb + off : "";
    size_t vl = off < p->head.len ? strlen(value) : 0;
    off += vl + 1;
    if (dt__resp_field(p->resp, name, nl, value, vl)) return fail_from_resp(p);
  }
  set_state(p, DT__H1_BODY);
  /* the version as the status line gave it (llhttp accepts 1.0 and 1.1) */
  const char *version =
      ll->http_major == 1 && ll->http_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  if (dt__resp_head(p->resp, version, status, p->status_text.p,
                    p->status_text.len))
    return fail_from_resp(p);
  /* llhttp: returning 1 means "no body follows" — the answer to HEAD. */
  /* RFC 9112 §6.3: 1xx, 204 and 304 responses never carry content. */
  return p->is_head || status == 204 || status == 304 ? 1 : 0;
}

static int cb_body(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  return dt__resp_body(p->resp, at, len) ? fail_from_resp(p) : 0;
}

static int cb_message_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  if (p->state == DT__H1_HEAD)
    return 0; /* end of a 1xx: the real head follows */
  if (dt__resp_end(p->resp)) return fail_from_resp(p);
  if (dt__resp_keep(p->resp)) {
    dt__resp_fail(p->resp, DT_ENOMEM, "out of memory (%zu body bytes)",
                  p->resp->body.len);
    return fail_from_resp(p);
  }
  p->keep_alive = llhttp_should_keep_alive(ll);
  set_state(p, DT__H1_DONE);
  /* Stop here: bytes after this response are not part of it. */
  return HPE_PAUSED;
}

void dt__http1_init(dt__http1 *p, dt__resp *resp, int is_head) {
  memset(p, 0, sizeof *p);
  llhttp_settings_init(&p->settings);
  p->settings.on_message_begin = cb_message_begin;
  p->settings.on_status = cb_status;
  p->settings.on_header_field = cb_field;
  p->settings.on_header_field_complete = cb_field_complete;
  p->settings.on_header_value = cb_value;
  p->settings.on_header_value_complete = cb_value_complete;
  p->settings.on_headers_complete = cb_headers_complete;
  p->settings.on_body = cb_body;
  p->settings.on_message_complete = cb_message_complete;
  llhttp_init(&p->parser, HTTP_RESPONSE, &p->settings);
  /* Field values as browsers and curl read them (issue 18): LF-only line
   * ends and any byte but NUL/CR/LF in a value (DEL, obs-text) are taken,
   * as Chromium's HttpUtil::AssembleRawHeaders and curl do, where llhttp's
   * strict default refuses the response. This is llhttp's lenient-headers
   * flag and nothing more: chunked lengths, Transfer-Encoding conflicts and
   * keep-alive stay strict (engine/net/README.md "What HTTP/1.1 accepts"). A
   * client that never forwards a response cannot be used to split one. */
  llhttp_set_lenient_headers(&p->parser, 1);
  p->parser.data = p;
  p->resp = resp;
  p->is_head = is_head;
}

void dt__http1_free(dt__http1 *p) {
  dt__buf_free(&p->head);
  dt__buf_free(&p->status_text);
}

int dt__http1_feed(dt__http1 *p, const char *data, size_t len, size_t *used) {
  *used = 0;
  if (p->state == DT__H1_ERROR) return p->err;
  if (p->state == DT__H1_DONE) return 1;
  if (len == 0) return 0;
  llhttp_errno_t e = llhttp_execute(&p->parser, data, len);
  if (e == HPE_OK) {
    *used = len;
    p->got_bytes += len;
    return 0;
  }
  if (e == HPE_PAUSED && p->state == DT__H1_DONE) {
    const char *pos = llhttp_get_error_pos(&p->parser);
    *used = pos ? (size_t)(pos - data) : len;
    p->got_bytes += *used;
    return 1;
  }
  if (p->state == DT__H1_ERROR) return p->err;
  const char *pos = llhttp_get_error_pos(&p->parser);
  size_t at = pos && pos >= data ? (size_t)(pos - data) : 0;
  p->err = DT_EHTTP;
  snprintf(p->msg, sizeof p->msg, "malformed response at byte %zu: %s (%s)",
           p->got_bytes + at, llhttp_errno_name(e),
           p->parser.reason ? p->parser.reason : "?");
  set_state(p, DT__H1_ERROR);
  return p->err;
}

int dt__http1_eof(dt__http1 *p) {
  if (p->state == DT__H1_DONE) return 1;
  if (p->state == DT__H1_ERROR) return p->err;
  if (p->state == DT__H1_HEAD) {
    if (p->got_bytes == 0) {
      p->err = DT_ECONNRESET;
      snprintf(p->msg, sizeof p->msg,
               "connection closed before any response byte");
    } else {
      p->err = DT_ETRUNCATED;
      snprintf(p->msg, sizeof p->msg,
               "connection closed inside the response head after %zu bytes",
               p->got_bytes);
    }
    set_state(p, DT__H1_ERROR);
    return p->err;
  }
  llhttp_errno_t e = llhttp_finish(&p->parser);
  if (p->state == DT__H1_DONE) return 1;
  (void)e;
  /* Content-Length or chunked body cut short: keep what arrived. */
  dt__resp_keep(p->resp);
  dt_hop *hop = p->resp->hop;
  const char *cl = dt__hop_resp_header(hop, "content-length");
  p->err = DT_ETRUNCATED;
  if (cl && !(p->parser.flags & F_CHUNKED))
    snprintf(p->msg, sizeof p->msg,
             "connection closed mid-body: %llu of %s bytes arrived",
             (unsigned long long)hop->resp_body_bytes, cl);
  else
    snprintf(p->msg, sizeof p->msg,
             "connection closed mid-body: %llu bytes of a chunked body "
             "arrived, no last chunk",
             (unsigned long long)hop->resp_body_bytes);
  set_state(p, DT__H1_ERROR);
  return p->err;
}

/* ---- request ------------------------------------------------------------ */

static int field(dt_chain *chain, dt_hop *hop, dt__buf *b, const char *name,
                 const char *value) {
  dt__buf_printf(b, "%s: %s\r\n", name, value);
  return dt__hop_add_req_header(chain, hop, name, strlen(name), value,
                                strlen(value));
}

int dt__http1_write_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const dt__req_fields *fields, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  /* The last guard (engine/net/wire.h): nothing that could end the line or
   * split the request is written. */
  if (!dt__wire_token(method) || !dt__wire_target(target) ||
      !dt__wire_target(host))
    return DT_EINVAL;
  for (size_t i = 0; i < fields->n; i++)
    if (!dt__wire_token(fields->f[i].name) ||
        !dt__wire_value(fields->f[i].value))
      return DT_EINVAL;
  dt__buf b = dt__buf_make(0);
  int rc = 0;
  dt__buf_printf(&b, "%s %s HTTP/1.1\r\n", method, target);
  /* Host first, as browsers send it (a caller's Host takes its place). */
  rc |= field(chain, hop, &b, fields->host_name ? fields->host_name : "Host",
              fields->host_value ? fields->host_value : host);
  for (size_t i = 0; i < fields->n; i++)
    rc |= field(chain, hop, &b, fields->f[i].name, fields->f[i].value);
  dt__buf_put(&b, "\r\n", 2);
  dt__buf_put(&b, body, body_len);
  hop->req_body_bytes = body_len;
  size_t n = b.len;
  char *bytes = dt__buf_finish(&b); /* a NUL follows, for traces */
  if (!bytes || rc) {
    free(bytes);
    return DT_ENOMEM;
  }
  *out = bytes;
  *out_len = n;
  return 0;
}

int dt__http1_build_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const char *user_agent, const dt_header *headers,
                            size_t header_count, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  dt__req_fields fields;
  if (dt__req_fields_build(&fields, method, user_agent, headers, header_count,
                           body_len))
    return DT_EINVAL;
  return dt__http1_write_request(chain, hop, method, target, host, &fields,
                                 body, body_len, out, out_len);
}
