/* test_http2.c — the HTTP/2 session in memory, against a real HTTP/2
 * server: an nghttp2 server session wired to detour's client session byte
 * for byte (no socket). The server records what arrived (frame order,
 * SETTINGS, the connection window, each request's fields in order, the
 * HEADERS priority, bodies, resets) and answers as each case scripts it;
 * the hop must come out as a browser's would. */
#include "engine/chain.h"
#include "engine/nav/identity.h"
#include "engine/net/http2.h"
#include "engine/profile.h"

#include "dt_test.h"

#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include <stdlib.h>
#include <string.h>

#if NGHTTP2_VERSION_NUM >= 0x013c00
#define NG_RECV nghttp2_session_mem_recv2
#define NG_SEND nghttp2_session_mem_send2
typedef nghttp2_ssize ng_ssize;
typedef nghttp2_data_provider2 ng_provider;
#define NG_RESPOND nghttp2_submit_response2
#define NG_DATA nghttp2_submit_data2
#else
#define NG_RECV nghttp2_session_mem_recv
#define NG_SEND nghttp2_session_mem_send
typedef ssize_t ng_ssize;
typedef nghttp2_data_provider ng_provider;
#define NG_RESPOND nghttp2_submit_response
#define NG_DATA nghttp2_submit_data
#endif

#define MAXF 64

typedef struct srv srv;
typedef void (*respond_fn)(srv *s, int32_t sid);

/* one request as the server saw it */
typedef struct seen_req {
  int32_t sid;
  char names[MAXF][48];
  char values[MAXF][96];
  size_t n;
  int has_pri;
  int32_t weight;
  int exclusive;
  char body[200000];
  size_t body_len;
  int ended;
} seen_req;

struct srv {
  nghttp2_session *ng;
  dt__h2 *cli;
  respond_fn respond;
  /* what arrived, in order */
  uint8_t types[256];
  size_t ntypes;
  nghttp2_settings_entry iv[16];
  size_t niv;
  int32_t conn_window_inc;
  seen_req req[4];
  size_t nreq;
  uint32_t rst_code;
  int32_t rst_sid;
  /* the response body a provider hands out */
  const char *out;
  size_t out_len, out_off, cut_at; /* cut_at: defer after that many */
};

/* the client's owner record */
typedef struct done_rec {
  int calls, err, unprocessed, activity;
  char msg[400];
} done_rec;

static void on_activity(void *ud) { ((done_rec *)ud)->activity++; }
static void on_done(void *ud, int err, const char *msg, int unprocessed) {
  done_rec *d = ud;
  d->calls++;
  d->err = err;
  d->unprocessed = unprocessed;
  snprintf(d->msg, sizeof d->msg, "%s", msg);
}

/* ---- the server side ---------------------------------------------------- */

static seen_req *req_of(srv *s, int32_t sid) {
  for (size_t i = 0; i < s->nreq; i++)
    if (s->req[i].sid == sid) return &s->req[i];
  if (s->nreq == 4) return NULL;
  seen_req *r = &s->req[s->nreq++];
  memset(r, 0, sizeof *r);
  r->sid = sid;
  return r;
}

static int s_frame(nghttp2_session *ng, const nghttp2_frame *f, void *ud) {
  (void)ng;
  srv *s = ud;
  if (s->ntypes < sizeof s->types) s->types[s->ntypes++] = f->hd.type;
  switch (f->hd.type) {
  case NGHTTP2_SETTINGS:
    if (!(f->hd.flags & NGHTTP2_FLAG_ACK) && !s->niv)
      for (size_t i = 0; i < f->settings.niv && i < 16; i++)
        s->iv[s->niv++] = f->settings.iv[i];
    break;
  case NGHTTP2_WINDOW_UPDATE:
    if (f->hd.stream_id == 0)
      s->conn_window_inc = f->window_update.window_size_increment;
    break;
  case NGHTTP2_HEADERS: {
    seen_req *r = req_of(s, f->hd.stream_id);
    if (r && (f->hd.flags & NGHTTP2_FLAG_PRIORITY)) {
      r->has_pri = 1;
      r->weight = f->headers.pri_spec.weight;
      r->exclusive = f->headers.pri_spec.exclusive;
    }
    if (r && (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      r->ended = 1;
      if (s->respond) s->respond(s, f->hd.stream_id);
    }
    break;
  }
  case NGHTTP2_DATA:
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) {
      seen_req *r = req_of(s, f->hd.stream_id);
      if (r) r->ended = 1;
      if (s->respond) s->respond(s, f->hd.stream_id);
    }
    break;
  case NGHTTP2_RST_STREAM:
    s->rst_code = f->rst_stream.error_code;
    s->rst_sid = f->hd.stream_id;
    break;
  default: break;
  }
  return 0;
}

static int s_header(nghttp2_session *ng, const nghttp2_frame *f,
                    const uint8_t *n, size_t nl, const uint8_t *v, size_t vl,
                    uint8_t flags, void *ud) {
  (void)ng;
  (void)flags;
  seen_req *r = req_of(ud, f->hd.stream_id);
  if (!r || r->n == MAXF) return 0;
  snprintf(r->names[r->n], sizeof r->names[0], "%.*s", (int)nl,
           (const char *)n);
  snprintf(r->values[r->n], sizeof r->values[0], "%.*s", (int)vl,
           (const char *)v);
  r->n++;
  return 0;
}

static int s_data(nghttp2_session *ng, uint8_t flags, int32_t sid,
                  const uint8_t *d, size_t len, void *ud) {
  (void)ng;
  (void)flags;
  seen_req *r = req_of(ud, sid);
  if (r && r->body_len + len <= sizeof r->body) {
    memcpy(r->body + r->body_len, d, len);
    r->body_len += len;
  }
  return 0;
}

static ng_ssize s_read(nghttp2_session *ng, int32_t sid, uint8_t *buf,
                       size_t len, uint32_t *flags, nghttp2_data_source *src,
                       void *ud) {
  (void)ng;
  (void)sid;
  (void)ud;
  srv *s = src->ptr;
  size_t end = s->cut_at ? s->cut_at : s->out_len;
  if (s->out_off >= end && s->cut_at) return NGHTTP2_ERR_DEFERRED;
  size_t n = end - s->out_off < len ? end - s->out_off : len;
  memcpy(buf, s->out + s->out_off, n);
  s->out_off += n;
  if (s->out_off == s->out_len) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ng_ssize)n;
}

/* The client's output goes straight into the server. */
static int cli_send(void *ud, const char *data, size_t len) {
  srv *s = ud;
  ng_ssize n = NG_RECV(s->ng, (const uint8_t *)data, len);
  return n == (ng_ssize)len ? 0 : DT_ESEND;
}

/* The server's output into the client, until both are quiet. */
static int pump(srv *s) {
  int rc = 0;
  for (int round = 0; round < 10000; round++) {
    const uint8_t *p;
    ng_ssize n = NG_SEND(s->ng, &p);
    if (n <= 0) break;
    /* copy: feeding the client may make the server send again */
    char *copy = malloc((size_t)n);
    memcpy(copy, p, (size_t)n);
    int r = dt__h2_feed(s->cli, copy, (size_t)n);
    free(copy);
    if (r) rc = r;
  }
  return rc;
}

static void srv_init(srv *s, const dt__h2_shape *shape, const dt_limits *lim,
                     respond_fn respond) {
  memset(s, 0, sizeof *s);
  nghttp2_session_callbacks *cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, s_frame);
  nghttp2_session_callbacks_set_on_header_callback(cb, s_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, s_data);
  nghttp2_session_server_new(&s->ng, cb, s);
  nghttp2_session_callbacks_del(cb);
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 8}};
  nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, 1);
  s->respond = respond;
  CHECK_INT(dt__h2_new(&s->cli, shape, lim, cli_send, NULL, s), 0);
}

static void srv_free(srv *s) {
  dt__h2_free(s->cli);
  nghttp2_session_del(s->ng);
}

static nghttp2_nv nv(const char *n, const char *v) {
  nghttp2_nv x = {(uint8_t *)(uintptr_t)n, (uint8_t *)(uintptr_t)v, strlen(n),
                  strlen(v), NGHTTP2_NV_FLAG_NONE};
  return x;
}

static void respond_body(srv *s, int32_t sid, const char *status) {
  nghttp2_nv h[] = {nv(":status", status), nv("content-type", "text/plain"),
                    nv("x-a", "1")};
  ng_provider dp;
  dp.source.ptr = s;
  dp.read_callback = s_read;
  NG_RESPOND(s->ng, sid, h, 3, s->out_len ? &dp : NULL);
}

/* ---- a client request --------------------------------------------------- */

typedef struct creq {
  dt_chain *chain;
  dt_hop *hop;
  dt__resp resp;
  done_rec done;
  int32_t sid;
} creq;

static int submit(srv *s, creq *c, const dt_limits *lim, const char *method,
                  const dt_header *hdr, size_t nh, const char *body,
                  size_t body_len) {
  memset(c, 0, sizeof *c);
  c->chain = dt__chain_new(method, "https://a.test/p?q");
  c->hop = dt__chain_add_hop(c->chain);
  dt__resp_init(&c->resp, c->chain, c->hop, lim);
  dt__req_fields f;
  CHECK_INT(dt__req_fields_build(&f, method, "ua/1", hdr, nh, body_len), 0);
  dt__h2_request rq = {
      method, "https", "a.test", "/p?q", &f, (const uint8_t *)body, body_len};
  dt__h2_owner o = {on_activity, on_done, &c->done};
  char msg[200];
  int rc = dt__h2_submit(s->cli, c->chain, &rq, &c->resp, &o, &c->sid, msg,
                         sizeof msg);
  if (rc == 0) rc = dt__h2_flush(s->cli);
  return rc;
}

static void creq_free(creq *c) {
  dt__resp_free(&c->resp);
  dt_chain_free(c->chain);
}

static const char *hop_field(const dt_hop *h, size_t i) {
  return i < h->req_header_count ? h->req_headers[i].name : "";
}

/* ---- cases ----------------------------------------------------------------
 */

static void respond_hints_then_hello(srv *s, int32_t sid) {
  nghttp2_nv hints[] = {nv(":status", "103"), nv("link", "</a.css>")};
  nghttp2_submit_headers(s->ng, NGHTTP2_FLAG_NONE, sid, NULL, hints, 2, NULL);
  s->out = "hello";
  s->out_len = 5;
  respond_body(s, sid, "200");
}

/* Chromium's shape: what goes out, in order; the answer fills the hop. */
static void test_chromium_wire(const dt_limits *lim) {
  const dt__profile *p = dt__profile_find("chromium");
  srv s;
  srv_init(&s, &p->h2, lim, respond_hints_then_hello);
  creq c;
  dt_header hdr[] = {{"X-Custom", "v"},
                     {"Connection", "keep-alive"},
                     {"TE", "gzip"},
                     {"Host", "b.test"}};
  CHECK_INT(submit(&s, &c, lim, "GET", hdr, 4, NULL, 0), 0);
  CHECK_INT(pump(&s), 0);
  /* the first frames: SETTINGS (1, 2, 4, 6 in that order), the window */
  CHECK(s.ntypes >= 3 && s.types[0] == NGHTTP2_SETTINGS &&
        s.types[1] == NGHTTP2_WINDOW_UPDATE && s.types[2] == NGHTTP2_HEADERS);
  CHECK_INT(s.niv, 4);
  static const int32_t ids[] = {1, 2, 4, 6};
  static const uint32_t vals[] = {65536, 0, 6291456, 262144};
  for (size_t i = 0; i < 4 && i < s.niv; i++) {
    CHECK_INT(s.iv[i].settings_id, ids[i]);
    CHECK_INT(s.iv[i].value, vals[i]);
  }
  CHECK_INT(s.conn_window_inc, 15663105);
  CHECK_INT(s.nreq, 1);
  seen_req *r = &s.req[0];
  static const char *const want[] = {":method",  ":authority", ":scheme",
                                     ":path",    "user-agent", "accept",
                                     "x-custom", "priority"};
  CHECK_INT(r->n, 8);
  for (size_t i = 0; i < 8 && i < r->n; i++)
    CHECK_STR(r->names[i], want[i]);
  CHECK_STR(r->values[1], "a.test"); /* the caller's Host is the client's
                                        business: the request carries the
                                        authority it was given */
  CHECK_STR(r->values[3], "/p?q");
  CHECK_STR(r->values[7], "u=0, i");
  CHECK(r->has_pri && r->weight == 256 && r->exclusive == 1);
  CHECK(r->ended);
  /* the hop: the request as sent, the final head (103 dropped), the body */
  CHECK_INT(c.hop->req_header_count, 8);
  CHECK_STR(hop_field(c.hop, 0), ":method");
  CHECK_STR(hop_field(c.hop, 7), "priority");
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.err, 0);
  CHECK(c.done.activity >= 2);
  CHECK_INT(c.hop->status, 200);
  CHECK_STR(c.hop->http_version, "HTTP/2");
  CHECK_STR(c.hop->reason, "");
  CHECK_INT(c.hop->resp_header_count, 2);
  CHECK(dt__hop_resp_header(c.hop, "link") == NULL);
  CHECK_STR(dt__hop_resp_header(c.hop, "x-a"), "1");
  CHECK(c.hop->body_kept == 5 && memcmp(c.hop->body, "hello", 5) == 0);
  CHECK_INT(dt__h2_open_streams(s.cli), 0);
  CHECK(dt__h2_usable(s.cli));
  creq_free(&c);
  srv_free(&s);
}

static void respond_204(srv *s, int32_t sid) {
  s->out_len = 0;
  respond_body(s, sid, "204");
}

/* Firefox's shape: :method :path :authority :scheme, te: trailers, no
 * HEADERS priority, its own SETTINGS and window. */
static void test_firefox_wire(const dt_limits *lim) {
  const dt__profile *p = dt__profile_find("firefox");
  srv s;
  srv_init(&s, &p->h2, lim, respond_204);
  creq c;
  CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
  CHECK_INT(pump(&s), 0);
  CHECK_INT(s.conn_window_inc, 12 * 1024 * 1024 - 65535);
  CHECK(s.niv == 4 && s.iv[3].settings_id == 5);
  seen_req *r = &s.req[0];
  static const char *const want[] = {":method", ":path",      ":authority",
                                     ":scheme", "user-agent", "accept",
                                     "te",      "priority"};
  CHECK_INT(r->n, 8);
  for (size_t i = 0; i < 8 && i < r->n; i++)
    CHECK_STR(r->names[i], want[i]);
  CHECK_STR(r->values[6], "trailers");
  CHECK(!r->has_pri);
  CHECK_INT(c.done.err, 0);
  CHECK_INT(c.hop->status, 204);
  creq_free(&c);
  srv_free(&s);
}

/* A navigation's whole request over HTTP/2, per profile, as the server
 * decodes it: the profile's fields (knob 10, as the navigation makes them)
 * put on the wire in its shape (knob 9). Chromium (measured): :method
 * :authority :scheme :path, the HTTP/1.1 order without Connection,
 * priority last. Firefox (measured): :method :path :authority :scheme, no
 * client hints, its priority field, te: trailers after the fields. */
static void test_identity_over_h2(const dt_limits *lim) {
  static const struct {
    const char *profile;
    const char *want[20];
  } rows[] = {
      {"chromium",
       {":method", ":authority", ":scheme", ":path", "sec-ch-ua",
        "sec-ch-ua-mobile", "sec-ch-ua-platform", "upgrade-insecure-requests",
        "user-agent", "accept", "sec-fetch-site", "sec-fetch-mode",
        "sec-fetch-user", "sec-fetch-dest", "accept-encoding",
        "accept-language", "priority", NULL}},
      {"fetch",
       {":method", ":authority", ":scheme", ":path", "sec-ch-ua",
        "sec-ch-ua-mobile", "sec-ch-ua-platform", "upgrade-insecure-requests",
        "user-agent", "accept", "sec-fetch-site", "sec-fetch-mode",
        "sec-fetch-user", "sec-fetch-dest", "accept-encoding",
        "accept-language", "priority", NULL}},
      {"firefox",
       {":method", ":path", ":authority", ":scheme", "user-agent", "accept",
        "accept-language", "accept-encoding", "upgrade-insecure-requests",
        "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user",
        "priority", "te", NULL}},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const dt__profile *p = dt__profile_find(rows[i].profile);
    dt__identity_nav nav = {0};
    nav.profile = p;
    dt_url *u = NULL;
    CHECK_INT(dt_url_parse(&u, "https://a.test/p?q", 18, NULL), 0);
    dt__identity_out o;
    CHECK_INT(
        dt__identity_fields(&nav, DT__KIND_FIRST, u, "GET", 0, 0, NULL, 0, &o),
        0);
    dt_url_free(u);
    srv s;
    srv_init(&s, &p->h2, lim, respond_204);
    creq c;
    memset(&c, 0, sizeof c);
    c.chain = dt__chain_new("GET", "https://a.test/p?q");
    c.hop = dt__chain_add_hop(c.chain);
    dt__resp_init(&c.resp, c.chain, c.hop, lim);
    dt__req_fields f;
    CHECK_INT(dt__req_fields_exact(&f, "GET", o.f, o.n), 0);
    dt__h2_request rq = {"GET", "https", "a.test", "/p?q", &f, NULL, 0};
    dt__h2_owner ow = {on_activity, on_done, &c.done};
    char msg[200];
    CHECK_INT(dt__h2_submit(s.cli, c.chain, &rq, &c.resp, &ow, &c.sid, msg,
                            sizeof msg),
              0);
    CHECK_INT(dt__h2_flush(s.cli), 0);
    CHECK_INT(pump(&s), 0);
    CHECK_INT(s.nreq, 1);
    seen_req *r = &s.req[0];
    size_t n = 0;
    while (rows[i].want[n])
      n++;
    CHECK_(r->n == n, "%s: %zu fields at the server, want %zu", rows[i].profile,
           r->n, n);
    for (size_t k = 0; k < n && k < r->n; k++)
      CHECK_(strcmp(r->names[k], rows[i].want[k]) == 0,
             "%s: field %zu is %s, "
             "want %s",
             rows[i].profile, k, r->names[k], rows[i].want[k]);
    for (size_t k = 0; k < r->n; k++) {
      if (strcmp(r->names[k], "priority") == 0)
        CHECK_STR(r->values[k], "u=0, i");
      if (strcmp(r->names[k], "te") == 0) CHECK_STR(r->values[k], "trailers");
    }
    CHECK_INT(c.done.err, 0);
    dt__req_fields_free(&f);
    creq_free(&c);
    srv_free(&s);
  }
}

static void respond_echo_len(srv *s, int32_t sid) {
  static char buf[32];
  seen_req *r = req_of(s, sid);
  snprintf(buf, sizeof buf, "%zu", r ? r->body_len : 0);
  s->out = buf;
  s->out_len = strlen(buf);
  respond_body(s, sid, "201");
}

/* A body larger than the server's 64 KiB window goes out as the server's
 * WINDOW_UPDATEs allow, all of it, with Content-Length. */
static void test_post_body(const dt_limits *lim) {
  const dt__profile *p = dt__profile_default();
  srv s;
  srv_init(&s, &p->h2, lim, respond_echo_len);
  size_t n = 150000;
  char *body = malloc(n);
  for (size_t i = 0; i < n; i++)
    body[i] = (char)('a' + i % 26);
  creq c;
  CHECK_INT(submit(&s, &c, lim, "POST", NULL, 0, body, n), 0);
  CHECK_INT(pump(&s), 0);
  seen_req *r = &s.req[0];
  CHECK_INT(r->body_len, n);
  CHECK(r->body_len == n && memcmp(r->body, body, n) == 0);
  int has_cl = 0;
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->names[i], "content-length") == 0)
      has_cl = strcmp(r->values[i], "150000") == 0;
  CHECK(has_cl);
  CHECK_INT(c.done.err, 0);
  CHECK_INT(c.hop->status, 201);
  CHECK(c.hop->body_kept == 6 && memcmp(c.hop->body, "150000", 6) == 0);
  CHECK_INT(c.hop->req_body_bytes, n);
  free(body);
  creq_free(&c);
  srv_free(&s);
}

static char big[1 << 20];

static void respond_big(srv *s, int32_t sid) {
  s->out = big;
  s->out_len = sizeof big;
  respond_body(s, sid, "200");
}

/* 1 MiB answer: all counted, kept up to the limit. */
static void test_big_body(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  lim.max_body_bytes = 1000;
  srv s;
  srv_init(&s, &dt__profile_default()->h2, &lim, respond_big);
  creq c;
  CHECK_INT(submit(&s, &c, &lim, "GET", NULL, 0, NULL, 0), 0);
  CHECK_INT(pump(&s), 0);
  CHECK_INT(c.done.err, 0);
  CHECK_INT(c.hop->resp_body_bytes, sizeof big);
  CHECK_INT(c.hop->body_kept, 1000);
  creq_free(&c);
  srv_free(&s);
}

static void respond_many_fields(srv *s, int32_t sid) {
  nghttp2_nv h[12];
  h[0] = nv(":status", "200");
  static const char *names[] = {"f1", "f2", "f3", "f4", "f5", "f6",
                                "f7", "f8", "f9", "fa", "fb"};
  for (int i = 0; i < 11; i++)
    h[i + 1] = nv(names[i], "x");
  NG_RESPOND(s->ng, sid, h, 12, NULL);
}

/* Over the field-count limit: the hop stops with the limit's error and the
 * server is told to stop (RST_STREAM CANCEL). */
static void test_header_limit(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  lim.max_header_count = 3;
  srv s;
  srv_init(&s, &dt__profile_default()->h2, &lim, respond_many_fields);
  creq c;
  CHECK_INT(submit(&s, &c, &lim, "GET", NULL, 0, NULL, 0), 0);
  pump(&s);
  dt__h2_flush(s.cli);
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.err, DT_ELIMIT_HEADER_COUNT);
  CHECK_INT(s.rst_code, NGHTTP2_CANCEL);
  CHECK_INT(c.hop->resp_header_count, 3);
  CHECK(dt__h2_usable(s.cli)); /* one stream's fault, not the connection's */
  creq_free(&c);
  srv_free(&s);
}

static uint32_t reset_code;
static void respond_reset(srv *s, int32_t sid) {
  nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, sid, reset_code);
}

static void respond_goaway(srv *s, int32_t sid) {
  (void)sid;
  nghttp2_submit_goaway(s->ng, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
}

/* Resets and GOAWAY: an error, or "not processed" (safe to send again). */
static void test_resets(const dt_limits *lim) {
  const dt__h2_shape *sh = &dt__profile_default()->h2;
  static const struct {
    uint32_t code;
    int err, unprocessed;
    const char *text;
  } rows[] = {
      {NGHTTP2_INTERNAL_ERROR, DT_EHTTP, 0, "INTERNAL_ERROR"},
      {NGHTTP2_REFUSED_STREAM, DT_ECONNRESET, 1, "did not process"},
      {NGHTTP2_NO_ERROR, DT_ETRUNCATED, 0, "ended before"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    reset_code = rows[i].code;
    srv s;
    srv_init(&s, sh, lim, respond_reset);
    creq c;
    CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
    pump(&s);
    CHECK_INT(c.done.calls, 1);
    CHECK_INT(c.done.err, rows[i].err);
    CHECK_INT(c.done.unprocessed, rows[i].unprocessed);
    CHECK_(strstr(c.done.msg, rows[i].text) != NULL, "message: %s", c.done.msg);
    creq_free(&c);
    srv_free(&s);
  }
  srv s;
  srv_init(&s, sh, lim, respond_goaway);
  creq c;
  CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
  pump(&s);
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.unprocessed, 1);
  CHECK(!dt__h2_usable(s.cli));
  creq c2;
  CHECK_INT(submit(&s, &c2, lim, "GET", NULL, 0, NULL, 0), DT_ESEND);
  CHECK_INT(c2.done.calls, 0);
  creq_free(&c);
  creq_free(&c2);
  srv_free(&s);
}

/* Two streams answered in the other order, bodies interleaved. */
static int32_t first_sid;
static void respond_later(srv *s, int32_t sid) {
  if (!first_sid) {
    first_sid = sid;
    return;
  }
  nghttp2_nv h[] = {nv(":status", "200")};
  nghttp2_submit_headers(s->ng, NGHTTP2_FLAG_NONE, sid, NULL, h, 1, NULL);
  nghttp2_submit_headers(s->ng, NGHTTP2_FLAG_NONE, first_sid, NULL, h, 1, NULL);
  /* the bodies follow from the test, the second stream's first */
}

static ng_ssize read_const(nghttp2_session *ng, int32_t sid, uint8_t *buf,
                           size_t len, uint32_t *flags,
                           nghttp2_data_source *src, void *ud) {
  (void)ng;
  (void)sid;
  (void)ud;
  const char *text = src->ptr;
  size_t n = strlen(text);
  if (n > len) n = len;
  memcpy(buf, text, n);
  *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ng_ssize)n;
}

static void test_multiplex(const dt_limits *lim) {
  first_sid = 0;
  srv s;
  srv_init(&s, &dt__profile_default()->h2, lim, respond_later);
  creq a, b;
  CHECK_INT(submit(&s, &a, lim, "GET", NULL, 0, NULL, 0), 0);
  CHECK_INT(submit(&s, &b, lim, "GET", NULL, 0, NULL, 0), 0);
  CHECK(a.sid != b.sid);
  CHECK_INT(dt__h2_open_streams(s.cli), 2);
  pump(&s);
  ng_provider pa, pb;
  pa.source.ptr = (void *)"for a";
  pa.read_callback = read_const;
  pb.source.ptr = (void *)"for b, longer";
  pb.read_callback = read_const;
  NG_DATA(s.ng, NGHTTP2_FLAG_END_STREAM, b.sid, &pb);
  NG_DATA(s.ng, NGHTTP2_FLAG_END_STREAM, a.sid, &pa);
  pump(&s);
  CHECK_INT(a.done.err, 0);
  CHECK_INT(b.done.err, 0);
  CHECK(a.hop->body_kept == 5 && memcmp(a.hop->body, "for a", 5) == 0);
  CHECK(b.hop->body_kept == 13 &&
        memcmp(b.hop->body, "for b, longer", 13) == 0);
  CHECK_INT(s.nreq, 2);
  creq_free(&a);
  creq_free(&b);
  srv_free(&s);
}

static void respond_partial(srv *s, int32_t sid) {
  s->out = "0123456789";
  s->out_len = 10;
  s->cut_at = 4;
  respond_body(s, sid, "200");
}

/* The connection goes mid-body: the error, the bytes that came kept. A
 * cancel tells the server and nobody else. */
static void test_cut_and_cancel(const dt_limits *lim) {
  srv s;
  srv_init(&s, &dt__profile_default()->h2, lim, respond_partial);
  creq c, d;
  CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
  pump(&s);
  CHECK_INT(c.done.calls, 0);
  CHECK_INT(c.hop->resp_body_bytes, 4);
  s.respond = NULL;
  CHECK_INT(submit(&s, &d, lim, "GET", NULL, 0, NULL, 0), 0);
  pump(&s);
  dt__h2_cancel(s.cli, d.sid);
  pump(&s);
  CHECK_INT(s.rst_code, NGHTTP2_CANCEL);
  CHECK_INT(s.rst_sid, d.sid);
  CHECK_INT(d.done.calls, 0);
  dt__h2_eof(s.cli, DT_ECONNRESET, "peer closed");
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.err, DT_ECONNRESET);
  CHECK(c.hop->body_kept == 4 && memcmp(c.hop->body, "0123", 4) == 0);
  CHECK_INT(d.done.calls, 0);
  CHECK(!dt__h2_usable(s.cli));
  creq_free(&c);
  creq_free(&d);
  srv_free(&s);
}

/* Not HTTP/2 at all: the session fails, the stream with it. */
static void test_garbage(const dt_limits *lim) {
  srv s;
  srv_init(&s, &dt__profile_default()->h2, lim, NULL);
  creq c;
  CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
  const char junk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  int rc = dt__h2_feed(s.cli, junk, sizeof junk - 1);
  CHECK_INT(rc, DT_EHTTP);
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.err, DT_EHTTP);
  CHECK(!dt__h2_usable(s.cli));
  CHECK(dt__h2_error(s.cli)[0] != 0);
  creq_free(&c);
  srv_free(&s);
}

static int sink_fail(void *ud, const char *data, size_t len) {
  (void)ud;
  (void)data;
  (void)len;
  return DT_EIO;
}

/* The body's sink says stop: the stream is reset, the error is the sink's. */
static void test_sink_stops(const dt_limits *lim) {
  srv s;
  srv_init(&s, &dt__profile_default()->h2, lim, respond_big);
  creq c;
  CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
  dt__resp_set_sink(&c.resp, sink_fail, NULL, 0);
  pump(&s);
  dt__h2_flush(s.cli);
  CHECK_INT(c.done.calls, 1);
  CHECK_INT(c.done.err, DT_EIO);
  CHECK_INT(s.rst_code, NGHTTP2_CANCEL);
  creq_free(&c);
  srv_free(&s);
}

/* gzip of "hello" (zlib's deflate, wbits 31), and a body that is not */
static unsigned char gz[64];
static size_t gz_len;

static void respond_gzip(srv *s, int32_t sid) {
  s->out = (const char *)gz;
  s->out_len = gz_len;
  respond_body(s, sid, "200");
}

/* A coded body over HTTP/2: undone as it streams; a broken one ends the
 * stream with DT_EDECODE when it ends (engine/net/coding.c). */
static void test_decoding(const dt_limits *lim) {
  z_stream z;
  memset(&z, 0, sizeof z);
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (unsigned char *)"hello";
  z.avail_in = 5;
  z.next_out = gz;
  z.avail_out = sizeof gz;
  deflate(&z, Z_FINISH);
  gz_len = z.total_out;
  deflateEnd(&z);
  dt__coding g = DT__CODING_GZIP;
  for (int broken = 0; broken < 2; broken++) {
    if (broken) gz_len -= 6; /* the stream never ends */
    srv s;
    srv_init(&s, &dt__profile_default()->h2, lim, respond_gzip);
    creq c;
    CHECK_INT(submit(&s, &c, lim, "GET", NULL, 0, NULL, 0), 0);
    CHECK_INT(dt__resp_set_decoding(&c.resp, &g, 1), 0);
    pump(&s);
    CHECK_INT(c.done.calls, 1);
    if (!broken) {
      CHECK_INT(c.done.err, 0);
      CHECK(c.hop->body_kept == 5 && memcmp(c.hop->body, "hello", 5) == 0);
      CHECK_INT(c.hop->resp_encoded_bytes, gz_len);
    } else {
      CHECK_INT(c.done.err, DT_EDECODE);
    }
    creq_free(&c);
    srv_free(&s);
  }
}

int main(void) {
  dt_limits lim;
  dt_limits_default(&lim);
  memset(big, 'z', sizeof big);
  test_chromium_wire(&lim);
  test_firefox_wire(&lim);
  test_identity_over_h2(&lim);
  test_post_body(&lim);
  test_big_body();
  test_header_limit();
  test_resets(&lim);
  test_multiplex(&lim);
  test_cut_and_cancel(&lim);
  test_garbage(&lim);
  test_sink_stops(&lim);
  test_decoding(&lim);
  return dt_test_summary("test_http2");
}
