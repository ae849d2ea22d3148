/* http1.c — HTTP/1.1 request serialisation and response parsing (llhttp).
 *
 * States (one set_state()):
 *   HEAD --final head--> BODY --message complete--> DONE
 *     ^ 1xx (not 101): head discarded, parse the next head (RFC 9110 §15.2)
 *   any --limit / bad bytes / 101--> ERROR
 * The head is accumulated in a bounded buffer and committed to the hop only
 * when it is final, so an interim 1xx never leaks into the record. */
#include "engine/net/http1.h"

#include "hsts/base/ascii.h"
#include "hsts/base/headers.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_state(dt__http1 *p, dt__http1_state s) { p->state = s; }

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(dt__http1 *p, int err, const char *fmt, ...) {
  if (p->state != DT__H1_ERROR) {
    p->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
    set_state(p, DT__H1_ERROR);
  }
  return -1;
}

static dt__http1 *from(llhttp_t *ll) { return (dt__http1 *)ll->data; }

/* Counts head bytes against the limit before anything is kept. */
static int count_head(dt__http1 *p, size_t n) {
  p->head_bytes += n;
  if (p->head_bytes > p->lim->max_header_bytes)
    return fail(p, DT_ELIMIT_HEADER_BYTES,
                "response header block exceeds %zu bytes",
                p->lim->max_header_bytes);
  return 0;
}

static int head_add(dt__http1 *p, const char *at, size_t len, size_t extra) {
  if (count_head(p, len + extra)) return -1;
  if (dt__buf_put(&p->head, at, len))
    return fail(p, DT_ENOMEM, "out of memory (%zu bytes of head)", p->head.len);
  return 0;
}

static void head_reset(dt__http1 *p) {
  dt__buf_clear(&p->head);
  dt__buf_clear(&p->status_text);
  p->head_bytes = 0;
  p->nfields = 0;
}

static int cb_message_begin(llhttp_t *ll) {
  head_reset(from(ll));
  return 0;
}

static int cb_status(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  /* "HTTP/1.1 NNN " + CRLF ≈ 15 bytes around the reason phrase */
  size_t extra = p->status_text.len == 0 && p->head_bytes == 0 ? 15 : 0;
  if (count_head(p, len + extra)) return -1;
  if (dt__buf_put(&p->status_text, at, len))
    return fail(p, DT_ENOMEM, "out of memory (reason phrase)");
  return 0;
}

static int cb_field(llhttp_t *ll, const char *at, size_t len) {
  return head_add(from(ll), at, len, 0);
}

static int cb_field_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  if (++p->nfields > p->lim->max_header_count)
    return fail(p, DT_ELIMIT_HEADER_COUNT,
                "response has more than %zu header fields",
                p->lim->max_header_count);
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
  if (status == 101)
    return fail(p, DT_EHTTP,
                "server answered 101 Switching Protocols (no "
                "upgrade was asked)");
  if (status >= 100 && status < 200) {
    /* RFC 9110 §15.2: a client must be able to parse and ignore 1xx. */
    p->skipped_1xx++;
    return 0;
  }
  dt_hop *hop = p->hop;
  hop->has_response = 1;
  hop->status = status;
  hop->reason = dt__chain_strndup(
      p->chain, p->status_text.p ? p->status_text.p : "", p->status_text.len);
  /* walk "name\0value\0" pairs */
  size_t off = 0;
  const char *hb = p->head.p;
  while (off < p->head.len) {
    const char *name = hb + off;
    size_t nl = strlen(name);
    off += nl + 1;
    const char *value = off < p->head.len ? hb + off : "";
    size_t vl = off < p->head.len ? strlen(value) : 0;
    off += vl + 1;
    if (dt__hop_add_resp_header(p->chain, hop, name, nl, value, vl) != 0)
      return fail(p, DT_ENOMEM, "out of memory recording %zu headers",
                  p->nfields);
  }
  set_state(p, DT__H1_BODY);
  if (p->on_head) {
    int rc = p->on_head(p->head_ud);
    if (rc < 0) return fail(p, rc, "%s", dt_strerror(rc));
  }
  /* llhttp: returning 1 means "no body follows" — the answer to HEAD. */
  /* RFC 9112 §6.3: 1xx, 204 and 304 responses never carry content. */
  return p->is_head || status == 204 || status == 304 ? 1 : 0;
}

static int cb_body(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  p->hop->resp_body_bytes += len;
  if (p->sink) {
    int rc = p->sink(p->sink_ud, at, len);
    if (rc < 0)
      return fail(p, rc,
                  "%s (the body callback stopped the transfer; %llu bytes "
                  "had arrived)",
                  dt_strerror(rc), (unsigned long long)p->hop->resp_body_bytes);
    if (!p->sink_keep) return 0;
  }
  size_t room = p->lim->max_body_bytes - p->body.len;
  size_t keep = len < room ? len : room;
  if (keep && dt__buf_put(&p->body, at, keep)) /* beyond: counted, dropped */
    return fail(p, DT_ENOMEM, "out of memory keeping %zu body bytes",
                p->body.len + keep);
  return 0;
}

/* Copies the kept body into the hop (the chain owns it from then on). */
static int keep_body(dt__http1 *p) {
  if (!p->body.len) return 0;
  p->hop->body = dt__chain_memdup(p->chain, p->body.p, p->body.len);
  p->hop->body_kept = p->hop->body ? p->body.len : 0;
  return p->hop->body ? 0 : -1;
}

static int cb_message_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  if (p->state == DT__H1_HEAD)
    return 0; /* end of a 1xx: the real head follows */
  if (keep_body(p))
    return fail(p, DT_ENOMEM, "out of memory (%zu body bytes)", p->body.len);
  p->keep_alive = llhttp_should_keep_alive(ll);
  set_state(p, DT__H1_DONE);
  /* Stop here: bytes after this response are not part of it. */
  return HPE_PAUSED;
}

void dt__http1_init(dt__http1 *p, dt_chain *chain, dt_hop *hop,
                    const dt_limits *lim, int is_head) {
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
  p->parser.data = p;
  p->chain = chain;
  p->hop = hop;
  p->lim = lim;
  p->is_head = is_head;
  p->body = dt__buf_make(lim->max_body_bytes);
}

void dt__http1_on_head(dt__http1 *p, dt__http1_head_cb cb, void *ud) {
  p->on_head = cb;
  p->head_ud = ud;
}

void dt__http1_set_sink(dt__http1 *p, dt__http1_sink sink, void *ud, int keep) {
  p->sink = sink;
  p->sink_ud = ud;
  p->sink_keep = keep;
  p->hop->body_streamed = sink != NULL && !keep;
}

void dt__http1_free(dt__http1 *p) {
  dt__buf_free(&p->head);
  dt__buf_free(&p->status_text);
  dt__buf_free(&p->body);
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
  keep_body(p);
  const char *cl = dt__hop_resp_header(p->hop, "content-length");
  p->err = DT_ETRUNCATED;
  if (cl && !(p->parser.flags & F_CHUNKED))
    snprintf(p->msg, sizeof p->msg,
             "connection closed mid-body: %llu of %s bytes arrived",
             (unsigned long long)p->hop->resp_body_bytes, cl);
  else
    snprintf(p->msg, sizeof p->msg,
             "connection closed mid-body: %llu bytes of a chunked body "
             "arrived, no last chunk",
             (unsigned long long)p->hop->resp_body_bytes);
  set_state(p, DT__H1_ERROR);
  return p->err;
}

/* ---- request ------------------------------------------------------------ */

/* A name or value that could split the request (CR, LF) or end a C
 * string early (NUL cannot appear here) is refused. */
static int clean(const char *s) {
  for (; *s; s++)
    if (*s == '\r' || *s == '\n') return 0;
  return 1;
}

static int field(dt_chain *chain, dt_hop *hop, dt__buf *b, const char *name,
                 const char *value) {
  dt__buf_printf(b, "%s: %s\r\n", name, value);
  return dt__hop_add_req_header(chain, hop, name, strlen(name), value,
                                strlen(value));
}

int dt__http1_build_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const char *user_agent, const dt_header *headers,
                            size_t header_count, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (!method || !*method || !target || !host || !clean(method) ||
      strchr(method, ' ') || !clean(target) || strchr(target, ' ') ||
      !clean(host))
    return DT_EINVAL;
  for (size_t i = 0; i < header_count; i++)
    if (!headers[i].name || !headers[i].value || !*headers[i].name ||
        !clean(headers[i].name) || !clean(headers[i].value) ||
        strchr(headers[i].name, ':'))
      return DT_EINVAL;
  dt__buf b = dt__buf_make(0);
  int rc = 0;
  dt__buf_printf(&b, "%s %s HTTP/1.1\r\n", method, target);
  /* Defaults in browser order; a caller field of the same name takes the
   * default's place (curl -H semantics). */
  static const char *const defnames[] = {"Host", "User-Agent", "Accept"};
  const char *defvals[] = {
      host, user_agent ? user_agent : "detour/" DETOUR_VERSION, "*/*"};
  for (int i = 0; i < 3; i++) {
    const dt_header *c = dt__header_find(headers, header_count, defnames[i]);
    rc |= field(chain, hop, &b, c ? c->name : defnames[i],
                c ? c->value : defvals[i]);
  }
  for (size_t i = 0; i < header_count; i++) {
    const char *n = headers[i].name;
    if (dt__ascii_ieq(n, "host") || dt__ascii_ieq(n, "user-agent") ||
        dt__ascii_ieq(n, "accept") || dt__ascii_ieq(n, "content-length"))
      continue;
    rc |= field(chain, hop, &b, n, headers[i].value);
  }
  /* RFC 9110 §8.6: a user agent SHOULD send Content-Length with a body, and
   * for POST/PUT even when the body is empty. */
  if (body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
    char num[32];
    snprintf(num, sizeof num, "%zu", body_len);
    rc |= field(chain, hop, &b, "Content-Length", num);
  }
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
