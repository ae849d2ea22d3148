/* http2.c — an HTTP/2 client session over nghttp2. See http2.h.
 *
 * The session is driven by two calls: dt__h2_feed() with the server's bytes
 * (nghttp2_session_mem_recv runs the callbacks below) and flush(), which
 * drains nghttp2_session_mem_send into the send function. nghttp2 forbids
 * mem_send from inside its own callbacks, so a flush asked for while input
 * is being processed (a stream canceled from a body sink) waits for the end
 * of that input.
 *
 * A stream's record (struct stream) is nghttp2's stream user data; it lives
 * until nghttp2 closes the stream (on_stream_close) or never sends it
 * (on_frame_not_send), or until the session is freed. Its owner is told of
 * the end once (end_stream clears the owner first), so a canceled or ended
 * stream's late frames go nowhere. */
#include "engine/net/http2.h"

#include "hsts/base/ascii.h"
#include "hsts/base/buf.h"

#include <nghttp2/nghttp2.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nghttp2 1.60 renamed the ssize_t entry points (the old ones remain). */
#if NGHTTP2_VERSION_NUM >= 0x013c00
#define DT__NG2 1
typedef nghttp2_ssize ng_ssize;
#else
#define DT__NG2 0
typedef ssize_t ng_ssize;
#endif

typedef struct stream {
  dt__h2 *s;
  int32_t id;
  dt__resp *resp;
  dt__h2_owner o; /* o.on_done is NULL once the owner has heard the end */
  uint8_t *body;  /* the request body (copied), sent as DATA */
  size_t body_len, body_off;
  int status; /* :status of the head being received */
  int final;  /* the final head is in the hop */
  struct stream *next;
} stream;

struct dt__h2 {
  nghttp2_session *ng;
  const dt__h2_shape *shape;
  const dt_limits *lim;
  dt__h2_send_fn send;
  dt__h2_trace_fn trace;
  void *ud;
  stream *streams; /* ours, newest first */
  int in_recv;     /* inside mem_recv: flushing waits */
  int failed;      /* err says why; no new stream */
  int goaway;      /* a GOAWAY went either way: no new stream */
  uint32_t goaway_code;
  char err[256];
  char last[200]; /* nghttp2's last complaint, for messages */
};

/* ---- helpers ------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
set_failed(dt__h2 *s, const char *fmt, ...) {
  if (s->failed) return;
  s->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
tracef(dt__h2 *s, char dir, const char *fmt, ...) {
  if (!s->trace) return;
  char buf[320];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  s->trace(s->ud, dir, buf,
           (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* "name: value\r\n" as one trace call (the trace prints per call). */
static void trace_field(dt__h2 *s, char dir, const uint8_t *n, size_t nl,
                        const uint8_t *v, size_t vl) {
  if (!s->trace) return;
  dt__buf b = dt__buf_make(0);
  dt__buf_put(&b, (const char *)n, nl);
  dt__buf_put(&b, ": ", 2);
  dt__buf_put(&b, (const char *)v, vl);
  dt__buf_put(&b, "\r\n", 2);
  if (b.p) s->trace(s->ud, dir, b.p, b.len);
  dt__buf_free(&b);
}

static stream *find(dt__h2 *s, int32_t id) {
  for (stream *st = s->streams; st; st = st->next)
    if (st->id == id) return st;
  return NULL;
}

static void unlink_free(dt__h2 *s, stream *st) {
  for (stream **pp = &s->streams; *pp; pp = &(*pp)->next)
    if (*pp == st) {
      *pp = st->next;
      break;
    }
  free(st->body);
  free(st);
}

static int live(const stream *st) { return st && st->o.on_done; }

/* The owner hears the end once; the body so far stays in the hop. */
static void end_stream(stream *st, int err, const char *msg, int unprocessed) {
  if (!live(st)) return;
  if (err && st->resp) dt__resp_keep(st->resp);
  dt__h2_owner o = st->o;
  memset(&st->o, 0, sizeof st->o);
  st->resp = NULL;
  o.on_done(o.ud, err, msg, unprocessed);
}

static void end_all(dt__h2 *s, int err, const char *msg) {
  stream *next;
  for (stream *st = s->streams; st; st = next) {
    next = st->next; /* a stream opened from a callback goes first */
    end_stream(st, err, msg, 0);
  }
}

/* A limit, the head hook or the body sink stopped the response: the server
 * is told to stop sending it (RST_STREAM CANCEL, as a browser does). */
static void stop_for_resp(stream *st) {
  int err = st->resp && st->resp->err ? st->resp->err : DT_EINTERNAL;
  char msg[256];
  snprintf(msg, sizeof msg, "%s", st->resp ? st->resp->msg : "");
  nghttp2_submit_rst_stream(st->s->ng, NGHTTP2_FLAG_NONE, st->id,
                            NGHTTP2_CANCEL);
  end_stream(st, err, msg, 0);
}

static void complete(stream *st) {
  if (!live(st)) return;
  if (dt__resp_end(st->resp)) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", st->resp->msg);
    end_stream(st, st->resp->err, msg, 0);
    return;
  }
  if (dt__resp_keep(st->resp)) {
    end_stream(st, DT_ENOMEM, "out of memory keeping the body", 0);
    return;
  }
  end_stream(st, 0, "", 0);
}

static void activity(stream *st) {
  if (live(st) && st->o.on_activity) st->o.on_activity(st->o.ud);
}

static stream *stream_of(nghttp2_session *ng, int32_t id) {
  return nghttp2_session_get_stream_user_data(ng, id);
}

/* ---- nghttp2 callbacks -------------------------------------------------- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *f,
                            void *ud) {
  (void)ud;
  stream *st = stream_of(ng, f->hd.stream_id);
  if (!live(st) || f->hd.type != NGHTTP2_HEADERS) return 0;
  activity(st);
  if (live(st) && !st->final) {
    dt__resp_reset_head(st->resp);
    st->status = 0;
  }
  return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *f,
                     const uint8_t *name, size_t nl, const uint8_t *value,
                     size_t vl, uint8_t flags, void *ud) {
  (void)flags;
  dt__h2 *s = ud;
  stream *st = stream_of(ng, f->hd.stream_id);
  if (!live(st) || st->final) return 0; /* trailers are not kept */
  if (nl == 7 && memcmp(name, ":status", 7) == 0) {
    /* nghttp2's HTTP messaging has checked it: three digits */
    st->status = vl == 3 ? (value[0] - '0') * 100 + (value[1] - '0') * 10 +
                               (value[2] - '0')
                         : 0;
    tracef(s, '<', "HTTP/2 %.*s\r\n", (int)vl, (const char *)value);
    return 0;
  }
  if (nl && name[0] == ':') return 0;
  trace_field(s, '<', name, nl, value, vl);
  /* RFC 9110 §15.2: an interim (1xx) head is read and dropped. */
  if (st->status >= 100 && st->status < 200) return 0;
  /* ": " + CRLF, as the same field would take on HTTP/1.1 */
  if (dt__resp_count(st->resp, nl + vl + 4) ||
      dt__resp_field(st->resp, (const char *)name, nl, (const char *)value, vl))
    stop_for_resp(st);
  return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f,
                         void *ud) {
  dt__h2 *s = ud;
  stream *st = f->hd.stream_id ? stream_of(ng, f->hd.stream_id) : NULL;
  switch (f->hd.type) {
  case NGHTTP2_HEADERS:
    if (!live(st)) break;
    if (!st->final) {
      tracef(s, '<', "\r\n");
      if (st->status >= 100 && st->status < 200) {
        st->status = 0; /* the real head follows */
        break;
      }
      st->final = 1;
      if (dt__resp_head(st->resp, "HTTP/2", st->status, "", 0)) {
        stop_for_resp(st);
        break;
      }
    }
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) complete(st);
    break;
  case NGHTTP2_DATA:
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) complete(st);
    break;
  case NGHTTP2_GOAWAY:
    s->goaway = 1;
    s->goaway_code = f->goaway.error_code;
    tracef(s, '*', "HTTP/2 GOAWAY received: %s, last stream %d",
           nghttp2_http2_strerror(f->goaway.error_code),
           (int)f->goaway.last_stream_id);
    break;
  case NGHTTP2_SETTINGS:
    if (!(f->hd.flags & NGHTTP2_FLAG_ACK))
      tracef(s, '*', "HTTP/2 server SETTINGS: %zu entries, max streams %u",
             f->settings.niv,
             nghttp2_session_get_remote_settings(
                 ng, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS));
    break;
  default: break;
  }
  return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t id,
                         const uint8_t *data, size_t len, void *ud) {
  (void)flags;
  dt__h2 *s = ud;
  stream *st = stream_of(ng, id);
  if (!live(st) || !st->final) return 0;
  activity(st);
  if (!live(st)) return 0;
  if (s->trace) s->trace(s->ud, '<', (const char *)data, len);
  if (dt__resp_body(st->resp, (const char *)data, len)) stop_for_resp(st);
  return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t code,
                           void *ud) {
  dt__h2 *s = ud;
  stream *st = stream_of(ng, id);
  if (!st) return 0;
  if (live(st)) {
    char msg[400];
    if (code == NGHTTP2_REFUSED_STREAM) {
      /* RFC 9113 §8.7: REFUSED_STREAM (or a stream above a GOAWAY's last
       * one, which nghttp2 closes with it) was not processed. */
      snprintf(msg, sizeof msg,
               "the server did not process the request (HTTP/2 stream %d "
               "refused%s)",
               (int)id, s->goaway ? " after GOAWAY" : "");
      end_stream(st, DT_ECONNRESET, msg, 1);
    } else if (code == NGHTTP2_NO_ERROR) {
      snprintf(
          msg, sizeof msg,
          "HTTP/2 stream %d ended before the response did (%llu body "
          "bytes arrived)",
          (int)id,
          (unsigned long long)(st->resp ? st->resp->hop->resp_body_bytes : 0));
      end_stream(st, DT_ETRUNCATED, msg, 0);
    } else {
      snprintf(msg, sizeof msg, "HTTP/2 stream %d reset: %s (code %u)%s%s",
               (int)id, nghttp2_http2_strerror(code), (unsigned)code,
               s->last[0] ? ": " : "", s->last);
      end_stream(st, DT_EHTTP, msg, 0);
    }
  }
  unlink_free(s, st);
  return 0;
}

/* A request whose HEADERS never left (the session ended first). */
static int on_frame_not_send(nghttp2_session *ng, const nghttp2_frame *f,
                             int lib_error, void *ud) {
  (void)ng;
  dt__h2 *s = ud;
  if (f->hd.type != NGHTTP2_HEADERS) return 0;
  stream *st = find(s, f->hd.stream_id);
  if (!st) return 0;
  char msg[200];
  snprintf(msg, sizeof msg, "HTTP/2 request not sent: %s",
           nghttp2_strerror(lib_error));
  end_stream(st, DT_ECONNRESET, msg, 1);
  unlink_free(s, st);
  return 0;
}

static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *f,
                         void *ud) {
  (void)ng;
  dt__h2 *s = ud;
  if (!s->trace) return 0;
  switch (f->hd.type) {
  case NGHTTP2_HEADERS:
    for (size_t i = 0; i < f->headers.nvlen; i++)
      trace_field(s, '>', f->headers.nva[i].name, f->headers.nva[i].namelen,
                  f->headers.nva[i].value, f->headers.nva[i].valuelen);
    tracef(s, '>', "\r\n");
    break;
  case NGHTTP2_SETTINGS:
    if (!(f->hd.flags & NGHTTP2_FLAG_ACK)) {
      char line[200];
      size_t n = 0;
      for (size_t i = 0; i < f->settings.niv && n < sizeof line - 24; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, " %d=%u",
                              (int)f->settings.iv[i].settings_id,
                              (unsigned)f->settings.iv[i].value);
      line[n] = 0;
      tracef(s, '*', "HTTP/2 SETTINGS sent:%s", line);
    }
    break;
  case NGHTTP2_WINDOW_UPDATE:
    if (f->hd.stream_id == 0)
      tracef(s, '*', "HTTP/2 WINDOW_UPDATE sent: connection +%d",
             (int)f->window_update.window_size_increment);
    break;
  case NGHTTP2_RST_STREAM:
    tracef(s, '*', "HTTP/2 RST_STREAM sent: stream %d, %s",
           (int)f->hd.stream_id,
           nghttp2_http2_strerror(f->rst_stream.error_code));
    break;
  case NGHTTP2_GOAWAY:
    tracef(s, '*', "HTTP/2 GOAWAY sent: %s",
           nghttp2_http2_strerror(f->goaway.error_code));
    break;
  default: break;
  }
  return 0;
}

static int on_error(nghttp2_session *ng, int lib_error, const char *msg,
                    size_t len, void *ud) {
  (void)ng;
  (void)lib_error;
  dt__h2 *s = ud;
  size_t n = len < sizeof s->last - 1 ? len : sizeof s->last - 1;
  memcpy(s->last, msg, n);
  s->last[n] = 0;
  tracef(s, '*', "HTTP/2: %s", s->last);
  return 0;
}

static ng_ssize read_body(nghttp2_session *ng, int32_t id, uint8_t *buf,
                          size_t len, uint32_t *flags, nghttp2_data_source *src,
                          void *ud) {
  (void)ng;
  (void)id;
  (void)ud;
  stream *st = src->ptr;
  size_t left = st->body_len - st->body_off;
  size_t n = left < len ? left : len;
  if (n) memcpy(buf, st->body + st->body_off, n);
  st->body_off += n;
  if (st->body_off == st->body_len) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ng_ssize)n;
}

/* ---- the session -------------------------------------------------------- */

int dt__h2_new(dt__h2 **out, const dt__h2_shape *shape, const dt_limits *lim,
               dt__h2_send_fn send, dt__h2_trace_fn trace, void *ud) {
  *out = NULL;
  dt__h2 *s = calloc(1, sizeof *s);
  if (!s) return DT_ENOMEM;
  s->shape = shape;
  s->lim = lim;
  s->send = send;
  s->trace = trace;
  s->ud = ud;
  nghttp2_session_callbacks *cb;
  nghttp2_option *opt;
  if (nghttp2_session_callbacks_new(&cb)) {
    free(s);
    return DT_ENOMEM;
  }
  if (nghttp2_option_new(&opt)) {
    nghttp2_session_callbacks_del(cb);
    free(s);
    return DT_ENOMEM;
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb,
                                                           on_frame_not_send);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_error_callback2(cb, on_error);
  /* Chromium's kInitialMaxConcurrentStreams: assumed until the server's
   * SETTINGS say otherwise; beyond it nghttp2 queues requests. */
  nghttp2_option_set_peer_max_concurrent_streams(opt, 100);
  int rc = nghttp2_session_client_new2(&s->ng, cb, s, opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_option_del(opt);
  if (rc) {
    free(s);
    return DT_ENOMEM;
  }
  nghttp2_settings_entry iv[8];
  size_t n = 0;
  for (; n < 8 && shape->settings[n].id; n++) {
    iv[n].settings_id = shape->settings[n].id;
    iv[n].value = shape->settings[n].value;
  }
  if (nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, n) ||
      (shape->conn_window > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE &&
       nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0,
                                             (int32_t)shape->conn_window))) {
    nghttp2_session_del(s->ng);
    free(s);
    return DT_ENOMEM;
  }
  *out = s;
  return 0;
}

void dt__h2_free(dt__h2 *s) {
  if (!s) return;
  end_all(s, DT_ECANCELED, "the HTTP/2 connection was closed");
  nghttp2_session_del(s->ng); /* calls no stream callback */
  while (s->streams)
    unlink_free(s, s->streams);
  free(s);
}

/* Sends what nghttp2 has queued. 0, or the error (the session is failed;
 * the connection's end will end the streams). */
static int flush(dt__h2 *s) {
  if (s->in_recv || s->failed) return 0;
  for (;;) {
    const uint8_t *p;
    ng_ssize n =
#if DT__NG2
        nghttp2_session_mem_send2(s->ng, &p);
#else
        nghttp2_session_mem_send(s->ng, &p);
#endif
    if (n < 0) {
      set_failed(s, "HTTP/2: %s", nghttp2_strerror((int)n));
      return DT_EHTTP;
    }
    if (n == 0) return 0;
    int rc = s->send(s->ud, (const char *)p, (size_t)n);
    if (rc) {
      set_failed(s, "HTTP/2: cannot send %lld bytes", (long long)n);
      return rc;
    }
  }
}

int dt__h2_feed(dt__h2 *s, const char *data, size_t len) {
  if (s->failed) return DT_EHTTP;
  s->in_recv++;
  ng_ssize n =
#if DT__NG2
      nghttp2_session_mem_recv2(s->ng, (const uint8_t *)data, len);
#else
      nghttp2_session_mem_recv(s->ng, (const uint8_t *)data, len);
#endif
  s->in_recv--;
  if (n < 0) {
    set_failed(s, "HTTP/2 connection error: %s%s%s", nghttp2_strerror((int)n),
               s->last[0] ? ": " : "", s->last);
    end_all(s, DT_EHTTP, s->err);
    return DT_EHTTP;
  }
  int rc = flush(s);
  if (!rc && !dt__h2_over(s)) return 0;
  /* Nothing more will be read: a GOAWAY both ways, or nghttp2 found the
   * connection broken (it sent GOAWAY with the code). */
  if (!s->failed)
    set_failed(s, "HTTP/2 connection ended%s%s%s",
               s->goaway ? " by GOAWAY (" : "",
               s->goaway ? nghttp2_http2_strerror(s->goaway_code) : "",
               s->goaway ? ")" : "");
  if (s->last[0] && !strstr(s->err, s->last)) {
    size_t n2 = strlen(s->err);
    snprintf(s->err + n2, sizeof s->err - n2, ": %s", s->last);
  }
  end_all(s, DT_EHTTP, s->err);
  return DT_EHTTP;
}

void dt__h2_eof(dt__h2 *s, int err, const char *msg) {
  set_failed(s, "%s", msg);
  end_all(s, err ? err : DT_ECONNRESET, msg);
}

int dt__h2_flush(dt__h2 *s) { return flush(s); }

/* The connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2); curl
 * leaves them out the same way. TE is kept only as "trailers". */
static int h1_only(const char *n, const char *v) {
  static const char *const names[] = {"connection",       "keep-alive",
                                      "proxy-connection", "transfer-encoding",
                                      "upgrade",          "host"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (dt__ascii_ieq(n, names[i])) return 1;
  return dt__ascii_ieq(n, "te") && !dt__ascii_ieq(v, "trailers");
}

#define MAX_NV (DT__REQ_MAX_FIELDS + 6)

typedef struct nvlist {
  nghttp2_nv nv[MAX_NV];
  size_t n;
  dt__buf names; /* lower-cased names, NUL-separated */
} nvlist;

static void nv_add(nvlist *l, const char *name, const char *value) {
  if (l->n == MAX_NV) return;
  nghttp2_nv *nv = &l->nv[l->n++];
  nv->name = (uint8_t *)(uintptr_t)name;
  nv->namelen = strlen(name);
  nv->value = (uint8_t *)(uintptr_t)value;
  nv->valuelen = strlen(value);
  nv->flags = NGHTTP2_NV_FLAG_NONE;
}

static int has_field(const dt__req_fields *f, const char *name) {
  for (size_t i = 0; i < f->n; i++)
    if (dt__ascii_ieq(f->f[i].name, name)) return 1;
  return 0;
}

int dt__h2_submit(dt__h2 *s, dt_chain *chain, const dt__h2_request *rq,
                  dt__resp *resp, const dt__h2_owner *owner, int32_t *sid,
                  char *msg, size_t cap) {
  *sid = 0;
  if (!dt__h2_usable(s)) {
    snprintf(msg, cap, "the HTTP/2 connection takes no new request");
    return DT_ESEND;
  }
  const dt__h2_shape *sh = s->shape;
  const dt__req_fields *f = rq->fields;
  nvlist l;
  l.n = 0;
  /* names are lower-cased into one buffer: size it first so the views
   * into it stay put */
  size_t need = 1;
  for (size_t i = 0; i < f->n; i++)
    need += strlen(f->f[i].name) + 1;
  l.names = dt__buf_make(0);
  if (dt__buf_reserve(&l.names, need)) {
    snprintf(msg, cap, "out of memory");
    return DT_ENOMEM;
  }
  /* RFC 9113 §8.3.1: the pseudo-header fields come first; their order is
   * the browser's (Chromium :method :authority :scheme :path). */
  const char *order = sh->pseudo_order ? sh->pseudo_order : "masp";
  for (const char *o = order; *o; o++) {
    switch (*o) {
    case 'm': nv_add(&l, ":method", rq->method); break;
    case 'a': nv_add(&l, ":authority", rq->authority); break;
    case 's': nv_add(&l, ":scheme", rq->scheme); break;
    case 'p': nv_add(&l, ":path", rq->path); break;
    default: break;
    }
  }
  for (size_t i = 0; i < f->n; i++) {
    if (h1_only(f->f[i].name, f->f[i].value)) continue;
    size_t at = l.names.len;
    for (const char *c = f->f[i].name; *c; c++) {
      char lc = (char)dt__ascii_lower((unsigned char)*c);
      dt__buf_put(&l.names, &lc, 1);
    }
    dt__buf_put(&l.names, "", 1);
    nv_add(&l, l.names.p + at, f->f[i].value);
  }
  if (sh->te_trailers && !has_field(f, "te")) nv_add(&l, "te", "trailers");
  if (sh->priority && !has_field(f, "priority"))
    nv_add(&l, "priority", sh->priority);

  stream *st = calloc(1, sizeof *st);
  if (!st || (rq->body_len && !(st->body = malloc(rq->body_len)))) {
    free(st);
    dt__buf_free(&l.names);
    snprintf(msg, cap, "out of memory");
    return DT_ENOMEM;
  }
  int rc = 0;
  dt_hop *hop = resp->hop;
  for (size_t i = 0; i < l.n && !rc; i++)
    rc = dt__hop_add_req_header(chain, hop, (const char *)l.nv[i].name,
                                l.nv[i].namelen, (const char *)l.nv[i].value,
                                l.nv[i].valuelen);
  if (rc) {
    free(st->body);
    free(st);
    dt__buf_free(&l.names);
    snprintf(msg, cap, "out of memory");
    return DT_ENOMEM;
  }
  if (rq->body_len) memcpy(st->body, rq->body, rq->body_len);
  st->body_len = rq->body_len;
  st->s = s;
  st->resp = resp;
  st->o = *owner;
  hop->req_body_bytes = rq->body_len;

  nghttp2_priority_spec pri;
  nghttp2_priority_spec_init(&pri, 0, sh->weight ? sh->weight : 16,
                             sh->exclusive);
  int32_t id;
#if DT__NG2
  nghttp2_data_provider2 dp;
  dp.source.ptr = st;
  dp.read_callback = read_body;
  id = nghttp2_submit_request2(s->ng, sh->headers_priority ? &pri : NULL, l.nv,
                               l.n, rq->body_len ? &dp : NULL, st);
#else
  nghttp2_data_provider dp;
  dp.source.ptr = st;
  dp.read_callback = read_body;
  id = nghttp2_submit_request(s->ng, sh->headers_priority ? &pri : NULL, l.nv,
                              l.n, rq->body_len ? &dp : NULL, st);
#endif
  dt__buf_free(&l.names); /* nghttp2 copied the fields */
  if (id < 0) {
    free(st->body);
    free(st);
    snprintf(msg, cap, "HTTP/2 request not queued: %s", nghttp2_strerror(id));
    return id == NGHTTP2_ERR_NOMEM ? DT_ENOMEM : DT_ESEND;
  }
  st->id = id;
  st->next = s->streams;
  s->streams = st;
  *sid = id;
  return 0;
}

void dt__h2_cancel(dt__h2 *s, int32_t sid) {
  stream *st = find(s, sid);
  if (!st) return;
  memset(&st->o, 0, sizeof st->o);
  st->resp = NULL;
  if (!s->failed)
    nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
  flush(s);
}

void dt__h2_goaway(dt__h2 *s) {
  if (s->failed || s->goaway) return;
  s->goaway = 1;
  nghttp2_session_terminate_session(s->ng, NGHTTP2_NO_ERROR);
  flush(s);
}

int dt__h2_usable(const dt__h2 *s) {
  return !s->failed && !s->goaway &&
         nghttp2_session_check_request_allowed(s->ng) &&
         nghttp2_session_want_read(s->ng);
}

int dt__h2_over(const dt__h2 *s) {
  return s->failed || (!nghttp2_session_want_read(s->ng) &&
                       !nghttp2_session_want_write(s->ng));
}

size_t dt__h2_open_streams(const dt__h2 *s) {
  size_t n = 0;
  for (const stream *st = s->streams; st; st = st->next)
    n += live(st);
  return n;
}

const char *dt__h2_error(const dt__h2 *s) { return s->err; }
