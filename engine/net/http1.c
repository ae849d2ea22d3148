/* http1.c — HTTP/1.1 request serialisation and response parsing (llhttp).
 *
 * States (one set_state()):
 *   HEAD --final head--> BODY --message complete--> DONE
 *     ^ 1xx (not 101): head discarded, parse the next head (RFC 9110 §15.2)
 *   any --limit / bad bytes / 101--> ERROR
 * The head is accumulated in a bounded buffer and committed to the hop only
 * when it is final, so an interim 1xx never leaks into the record. */
#include "engine/net/http1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void set_state(dt__http1 *p, dt__http1_state s) { p->state = s; }

static int fail(dt__http1 *p, int err, const char *fmt, const char *a,
                size_t n) {
  if (p->state != DT__H1_ERROR) {
    p->err = err;
    snprintf(p->msg, sizeof p->msg, fmt, a, n);
    set_state(p, DT__H1_ERROR);
  }
  return -1;
}

static dt__http1 *from(llhttp_t *ll) { return (dt__http1 *)ll->data; }

/* Counts head bytes and appends to the head buffer; the buffer never grows
 * past the header-byte limit. */
static int head_add(dt__http1 *p, const char *at, size_t len, size_t extra) {
  p->head_bytes += len + extra;
  if (p->head_bytes > p->lim->max_header_bytes)
    return fail(p, DT_ELIMIT_HEADER_BYTES,
                "response header block exceeds %s%zu bytes", "",
                p->lim->max_header_bytes);
  if (p->hlen + len + 1 > p->hcap) {
    size_t cap = p->hcap ? p->hcap : 512;
    while (cap < p->hlen + len + 1)
      cap *= 2;
    char *nb = realloc(p->hbuf, cap);
    if (!nb)
      return fail(p, DT_ENOMEM, "%sout of memory (%zu bytes of head)", "",
                  cap);
    p->hbuf = nb;
    p->hcap = cap;
  }
  memcpy(p->hbuf + p->hlen, at, len);
  p->hlen += len;
  return 0;
}

static void head_reset(dt__http1 *p) {
  p->hlen = 0;
  p->head_bytes = 0;
  p->nfields = 0;
  p->status_len = 0;
  free(p->status_text);
  p->status_text = NULL;
}

static int cb_message_begin(llhttp_t *ll) {
  head_reset(from(ll));
  return 0;
}

static int cb_status(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  /* "HTTP/1.1 NNN " + CRLF ≈ 15 bytes around the reason phrase */
  size_t extra = p->status_len == 0 && p->head_bytes == 0 ? 15 : 0;
  p->head_bytes += len + extra;
  if (p->head_bytes > p->lim->max_header_bytes)
    return fail(p, DT_ELIMIT_HEADER_BYTES,
                "response header block exceeds %s%zu bytes", "",
                p->lim->max_header_bytes);
  char *nb = realloc(p->status_text, p->status_len + len + 1);
  if (!nb)
    return fail(p, DT_ENOMEM, "%sout of memory%zu", "", (size_t)0);
  memcpy(nb + p->status_len, at, len);
  p->status_len += len;
  nb[p->status_len] = 0;
  p->status_text = nb;
  return 0;
}

static int cb_field(llhttp_t *ll, const char *at, size_t len) {
  return head_add(from(ll), at, len, 0);
}

static int cb_field_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  if (++p->nfields > p->lim->max_header_count)
    return fail(p, DT_ELIMIT_HEADER_COUNT,
                "response has more than %s%zu header fields", "",
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
                "server answered 101 Switching Protocols%s (no upgrade was "
                "asked; %zu)",
                "", (size_t)101);
  if (status >= 100 && status < 200) {
    /* RFC 9110 §15.2: a client must be able to parse and ignore 1xx. */
    p->skipped_1xx++;
    return 0;
  }
  dt_hop *hop = p->hop;
  hop->has_response = 1;
  hop->status = status;
  hop->reason = dt__chain_strndup(p->chain, p->status_text ? p->status_text : "",
                                  p->status_len);
  /* walk "name\0value\0" pairs */
  size_t off = 0;
  while (off < p->hlen) {
    const char *name = p->hbuf + off;
    size_t nl = strlen(name);
    off += nl + 1;
    const char *value = off < p->hlen ? p->hbuf + off : "";
    size_t vl = off < p->hlen ? strlen(value) : 0;
    off += vl + 1;
    if (dt__hop_add_resp_header(p->chain, hop, name, nl, value, vl) != 0)
      return fail(p, DT_ENOMEM, "%sout of memory recording %zu headers", "",
                  p->nfields);
  }
  set_state(p, DT__H1_BODY);
  /* llhttp: returning 1 means "no body follows" — the answer to HEAD. */
  /* RFC 9112 §6.3: 1xx, 204 and 304 responses never carry content. */
  return p->is_head || status == 204 || status == 304 ? 1 : 0;
}

static int cb_body(llhttp_t *ll, const char *at, size_t len) {
  dt__http1 *p = from(ll);
  p->hop->resp_body_bytes += len;
  size_t room = p->lim->max_body_bytes - p->body_len;
  size_t keep = len < room ? len : room;
  if (keep == 0)
    return 0; /* beyond the keep limit: counted, discarded */
  if (p->body_len + keep > p->body_cap) {
    size_t cap = p->body_cap ? p->body_cap : 4096;
    while (cap < p->body_len + keep)
      cap *= 2;
    if (cap > p->lim->max_body_bytes)
      cap = p->lim->max_body_bytes;
    uint8_t *nb = realloc(p->body, cap);
    if (!nb)
      return fail(p, DT_ENOMEM, "%sout of memory keeping %zu body bytes", "",
                  cap);
    p->body = nb;
    p->body_cap = cap;
  }
  memcpy(p->body + p->body_len, at, keep);
  p->body_len += keep;
  return 0;
}

static int cb_message_complete(llhttp_t *ll) {
  dt__http1 *p = from(ll);
  if (p->state == DT__H1_HEAD)
    return 0; /* end of a 1xx: the real head follows */
  if (p->body_len) {
    p->hop->body = dt__chain_memdup(p->chain, p->body, p->body_len);
    if (!p->hop->body)
      return fail(p, DT_ENOMEM, "%sout of memory (%zu body bytes)", "",
                  p->body_len);
    p->hop->body_kept = p->body_len;
  }
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
}

void dt__http1_free(dt__http1 *p) {
  free(p->hbuf);
  free(p->status_text);
  free(p->body);
  p->hbuf = NULL;
  p->status_text = NULL;
  p->body = NULL;
}

int dt__http1_feed(dt__http1 *p, const char *data, size_t len, size_t *used) {
  *used = 0;
  if (p->state == DT__H1_ERROR)
    return p->err;
  if (p->state == DT__H1_DONE)
    return 1;
  if (len == 0)
    return 0;
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
  if (p->state == DT__H1_ERROR)
    return p->err;
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
  if (p->state == DT__H1_DONE)
    return 1;
  if (p->state == DT__H1_ERROR)
    return p->err;
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
  if (p->state == DT__H1_DONE)
    return 1;
  (void)e;
  /* Content-Length or chunked body cut short: keep what arrived. */
  if (p->body_len) {
    p->hop->body = dt__chain_memdup(p->chain, p->body, p->body_len);
    p->hop->body_kept = p->hop->body ? p->body_len : 0;
  }
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

typedef struct wbuf {
  char *p;
  size_t len, cap;
  int oom;
} wbuf;

static void wb_put(wbuf *b, const void *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->len + n)
      cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void wb_str(wbuf *b, const char *s) { wb_put(b, s, strlen(s)); }

static int clean(const char *s) {
  for (; *s; s++)
    if (*s == '\r' || *s == '\n')
      return 0;
  return 1;
}

static int field(dt_chain *chain, dt_hop *hop, wbuf *b, const char *name,
                 const char *value) {
  wb_str(b, name);
  wb_put(b, ": ", 2);
  wb_str(b, value);
  wb_put(b, "\r\n", 2);
  return dt__hop_add_req_header(chain, hop, name, strlen(name), value,
                                strlen(value));
}

static const dt_header *find_caller(const dt_header *h, size_t n,
                                    const char *name) {
  for (size_t i = 0; i < n; i++)
    if (h[i].name && strcasecmp(h[i].name, name) == 0)
      return &h[i];
  return NULL;
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
  wbuf b = {0};
  int rc = 0;
  wb_str(&b, method);
  wb_put(&b, " ", 1);
  wb_str(&b, target);
  wb_str(&b, " HTTP/1.1\r\n");
  /* Defaults in browser order; a caller field of the same name takes the
   * default's place (curl -H semantics). */
  static const char *const defnames[] = {"Host", "User-Agent", "Accept"};
  const char *defvals[] = {host, user_agent ? user_agent : "detour/" DETOUR_VERSION,
                           "*/*"};
  for (int i = 0; i < 3; i++) {
    const dt_header *c = find_caller(headers, header_count, defnames[i]);
    rc |= field(chain, hop, &b, c ? c->name : defnames[i],
                c ? c->value : defvals[i]);
  }
  for (size_t i = 0; i < header_count; i++) {
    const char *n = headers[i].name;
    if (strcasecmp(n, "host") == 0 || strcasecmp(n, "user-agent") == 0 ||
        strcasecmp(n, "accept") == 0 || strcasecmp(n, "content-length") == 0)
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
  wb_put(&b, "\r\n", 2);
  if (body_len)
    wb_put(&b, body, body_len);
  hop->req_body_bytes = body_len;
  wb_put(&b, "", 1); /* NUL after the bytes, for traces; not counted */
  b.len--;
  if (b.oom || rc) {
    free(b.p);
    return DT_ENOMEM;
  }
  *out = b.p;
  *out_len = b.len;
  return 0;
}
