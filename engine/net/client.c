/* client.c — one request/response hop on the caller's loop.
 *
 * Phases (one set_phase(); each has its own timer and DT_ETIMEOUT_* code):
 *   START → DNS (uv_getaddrinfo, unless --resolve or an IP literal)
 *         → CONNECT (addresses in order, per-attempt timeout)
 *         → TLS (https only) → WAIT (request written; first-byte timer)
 *         → BODY (idle timer restarts on every byte) → DONE
 *   A pooled connection (or a shared HTTP/2 one) jumps from START to WAIT.
 *   A reused connection that closes before any response byte is retried
 *   once on a fresh connection for idempotent methods, and a stream the
 *   server did not process (REFUSED_STREAM, GOAWAY) for any method (what
 *   browsers do, e.g. Chromium's HttpNetworkTransaction::HandleIOError).
 *   ALPN decides the protocol: h2 puts the request on a stream of the
 *   connection's shared session (http2.h), anything else on HTTP/1.1.
 * The total timer spans all phases. Completion closes both timers; cb runs
 * from their close callback, so never from inside dt__client_send(). */
#include "engine/net/client.h"
#include "engine/ctx.h"
#include "engine/net/conn.h"
#include "engine/net/http1.h"
#include "engine/net/wire.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ADDRS 16

typedef enum phase {
  PH_START = 0, /* URL parsed, nothing on the network yet */
  PH_DNS,       /* uv_getaddrinfo in flight */
  PH_CONNECT,   /* TCP connect to addrs[next_addr - 1] */
  PH_TLS,       /* TLS handshake */
  PH_WAIT,      /* request written, waiting for the first byte */
  PH_BODY,      /* response bytes flowing */
  PH_DONE       /* finished; waiting for handles to close */
} phase;

static const char *const phase_names[] = {
    "start", "dns", "connect", "tls", "waiting for response", "body", "done"};

struct dt__client {
  dt_ctx *ctx;
  dt_chain *chain;
  dt_hop *hop;
  dt__client_cb cb;
  void *ud;
  dt__client_opts opts;
  phase ph;
  int err;
  char msg[600];
  char hint[1200]; /* what to try, when the cause tells (the chain's hint) */
  /* target */
  dt_url *url;
  char method[32];
  int is_https;
  char host[DT_MAX_HOST_BYTES + 3]; /* URL hostname, brackets stripped */
  int port;
  char chost[DT_MAX_HOST_BYTES + 3]; /* where the socket goes */
  int cport;
  char key[DT__CONN_KEY_BYTES];
  /* addresses */
  struct sockaddr_storage addrs[MAX_ADDRS];
  size_t naddrs, next_addr;
  uv_getaddrinfo_t gai;
  int gai_pending;
  /* the request, checked and copied (sent as HTTP/1.1 or HTTP/2 once the
   * connection says which) */
  dt__req_fields fields;
  char *target;
  uint8_t *body;
  size_t body_len;
  /* wire */
  char *reqbuf;
  size_t reqlen;
  dt__conn *conn; /* HTTP/1.1: ours until the response ends */
  dt__conn *h2c;  /* HTTP/2: the shared connection our stream is on */
  int32_t sid;
  int h2_bytes;           /* a frame of our stream arrived */
  dt__conn_waiter waiter; /* waiting for another request's handshake */
  int no_wait;            /* told: no h2 there, make our own connection */
  int reused, retried;
  dt__resp resp; /* the hop's response, whatever the protocol */
  dt__http1 parser;
  int parser_live;
  /* timers */
  uv_timer_t phase_timer, total_timer;
  int open_handles;
  uint64_t t0, t_phase;
  dt__client **handle; /* the caller's pointer, cleared at the end */
};
typedef struct dt__client req;

static double ms_since(uint64_t t) { return (double)(uv_hrtime() - t) / 1e6; }

static void set_phase(req *r, phase p) {
  r->ph = p;
  r->t_phase = uv_hrtime();
}

static const char *where_addr(req *r) {
  return r->conn && r->conn->remote[0] ? r->conn->remote : "-";
}

static void maybe_free(req *r) {
  if (r->open_handles || r->gai_pending || r->ph != PH_DONE) return;
  if (r->handle) *r->handle = NULL;
  dt_ctx *ctx = r->ctx;
  if (r->cb) r->cb(r->chain, r->hop, r->err, r->ud);
  if (r->parser_live) {
    dt__http1_free(&r->parser);
    dt__resp_free(&r->resp);
  }
  dt_url_free(r->url);
  dt__req_fields_free(&r->fields);
  dt_free(r->target);
  free(r->body);
  free(r->reqbuf);
  free(r);
  dt__ctx_unref(ctx);
}

static void on_timer_closed(uv_handle_t *h) {
  req *r = h->data;
  r->open_handles--;
  maybe_free(r);
}

/* Ends the hop: records the error (with phase, host:port and address),
 * releases the connection and closes the timers. */
static void finish(req *r, int err) {
  if (r->ph == PH_DONE) return;
  dt_hop *hop = r->hop;
  dt__hop_timing(hop)->total_ms = ms_since(r->t0);
  if (err) {
    r->err = err;
    /* the hop always says what went wrong; the chain too unless the
     * navigation may go on without this hop (an HTTPS-Upgrades attempt) */
    char why[1400];
    /* Bytes flow from the first one on; until the head is complete the
     * failure is the head's, not the body's (issue 18). */
    const char *ph = r->ph == PH_BODY && !hop->has_response
                         ? "response head"
                         : phase_names[r->ph];
    snprintf(why, sizeof why, "%s %s:%d (%s): %s", ph, r->host, r->port,
             where_addr(r), r->msg);
    hop->error = err;
    hop->error_message = dt__chain_strdup(r->chain, why);
    if (!r->opts.soft_fail) {
      dt__chain_set_error(r->chain, err, "%s", why);
      if (r->hint[0]) dt__chain_set_hint(r->chain, err, "%s", r->hint);
    }
    dt__ctx_tracef(r->ctx, "error %s: %s", dt_err_name(err), r->msg);
  }
  if (r->conn) {
    dt__conn_close(r->conn);
    r->conn = NULL;
  }
  dt__conn_unwait(&r->waiter);
  if (r->h2c) { /* the connection stays for the other streams */
    dt__conn *c = r->h2c;
    r->h2c = NULL;
    dt__conn_h2_cancel(c, r->sid);
  }
  if (r->gai_pending) uv_cancel((uv_req_t *)&r->gai);
  set_phase(r, PH_DONE);
  uv_timer_stop(&r->phase_timer);
  uv_timer_stop(&r->total_timer);
  uv_close((uv_handle_t *)&r->phase_timer, on_timer_closed);
  uv_close((uv_handle_t *)&r->total_timer, on_timer_closed);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
fail(req *r, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  finish(r, err);
}

static void on_phase_timeout(uv_timer_t *t);

/* The final head is in: the caller (the navigation) says where the body
 * goes. */
static int on_head(void *ud) {
  req *r = ud;
  return r->opts.on_head ? r->opts.on_head(r, r->hop, r->ud) : 0;
}

static void parser_init(req *r) {
  dt__resp_init(&r->resp, r->chain, r->hop, &r->ctx->limits);
  dt__resp_on_head(&r->resp, on_head, r);
  dt__http1_init(&r->parser, &r->resp, strcmp(r->method, "HEAD") == 0);
}

void dt__client_set_sink(dt__client *r, dt__resp_sink sink, void *ud,
                         int keep) {
  dt__resp_set_sink(&r->resp, sink, ud, keep);
}

int dt__client_set_decoding(dt__client *r, const dt__coding *list, int n) {
  return dt__resp_set_decoding(&r->resp, list, n);
}

int dt__client_head_error(dt__client *r, int err, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dt__resp_fail(&r->resp, err, "%s", msg);
  return err;
}

void dt__client_abort(dt__client *r, int err, const char *why) {
  if (r && r->ph != PH_DONE) fail(r, err, "%s", why);
}

static void arm(req *r, uint32_t ms) {
  uv_timer_stop(&r->phase_timer);
  if (ms) uv_timer_start(&r->phase_timer, on_phase_timeout, ms, 0);
}

static void start_connect(req *r);
static void send_request(req *r, dt__conn *c);
static void start_network(req *r);

/* ---- timers -------------------------------------------------------------- */

static void on_phase_timeout(uv_timer_t *t) {
  req *r = t->data;
  const dt_limits *L = &r->ctx->limits;
  switch (r->ph) {
  case PH_DNS:
    fail(r, DT_ETIMEOUT_DNS, "no answer for %s within %u ms", r->chost,
         (unsigned)L->dns_timeout_ms);
    break;
  case PH_CONNECT:
    dt__ctx_tracef(r->ctx, "connect to %s timed out after %u ms", where_addr(r),
                   (unsigned)L->connect_timeout_ms);
    if (r->next_addr < r->naddrs) {
      dt__conn_close(r->conn);
      r->conn = NULL;
      start_connect(r);
      return;
    }
    fail(r, DT_ETIMEOUT_CONNECT, "no connection within %u ms (per address)",
         (unsigned)L->connect_timeout_ms);
    break;
  case PH_TLS:
    fail(r, DT_ETIMEOUT_TLS, "TLS handshake not done within %u ms",
         (unsigned)L->tls_timeout_ms);
    break;
  case PH_WAIT:
    fail(r, DT_ETIMEOUT_FIRST_BYTE, "no response byte within %u ms",
         (unsigned)L->first_byte_timeout_ms);
    break;
  case PH_BODY:
    fail(r, DT_ETIMEOUT_IDLE,
         "no byte for %u ms mid-response (%llu body bytes so far)",
         (unsigned)L->idle_timeout_ms,
         (unsigned long long)r->hop->resp_body_bytes);
    break;
  default: break;
  }
}

static void on_total_timeout(uv_timer_t *t) {
  req *r = t->data;
  fail(r, DT_ETIMEOUT_TOTAL, "total time limit of %u ms reached",
       (unsigned)(r->opts.total_timeout_ms ? r->opts.total_timeout_ms
                                           : r->ctx->limits.total_timeout_ms));
}

void dt__client_set_total_timeout(dt__client *r, uint32_t ms) {
  if (r->ph == PH_DONE) return;
  r->opts.total_timeout_ms = ms;
  uv_timer_stop(&r->total_timer);
  if (ms) uv_timer_start(&r->total_timer, on_total_timeout, ms, 0);
}

/* ---- response ------------------------------------------------------------ */

static int idempotent(const char *m) {
  static const char *const ok[] = {"GET",   "HEAD", "OPTIONS",
                                   "TRACE", "PUT",  "DELETE"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp(m, ok[i]) == 0) return 1;
  return 0;
}

/* Starts the hop over on a new connection: nothing of the first attempt
 * stays in the hop but the fact that it was retried (the trace says why). */
static void retry(req *r) {
  r->retried = 1;
  r->reused = 0;
  r->h2_bytes = 0;
  r->sid = 0;
  r->hop->req_header_count = 0;
  r->hop->resp_header_count = 0;
  r->hop->has_response = 0;
  dt__hop_conn(r->hop)->reused = 0;
  if (r->parser_live) {
    dt__http1_free(&r->parser);
    dt__resp_free(&r->resp);
  }
  parser_init(r);
  free(r->reqbuf);
  r->reqbuf = NULL;
  r->naddrs = r->next_addr = 0;
  r->opts.no_reuse = 1;
  start_network(r);
}

static void conn_data(dt__conn *c, const char *data, size_t len) {
  req *r = c->owner.data;
  if (r->ph == PH_WAIT) {
    dt__hop_timing(r->hop)->first_byte_ms = ms_since(r->t0);
    set_phase(r, PH_BODY);
  }
  if (r->ph != PH_BODY) return;
  arm(r, r->ctx->limits.idle_timeout_ms);
  size_t used = 0;
  int rc = dt__http1_feed(&r->parser, data, len, &used);
  if (r->ph == PH_DONE)
    return; /* ended from a callback inside the parse (abort, cancel) */
  if (rc == 0) return;
  if (rc < 0) {
    fail(r, rc, "%s", r->parser.msg);
    return;
  }
  /* complete: back to the pool when the server allows and sent nothing
   * more than this response (extra bytes make the connection unusable) */
  dt__conn *conn = r->conn;
  r->conn = NULL;
  if (r->parser.keep_alive && used == len && !conn->dead) {
    dt__pool_put(conn);
  } else {
    dt__conn_close(conn);
  }
  finish(r, 0);
}

static void conn_eof(dt__conn *c, int err, const char *msg) {
  req *r = c->owner.data;
  if (r->ph == PH_CONNECT || r->ph == PH_TLS) {
    fail(r, err ? err : DT_ETLS,
         r->ph == PH_TLS ? "connection closed during TLS handshake: %s" : "%s",
         msg);
    return;
  }
  if (err && err != DT_ECONNRESET) {
    fail(r, err, "%s", msg);
    return;
  }
  /* Browsers retry once when a kept-alive connection turns out closed
   * before any response byte: the server timed it out while idle. */
  if (r->reused && !r->retried && r->parser.got_bytes == 0 &&
      idempotent(r->method)) {
    dt__ctx_tracef(r->ctx,
                   "connection #%llu closed before a response (%s); "
                   "retrying on a new connection",
                   (unsigned long long)c->id, msg);
    dt__conn_close(c);
    r->conn = NULL;
    retry(r);
    return;
  }
  int rc = dt__http1_eof(&r->parser);
  if (rc == 1) {
    finish(r, 0);
    return;
  }
  fail(r, rc, "%s (%s)", r->parser.msg, msg);
}

/* ---- HTTP/2 stream ------------------------------------------------------- */

static void h2_activity(void *ud) {
  req *r = ud;
  r->h2_bytes = 1;
  if (r->ph == PH_WAIT) {
    dt__hop_timing(r->hop)->first_byte_ms = ms_since(r->t0);
    set_phase(r, PH_BODY);
  }
  if (r->ph == PH_BODY) arm(r, r->ctx->limits.idle_timeout_ms);
}

static void h2_done(void *ud, int err, const char *msg, int unprocessed) {
  req *r = ud;
  dt__conn *c = r->h2c;
  r->h2c = NULL; /* the stream is over: nothing to cancel */
  if (r->ph == PH_DONE) return;
  if (!err) {
    finish(r, 0);
    return;
  }
  /* RFC 9113 §8.7: a stream the server did not process may go again, on
   * a new connection; so may an idempotent request whose reused
   * connection closed before any byte of the answer. */
  if (!r->retried &&
      (unprocessed || (r->reused && !r->h2_bytes && err == DT_ECONNRESET &&
                       idempotent(r->method)))) {
    dt__ctx_tracef(r->ctx,
                   "HTTP/2 connection #%llu: %s; retrying on a new "
                   "connection",
                   (unsigned long long)(c ? c->id : 0), msg);
    retry(r);
    return;
  }
  fail(r, err, "%s", msg);
}

static void send_h2(req *r, dt__conn *c) {
  const char *hv = r->fields.host_value;
  dt__h2_request rq = {
      .method = r->method,
      .scheme = dt_url_scheme(r->url),
      .authority = hv ? hv : dt_url_get(r->url, DT_URL_HOST),
      .path = r->target,
      .fields = &r->fields,
      .body = r->body,
      .body_len = r->body_len,
  };
  dt__h2_owner owner = {h2_activity, h2_done, r};
  r->h2c = c;
  r->conn = NULL; /* shared: never ours to close */
  char msg[256];
  int32_t sid = 0;
  int rc = dt__conn_h2_submit(c, r->chain, &rq, &r->resp, &owner, &sid, msg,
                              sizeof msg);
  if (rc) {
    r->h2c = NULL;
    fail(r, rc, "%s", msg);
    return;
  }
  /* the stream may have ended already (the connection failed sending) */
  if (r->h2c == c) r->sid = sid;
}

/* ---- request ------------------------------------------------------------- */

static void record_conn(req *r, dt__conn *c) {
  dt_hop_connection *hc = dt__hop_conn(r->hop);
  hc->remote_addr = dt__chain_strdup(r->chain, c->remote);
  hc->reused = r->reused;
  hc->id = c->id;
  if (c->has_tls) {
    const dt__tls_info *ti = &c->tls_info;
    hc->tls_version = dt__chain_strdup(r->chain, ti->version);
    hc->tls_cipher = dt__chain_strdup(r->chain, ti->cipher);
    hc->peer_subject =
        ti->subject[0] ? dt__chain_strdup(r->chain, ti->subject) : NULL;
    hc->alpn = ti->alpn[0] ? dt__chain_strdup(r->chain, ti->alpn) : NULL;
    hc->tls_group = ti->group[0] ? dt__chain_strdup(r->chain, ti->group) : NULL;
    hc->tls_library = dt__tls_backend(); /* static */
    hc->cert_verified = ti->verified;
    hc->tls_resumed = ti->resumed;
  }
}

static void send_request(req *r, dt__conn *c) {
  record_conn(r, c);
  if (r->opts.hsts_host && c->has_tls && !c->tls_info.chain_ok) {
    fail(r, DT_EHSTS_CERT,
         "%s is a Known HSTS Host and its certificate did not verify: "
         "no override, not even --insecure (RFC 6797 §8.4)",
         r->host);
    return;
  }
  set_phase(r, PH_WAIT);
  arm(r, r->ctx->limits.first_byte_timeout_ms);
  if (c->h2) {
    send_h2(r, c);
    return;
  }
  c->owner.on_data = conn_data;
  c->owner.on_eof = conn_eof;
  c->owner.data = r;
  r->hop->req_header_count = 0;
  free(r->reqbuf);
  int rc = dt__http1_write_request(
      r->chain, r->hop, r->method, r->target, dt_url_get(r->url, DT_URL_HOST),
      &r->fields, r->body, r->body_len, &r->reqbuf, &r->reqlen);
  if (rc) {
    r->reqbuf = NULL;
    fail(r, rc, "%s", "out of memory building the request");
    return;
  }
  char msg[256];
  rc = dt__conn_write(c, r->reqbuf, r->reqlen, msg, sizeof msg);
  if (rc) {
    fail(r, rc, "%s", msg);
    return;
  }
}

static void conn_tls(dt__conn *c, int err, const char *msg) {
  req *r = c->owner.data;
  if (err == DT_ETLS_NEED13) {
    fail(r, err,
         "%s (host %s): the server refused TLS 1.2 and this build's TLS "
         "library (%s) has no TLS 1.3; a build on OpenSSL 3 or Mbed TLS 3.6 "
         "can connect (docs/tls.md)",
         msg, r->host, dt__tls_backend());
    return;
  }
  if (err == DT_ETLS_OBSOLETE)
    snprintf(r->hint, sizeof r->hint,
             "the server must offer TLS 1.2 or TLS 1.3 (nginx: ssl_protocols "
             "TLSv1.2 TLSv1.3;); no browser connects to it as it is");
  else if (err == DT_ETLS && c->tls && dt__tls_refused(c->tls))
    snprintf(r->hint, sizeof r->hint,
             "the server ended the handshake with a handshake_failure alert: "
             "it shares no TLS version or cipher suite with a browser's "
             "offer (Chromium says ERR_SSL_VERSION_OR_CIPHER_MISMATCH), or "
             "wants what the client did not give (a client certificate); "
             "it must offer TLS 1.2 or 1.3 with a current suite (nginx: "
             "ssl_protocols TLSv1.2 TLSv1.3;)");
  else if (err == DT_ECERT_NAME)
    snprintf(r->hint, sizeof r->hint,
             "the server's certificate does not name %s: it must present "
             "one whose subjectAltName covers %s (and pick it by SNI), or "
             "use a name the certificate covers",
             r->host, r->host);
  if (err) {
    fail(r, err, "%s (host %s)%s", msg, r->host,
         err == DT_ETLS_OBSOLETE
             ? ": the server speaks only TLS 1.1 or older, which browsers "
               "refuse (RFC 8996)"
             : "");
    return;
  }
  dt__hop_timing(r->hop)->tls_ms = ms_since(r->t_phase);
  const dt__tls_info *ti = &c->tls_info;
  dt__ctx_tracef(r->ctx, "%s %s%s%s%s, ALPN %s%s", ti->version, ti->cipher,
                 ti->group[0] ? " " : "", ti->group,
                 ti->verified ? " verified" : " NOT verified (insecure)",
                 ti->alpn[0] ? ti->alpn : "none",
                 ti->resumed   ? ", session resumed"
                 : ti->offered ? ", resumption offered, refused"
                               : "");
  if (strcmp(ti->alpn, "h2") == 0) {
    char msg2[128];
    int rc = dt__conn_h2_start(c, &r->ctx->profile->h2, msg2, sizeof msg2);
    if (rc) {
      fail(r, rc, "%s", msg2);
      return;
    }
    r->conn = NULL; /* shared from now on */
  }
  send_request(r, c);
}

static void conn_connected(dt__conn *c, int status) {
  req *r = c->owner.data;
  if (status) {
    dt__ctx_tracef(r->ctx, "connect to %s failed: %s", c->remote,
                   uv_strerror(status));
    if (r->next_addr < r->naddrs) {
      dt__conn_close(c);
      r->conn = NULL;
      start_connect(r);
      return;
    }
    if (status == UV_ECONNREFUSED)
      snprintf(r->hint, sizeof r->hint,
               "nothing accepts connections at %s: is the server running, "
               "and listening on port %d?",
               c->remote, r->cport);
    fail(r, DT_ECONNECT, "connect failed: %s (%s)", uv_strerror(status),
         uv_err_name(status));
    return;
  }
  dt__hop_timing(r->hop)->connect_ms = ms_since(r->t_phase);
  dt__ctx_tracef(r->ctx, "connected to %s (#%llu)", c->remote,
                 (unsigned long long)c->id);
  if (!r->is_https) {
    send_request(r, c);
    return;
  }
  set_phase(r, PH_TLS);
  arm(r, r->ctx->limits.tls_timeout_ms);
  char msg[300];
  int rc = dt__conn_tls_start(c, r->host, r->key, msg, sizeof msg);
  if (rc) fail(r, rc, "%s", msg);
}

/* Next address in order (happy eyeballs not required). */
static void start_connect(req *r) {
  if (r->next_addr >= r->naddrs) {
    fail(r, DT_ECONNECT, "%s", "no address to connect to");
    return;
  }
  dt__conn *c;
  if (dt__conn_new(r->ctx, r->key, &c)) {
    fail(r, DT_ENOMEM, "%s", "cannot create a connection");
    return;
  }
  r->conn = c;
  if (r->is_https) dt__conn_may_h2(c);
  c->owner.on_connect = conn_connected;
  c->owner.on_tls = conn_tls;
  c->owner.on_eof = conn_eof;
  c->owner.data = r;
  set_phase(r, PH_CONNECT);
  arm(r, r->ctx->limits.connect_timeout_ms);
  int rc = dt__conn_connect(c, (struct sockaddr *)&r->addrs[r->next_addr++]);
  if (rc) {
    conn_connected(c, rc);
  }
}

static int add_addr(req *r, const char *ip, int port) {
  if (r->naddrs >= MAX_ADDRS) return 0;
  struct sockaddr_storage *ss = &r->addrs[r->naddrs];
  memset(ss, 0, sizeof *ss);
  if (uv_ip4_addr(ip, port, (struct sockaddr_in *)ss) == 0 ||
      uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss) == 0) {
    r->naddrs++;
    return 1;
  }
  return 0;
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *ai) {
  req *r = g->data;
  r->gai_pending = 0;
  if (r->ph != PH_DNS) { /* finished meanwhile (timeout, total) */
    uv_freeaddrinfo(ai);
    maybe_free(r);
    return;
  }
  dt__hop_timing(r->hop)->dns_ms = ms_since(r->t_phase);
  if (status) {
    if (status == UV_EAI_NONAME || status == UV_EAI_NODATA)
      snprintf(r->hint, sizeof r->hint,
               "%s has no address in DNS: check the name's spelling; for a "
               "server that is not in DNS yet, give its address with "
               "--resolve %s:%d:ADDRESS",
               r->chost, r->chost, r->cport);
    else if (status == UV_EAI_AGAIN)
      snprintf(r->hint, sizeof r->hint,
               "no answer from DNS for %s (is the resolver reachable?); to "
               "reach the server without DNS, give its address with "
               "--resolve %s:%d:ADDRESS",
               r->chost, r->chost, r->cport);
    fail(r, DT_EDNS, "cannot resolve %s: %s", r->chost, uv_strerror(status));
    uv_freeaddrinfo(ai);
    return;
  }
  for (struct addrinfo *a = ai; a && r->naddrs < MAX_ADDRS; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    memcpy(&r->addrs[r->naddrs], a->ai_addr, a->ai_addrlen);
    if (a->ai_family == AF_INET)
      ((struct sockaddr_in *)&r->addrs[r->naddrs])->sin_port =
          htons((uint16_t)r->cport);
    else
      ((struct sockaddr_in6 *)&r->addrs[r->naddrs])->sin6_port =
          htons((uint16_t)r->cport);
    r->naddrs++;
  }
  uv_freeaddrinfo(ai);
  dt__ctx_tracef(r->ctx, "resolved %s: %zu address(es)", r->chost, r->naddrs);
  start_connect(r);
}

/* The handshake we waited for is over: its session, or our own way. */
static void on_pending_ready(dt__conn_waiter *w, dt__conn *h2) {
  req *r = (req *)(void *)((char *)w - offsetof(req, waiter));
  if (r->ph == PH_DONE) return;
  if (h2) {
    r->reused = 1;
    dt__ctx_tracef(r->ctx, "joining HTTP/2 connection #%llu",
                   (unsigned long long)h2->id);
    send_request(r, h2);
    return;
  }
  r->no_wait = 1;
  start_network(r);
}

/* Connection target: --connect-to, then --resolve, an IP literal, or DNS. */
static void start_network(req *r) {
  dt__conn *c = r->opts.no_reuse ? NULL : dt__pool_take_h2(r->ctx, r->key);
  if (c) {
    r->reused = 1;
    dt__ctx_tracef(r->ctx, "reusing HTTP/2 connection #%llu to %s",
                   (unsigned long long)c->id, c->remote);
    send_request(r, c);
    return;
  }
  c = r->opts.no_reuse ? NULL : dt__pool_take(r->ctx, r->key);
  if (c) {
    r->conn = c;
    r->reused = 1;
    dt__ctx_tracef(r->ctx, "reusing connection #%llu to %s",
                   (unsigned long long)c->id, c->remote);
    send_request(r, c);
    return;
  }
  /* Another request's connection to this origin is in its handshake with
   * h2 offered: wait for it, as a browser does, rather than open a second
   * one (RFC 9113 §9.1). */
  c = r->opts.no_reuse || r->no_wait || !r->is_https
          ? NULL
          : dt__pool_pending(r->ctx, r->key);
  if (c) {
    dt__ctx_tracef(r->ctx, "waiting for connection #%llu's handshake (h2?)",
                   (unsigned long long)c->id);
    set_phase(r, PH_TLS);
    arm(r, r->ctx->limits.tls_timeout_ms);
    r->waiter.ready = on_pending_ready;
    dt__conn_wait(c, &r->waiter);
    return;
  }
  const dt__resolve_entry *e =
      dt__overrides_resolve(r->ctx->ovr, r->chost, r->cport);
  if (e) {
    for (size_t i = 0; i < e->naddrs; i++)
      add_addr(r, e->addrs[i], r->cport);
    dt__ctx_tracef(r->ctx, "%s:%d resolved by override to %zu address(es)",
                   r->chost, r->cport, r->naddrs);
    start_connect(r);
    return;
  }
  if (add_addr(r, r->chost, r->cport)) {
    start_connect(r);
    return;
  }
  set_phase(r, PH_DNS);
  arm(r, r->ctx->limits.dns_timeout_ms);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  r->gai.data = r;
  int rc = uv_getaddrinfo(r->ctx->loop, &r->gai, on_resolved, r->chost, NULL,
                          &hints);
  if (rc) {
    fail(r, DT_EDNS, "cannot start resolving %s: %s", r->chost,
         uv_strerror(rc));
    return;
  }
  r->gai_pending = 1;
}

static int prepare(req *r, const char *url, const dt_header *headers,
                   size_t header_count, const uint8_t *body, size_t body_len) {
  int rc = dt_url_parse(&r->url, url, strlen(url), NULL);
  if (rc) {
    snprintf(r->msg, sizeof r->msg, "cannot parse URL \"%.200s\"", url);
    return rc;
  }
  const char *scheme = dt_url_scheme(r->url);
  if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
    snprintf(r->msg, sizeof r->msg, "scheme \"%.40s\" is not http or https",
             scheme);
    return DT_ESCHEME;
  }
  r->is_https = scheme[4] == 's';
  const char *hn = dt_url_get(r->url, DT_URL_HOSTNAME);
  size_t hl = strlen(hn);
  if (hl >= 2 && hn[0] == '[') {
    hn++;
    hl -= 2;
  }
  if (hl == 0 || hl >= sizeof r->host) {
    snprintf(r->msg, sizeof r->msg, "URL has no usable host");
    return DT_EURL;
  }
  memcpy(r->host, hn, hl);
  r->host[hl] = 0;
  r->port = dt_url_port_or_default(r->url);
  if (r->port <= 0) {
    snprintf(r->msg, sizeof r->msg, "URL has no port");
    return DT_EURL;
  }
  if (body_len > r->ctx->limits.max_request_body) {
    snprintf(r->msg, sizeof r->msg, "request body of %zu bytes exceeds %zu",
             body_len, r->ctx->limits.max_request_body);
    return DT_EINVAL;
  }
  dt__overrides_connect_to(r->ctx->ovr, dt_url_get(r->url, DT_URL_HOSTNAME),
                           r->port, r->chost, sizeof r->chost, &r->cport);
  snprintf(r->key, sizeof r->key, "%s://%s:%d|%s:%d", scheme, r->host, r->port,
           r->chost, r->cport);
  r->target = dt_url_request_target(r->url);
  if (!r->target) {
    snprintf(r->msg, sizeof r->msg, "out of memory");
    return DT_ENOMEM;
  }
  const char *host = dt_url_get(r->url, DT_URL_HOST);
  rc = r->opts.exact_fields
           ? dt__req_fields_exact(&r->fields, r->method, headers, header_count)
           : dt__req_fields_build(&r->fields, r->method, r->ctx->user_agent,
                                  headers, header_count, body_len);
  if (!rc && (!dt__wire_target(r->target) || !dt__wire_target(host)))
    rc = DT_EINVAL;
  if (rc) {
    snprintf(r->msg, sizeof r->msg,
             "the method, a field, the target or the host is not what HTTP "
             "allows (engine/net/wire.h): not sent");
    return rc;
  }
  if (dt__req_fields_own(&r->fields) ||
      (body_len && !(r->body = malloc(body_len)))) {
    snprintf(r->msg, sizeof r->msg, "out of memory");
    return DT_ENOMEM;
  }
  if (body_len) memcpy(r->body, body, body_len);
  r->body_len = body_len;
  return 0;
}

int dt__client_send(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                    const char *method, const char *url,
                    const dt_header *headers, size_t header_count,
                    const uint8_t *body, size_t body_len,
                    const dt__client_opts *opts, dt__client_cb cb,
                    void *user_data, dt__client **out) {
  if (out) *out = NULL;
  if (!ctx || !chain || !hop || !url || !cb || ctx->closing) return DT_EINVAL;
  if (!method) method = "GET";
  req *r = calloc(1, sizeof *r);
  if (!r) return DT_ENOMEM;
  r->ctx = ctx;
  r->chain = chain;
  r->hop = hop;
  r->cb = cb;
  r->ud = user_data;
  if (opts) r->opts = *opts;
  snprintf(r->method, sizeof r->method, "%s", method);
  r->t0 = uv_hrtime();
  dt__ctx_ref(ctx);
  uv_timer_init(ctx->loop, &r->phase_timer);
  uv_timer_init(ctx->loop, &r->total_timer);
  r->phase_timer.data = r;
  r->total_timer.data = r;
  r->open_handles = 2;
  hop->method = dt__chain_strdup(chain, method);
  hop->url = dt__chain_strdup(chain, url);
  dt__hop_timing(hop)->started_ms = dt_clock_now_ms(&ctx->clock);
  parser_init(r);
  r->parser_live = 1;
  if (out) {
    *out = r;
    r->handle = out;
  }
  uint32_t total = r->opts.total_timeout_ms ? r->opts.total_timeout_ms
                                            : ctx->limits.total_timeout_ms;
  if (total) uv_timer_start(&r->total_timer, on_total_timeout, total, 0);
  int rc = strlen(method) >= sizeof r->method ? DT_EINVAL : 0;
  if (rc)
    snprintf(r->msg, sizeof r->msg, "method name too long");
  else
    rc = prepare(r, url, headers, header_count, body, body_len);
  if (rc) {
    finish(r, rc); /* cb runs from the timers' close callbacks */
    return 0;
  }
  start_network(r);
  return 0;
}
