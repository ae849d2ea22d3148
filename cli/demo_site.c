/* demo_site.c — see demo_site.h. A tiny HTTP/1.1 server on the caller's
 * libuv loop, with TLS by mbedTLS 2.28 over memory buffers (the fixture's
 * way: mbedTLS reads ciphertext from conn->cin, filled by libuv reads, and
 * its send callback hands ciphertext straight to uv_write, so it never sees
 * WANT_WRITE; WANT_READ means "wait for the next libuv read").
 *
 * One request per connection, answered with `Connection: close`:
 *
 *   state      event                              next
 *   READ       request complete (or refused)      WRITE (response queued)
 *   READ       peer EOF/reset, timeout, TLS error CLOSED
 *   WRITE      writes drained (TLS: close_notify  LINGER (our FIN sent)
 *              queued and drained first)
 *   WRITE      drained, and the peer sent EOF     CLOSED
 *   LINGER     peer EOF or reset, timeout         CLOSED
 *   WRITE      write error, timeout               CLOSED
 *
 * LINGER is the "lingering close" of RFC 9112 §9.6: a server that closes
 * while request bytes are still arriving (a refused head or body) would
 * make the kernel send a reset, which can destroy the answer before the
 * client reads it. So the site half-closes and reads (discarding) until the
 * client closes, bounded by the connection's timer.
 *
 * Requests are parsed by llhttp with every count bounded: head bytes,
 * header fields, request-target and body (demo_site.h). */
#include "demo_site.h"

#include "detour.h"

#include <llhttp.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <uv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TLS bytes received and not yet read by Mbed TLS: one read's worth (the
 * site's read buffer) plus a record's; a client that sends more before the
 * site has read it is cut off. Fixed in the connection: nothing grows. */
#define MAX_CIPHER_IN (64u * 1024u + 17u * 1024u)
#define PEM_CAP 4096u /* an EC P-256 certificate is ~700 */

static const char ca_name[] = "CN=detour demo CA (throw-away),O=detour demo";
static const char leaf_name[] = "CN=demo.test,O=detour demo";
static const char *const leaf_dns[] = {"demo.test", "*.demo.test"};
static const char *alpn_list[] = {"http/1.1", NULL};

typedef struct demo_conn demo_conn;

typedef struct demo_lsn {
  uv_tcp_t tcp;
  demo_site *site;
  demo_listener which;
  int inited, port;
  unsigned accepted, answered;
} demo_lsn;

struct demo_site {
  uv_loop_t *loop;
  demo_lsn lsn[2];
  demo_conn *conns;
  unsigned nconns;
  unsigned handles; /* uv handles initialised and not yet closed */
  int closing;
  llhttp_settings_t settings;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context ca_key, leaf_key;
  mbedtls_x509_crt chain; /* the leaf, then the CA */
  mbedtls_ssl_config conf;
  char ca_pem[PEM_CAP];
  char thanks_method[24];
  size_t thanks_body;
  char rbuf[64 * 1024]; /* one loop thread: each read is consumed at once */
};

typedef enum conn_state {
  CS_READ,   /* reading the request (TLS: handshake first) */
  CS_WRITE,  /* response queued: half-close once the writes drain */
  CS_LINGER, /* our side shut down: discard input until the peer closes */
  CS_CLOSED  /* handles closing; the struct goes with the last one */
} conn_state;

struct demo_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  demo_site *site;
  demo_lsn *lsn;
  demo_conn *prev, *next;
  conn_state state;
  int handles_open, pending_writes;
  int tls, ssl_inited, hs_done, notify_sent, peer_eof;
  uv_shutdown_t shut;
  mbedtls_ssl_context ssl;
  unsigned char cin[MAX_CIPHER_IN];
  size_t cin_len;
  llhttp_t parser;
  int complete; /* on_message_complete ran */
  int refuse;   /* a limit was hit: the status to answer with */
  size_t head_bytes, nheaders, body_bytes, target_len;
  char target[DEMO_SITE_MAX_TARGET + 1];
};

typedef struct wreq {
  uv_write_t req;
  demo_conn *c;
  char data[];
} wreq;

static void conn_close(demo_conn *c);

/* ---- handles ------------------------------------------------------------ */

static void site_free(demo_site *s) {
  mbedtls_ssl_config_free(&s->conf);
  mbedtls_x509_crt_free(&s->chain);
  mbedtls_pk_free(&s->leaf_key);
  mbedtls_pk_free(&s->ca_key);
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_entropy_free(&s->entropy);
  free(s);
}

static void site_handle_closed(demo_site *s) {
  if (--s->handles == 0 && s->closing) site_free(s);
}

static void on_lsn_closed(uv_handle_t *h) {
  demo_lsn *l = h->data;
  site_handle_closed(l->site);
}

static void on_conn_handle_closed(uv_handle_t *h) {
  demo_conn *c = h->data;
  demo_site *s = c->site;
  if (--c->handles_open == 0) {
    if (c->ssl_inited) mbedtls_ssl_free(&c->ssl);
    free(c);
  }
  site_handle_closed(s);
}

static void conn_close(demo_conn *c) {
  if (c->state == CS_CLOSED) return;
  c->state = CS_CLOSED;
  if (c->prev)
    c->prev->next = c->next;
  else
    c->site->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->site->nconns--;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
  uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

/* ---- writing ------------------------------------------------------------ */

static void on_shut(uv_shutdown_t *req, int status) {
  if (status < 0) conn_close(req->data);
}

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  demo_conn *c = w->c;
  free(w);
  c->pending_writes--;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (c->state != CS_WRITE || c->pending_writes) return;
  /* Connection: close. RFC 5246 §7.2.1: TLS says so with close_notify
   * before the TCP close, so the client can tell the end from a cut. */
  if (c->tls && !c->notify_sent) {
    c->notify_sent = 1;
    mbedtls_ssl_close_notify(&c->ssl);
    if (c->pending_writes) return;
  }
  if (c->peer_eof) {
    conn_close(c);
    return;
  }
  c->state = CS_LINGER;
  c->shut.data = c;
  if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shut) != 0)
    conn_close(c);
}

/* Queues a copy of LEN bytes on the socket. 0 or -1. */
static int raw_write(demo_conn *c, const void *data, size_t len) {
  if (c->state == CS_CLOSED) return -1;
  if (len == 0) return 0;
  if (len > UINT32_MAX) return -1;
  wreq *w = malloc(sizeof *w + len);
  if (!w) return -1;
  memcpy(w->data, data, len);
  w->c = c;
  uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w);
    return -1;
  }
  c->pending_writes++;
  return 0;
}

static int tls_send(void *ctx, const unsigned char *buf, size_t len) {
  demo_conn *c = ctx;
  if (len > INT32_MAX || raw_write(c, buf, len) != 0)
    return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  return (int)len;
}

static int tls_recv(void *ctx, unsigned char *buf, size_t len) {
  demo_conn *c = ctx;
  if (c->cin_len == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  if (len > c->cin_len) len = c->cin_len;
  if (len > INT32_MAX) len = INT32_MAX;
  memcpy(buf, c->cin, len);
  memmove(c->cin, c->cin + len, c->cin_len - len);
  c->cin_len -= len;
  return (int)len;
}

/* Queues plaintext, through TLS records on the https listener. */
static int conn_write(demo_conn *c, const char *data, size_t len) {
  if (!c->tls) return raw_write(c, data, len);
  while (len > 0) {
    int n = mbedtls_ssl_write(&c->ssl, (const unsigned char *)data, len);
    if (n <= 0) return -1; /* the send callback never blocks */
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---- responses ---------------------------------------------------------- */

static const char *reason_of(int status) {
  switch (status) {
  case 200: return "OK";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 307: return "Temporary Redirect";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 431: return "Request Header Fields Too Large";
  default: return "Unknown";
  }
}

/* Queues the whole response and moves to WRITE. EXTRA is zero or more
 * complete header lines ("Name: value\r\n"). */
static void send_response(demo_conn *c, int status, const char *extra,
                          const char *ctype, const char *body, int head_only) {
  char head[DEMO_SITE_MAX_TARGET + 1024];
  size_t blen = strlen(body);
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\n"
                   "Server: detour-demo\r\n"
                   "%s"
                   "Content-Type: %s\r\n"
                   "Content-Length: %zu\r\n"
                   "Cache-Control: no-store\r\n"
                   "Connection: close\r\n\r\n",
                   status, reason_of(status), extra, ctype, blen);
  c->state = CS_WRITE;
  c->lsn->answered++;
  if (n < 0 || (size_t)n >= sizeof head || conn_write(c, head, (size_t)n) ||
      (!head_only && conn_write(c, body, blen))) {
    conn_close(c);
    return;
  }
  if (c->pending_writes == 0) /* nothing queued (cannot happen): finish */
    conn_close(c);
}

/* The request-target may go into a Location field: only visible ASCII,
 * origin-form (RFC 9112 §3.2.1), so the answer cannot be split. */
static int target_ok(const char *t, size_t len) {
  if (len == 0 || t[0] != '/') return 0;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f) return 0;
  return 1;
}

static const char page[] =
    "<!doctype html>\n"
    "<title>demo.test</title>\n"
    "<h1>demo.test: detour's teaching site</h1>\n"
    "<p>This answer came over https with\n"
    "<code>Strict-Transport-Security: max-age=31536000; "
    "includeSubDomains</code>:\n"
    "from now on a browser goes to demo.test and its subdomains over https "
    "only.</p>\n"
    "<form method=post action=/form302><input name=name value=Ada>"
    "<input name=lang value=C><button>POST, answered 302</button></form>\n"
    "<form method=post action=/form307><input name=name value=Ada>"
    "<input name=lang value=C><button>POST, answered 307</button></form>\n";

static void respond(demo_conn *c) {
  demo_site *s = c->site;
  const char *method =
      llhttp_method_name((llhttp_method_t)llhttp_get_method(&c->parser));
  int head_only = strcmp(method, "HEAD") == 0;
  int get = head_only || strcmp(method, "GET") == 0;
  const char *t = c->target;
  size_t tlen = c->target_len;
  if (c->refuse) {
    send_response(c, c->refuse, "", "text/plain", "refused: over a limit\n",
                  head_only);
    return;
  }
  if (!target_ok(t, tlen)) {
    send_response(c, 400, "", "text/plain", "bad request-target\n", head_only);
    return;
  }
  size_t plen = strcspn(t, "?");
  char extra[DEMO_SITE_MAX_TARGET + 128];
  if (c->lsn->which == DEMO_PLAIN) {
    /* The usual first step of an https site: everything on port 80 moves
     * to https, path kept. No STS here: RFC 6797 §7.2, an HSTS host must
     * not send it over non-secure transport (and §8.1 has the client
     * ignore it anyway). */
    snprintf(extra, sizeof extra, "Location: https://demo.test%s\r\n", t);
    send_response(c, 301, extra, "text/plain", "moved to https\n", head_only);
    return;
  }
  if (plen == 1) { /* "/" */
    if (!get) {
      send_response(c, 405, "Allow: GET, HEAD\r\n", "text/plain", "GET only\n",
                    head_only);
      return;
    }
    /* RFC 6797 §6.1: max-age one year, includeSubDomains covers every
     * subdomain of demo.test too. */
    send_response(c, 200,
                  "Strict-Transport-Security: max-age=31536000; "
                  "includeSubDomains\r\n",
                  "text/html; charset=utf-8", page, head_only);
    return;
  }
  int is302 = plen == 8 && !memcmp(t, "/form302", 8);
  int is307 = plen == 8 && !memcmp(t, "/form307", 8);
  if (is302 || is307) {
    if (strcmp(method, "POST") != 0) {
      send_response(c, 405, "Allow: POST\r\n", "text/plain", "POST only\n",
                    head_only);
      return;
    }
    send_response(c, is302 ? 302 : 307, "Location: /thanks\r\n", "text/plain",
                  is302 ? "see /thanks (302)\n" : "see /thanks (307)\n", 0);
    return;
  }
  if (plen == 7 && !memcmp(t, "/thanks", 7)) {
    /* The witness: what this request looked like when it reached us. */
    snprintf(s->thanks_method, sizeof s->thanks_method, "%s", method);
    s->thanks_body = c->body_bytes;
    char body[96];
    snprintf(body, sizeof body, "thanks: method=%s body_bytes=%zu\n", method,
             c->body_bytes);
    send_response(c, 200, "", "text/plain", body, head_only);
    return;
  }
  send_response(c, 404, "", "text/plain", "not found\n", head_only);
}

/* ---- requests ----------------------------------------------------------- */

static demo_conn *from(llhttp_t *p) { return p->data; }

/* A limit hit: remember the status to answer with and stop the parser. */
static int refuse(demo_conn *c, int status) {
  c->refuse = status;
  return HPE_USER;
}

static int add_head(demo_conn *c, size_t len) {
  c->head_bytes += len;
  return c->head_bytes > DEMO_SITE_MAX_HEAD ? refuse(c, 431) : 0;
}

static int cb_url(llhttp_t *p, const char *at, size_t len) {
  demo_conn *c = from(p);
  if (len > DEMO_SITE_MAX_TARGET - c->target_len) return refuse(c, 414);
  memcpy(c->target + c->target_len, at, len);
  c->target_len += len;
  c->target[c->target_len] = '\0';
  return add_head(c, len);
}

static int cb_field(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  return add_head(from(p), len);
}

static int cb_field_complete(llhttp_t *p) {
  demo_conn *c = from(p);
  return ++c->nheaders > DEMO_SITE_MAX_HEADERS ? refuse(c, 431) : 0;
}

static int cb_value(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  return add_head(from(p), len);
}

static int cb_body(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  demo_conn *c = from(p);
  if (len > DEMO_SITE_MAX_BODY - c->body_bytes) return refuse(c, 413);
  c->body_bytes += len;
  return 0;
}

static int cb_complete(llhttp_t *p) {
  from(p)->complete = 1;
  return HPE_PAUSED; /* one request per connection: stop here */
}

/* The request parser's callbacks (also driven by fuzz/fuzz_demo_request.c,
 * which feeds them arbitrary bytes). */
static void request_settings(llhttp_settings_t *st) {
  llhttp_settings_init(st);
  st->on_url = cb_url;
  st->on_header_field = cb_field;
  st->on_header_field_complete = cb_field_complete;
  st->on_header_value = cb_value;
  st->on_body = cb_body;
  st->on_message_complete = cb_complete;
}

static void feed(demo_conn *c, const char *data, size_t len) {
  if (c->state != CS_READ)
    return; /* after the request: discarded (we close anyway) */
  llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
  if (e == HPE_OK) return; /* need more */
  if (e == HPE_PAUSED && c->complete) {
    respond(c);
    return;
  }
  if (!c->refuse) c->refuse = 400; /* malformed request */
  respond(c);
}

/* ---- TLS ---------------------------------------------------------------- */

static void tls_progress(demo_conn *c) {
  if (!c->hs_done) {
    int rc = mbedtls_ssl_handshake(&c->ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
      return;
    if (rc != 0) {
      conn_close(c);
      return;
    }
    c->hs_done = 1;
  }
  while (c->state == CS_READ) {
    unsigned char buf[16384];
    int n = mbedtls_ssl_read(&c->ssl, buf, sizeof buf);
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
      return;
    if (n <= 0) { /* close_notify before a whole request, or an error */
      conn_close(c);
      return;
    }
    feed(c, (const char *)buf, (size_t)n);
  }
}

/* ---- connections -------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  demo_conn *c = h->data;
  *buf = uv_buf_init(c->site->rbuf, sizeof c->site->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  demo_conn *c = st->data;
  if (nread < 0) {
    /* EOF or reset before our answer: nothing to answer; in LINGER: the
     * client is done. While writing, a client that half-closed still gets
     * the rest of the answer. */
    if (nread == UV_EOF && c->state == CS_WRITE)
      c->peer_eof = 1;
    else
      conn_close(c);
    return;
  }
  if (nread == 0 || c->state != CS_READ) return;
  size_t n = (size_t)nread;
  if (!c->tls) {
    feed(c, buf->base, n);
    return;
  }
  if (n > MAX_CIPHER_IN - c->cin_len) {
    conn_close(c);
    return;
  }
  memcpy(c->cin + c->cin_len, buf->base, n);
  c->cin_len += n;
  tls_progress(c);
}

static void on_timeout(uv_timer_t *t) { conn_close(t->data); }

static void on_connection(uv_stream_t *server, int status) {
  demo_lsn *l = server->data;
  demo_site *s = l->site;
  if (status < 0 || s->closing) return;
  demo_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->site = s;
  c->lsn = l;
  if (uv_tcp_init(s->loop, &c->tcp) != 0) {
    free(c);
    return;
  }
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles_open = 2;
  s->handles += 2;
  c->state = CS_READ;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  l->accepted++;
  if (s->nconns > DEMO_SITE_MAX_CONNS) {
    conn_close(c);
    return;
  }
  /* Nagle and the peer's delayed ACK would add ~40 ms per TLS flight. */
  uv_tcp_nodelay(&c->tcp, 1);
  llhttp_init(&c->parser, HTTP_REQUEST, &s->settings);
  c->parser.data = c;
  if (l->which == DEMO_TLS) {
    c->tls = 1;
    mbedtls_ssl_init(&c->ssl);
    c->ssl_inited = 1;
    if (mbedtls_ssl_setup(&c->ssl, &s->conf) != 0) {
      conn_close(c);
      return;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, tls_send, tls_recv, NULL);
  }
  uv_timer_start(&c->timer, on_timeout, DEMO_SITE_CONN_TIMEOUT_MS, 0);
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    conn_close(c);
}

/* ---- certificates ------------------------------------------------------- */

static int gen_key(demo_site *s, mbedtls_pk_context *pk) {
  int rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0)
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
                             mbedtls_ctr_drbg_random, &s->drbg);
  return rc;
}

/* subjectAltName (RFC 5280 §4.2.1.6) for leaf_dns: GeneralNames is a
 * SEQUENCE of dNSName [2] IA5String, implicitly tagged (0x82). mbedTLS 2.28
 * has no writer for it, so the DER is built here; every length is < 128,
 * so each fits one byte. Returns the length, or 0 if CAP is too small. */
static size_t san_der(unsigned char *out, size_t cap) {
  size_t n = 2;
  for (size_t i = 0; i < sizeof leaf_dns / sizeof leaf_dns[0]; i++) {
    size_t l = strlen(leaf_dns[i]);
    if (l > 127 || n + 2 + l > cap || n + 2 + l - 2 > 127) return 0;
    out[n++] = 0x82;
    out[n++] = (unsigned char)l;
    memcpy(out + n, leaf_dns[i], l);
    n += l;
  }
  out[0] = 0x30; /* SEQUENCE */
  out[1] = (unsigned char)(n - 2);
  return n;
}

/* Validity as mbedTLS wants it ("YYYYMMDDhhmmss", UTC): the digits of the
 * library's RFC 3339 form. */
static int stamp(char *out, size_t cap, int64_t unix_s) {
  char t[32];
  dt_time_format(unix_s * 1000, t);
  size_t n = 0;
  for (const char *p = t; *p && n + 1 < cap; p++)
    if (*p >= '0' && *p <= '9') out[n++] = *p;
  out[n] = 0;
  return n == 14 ? 0 : -1;
}

static int write_cert(demo_site *s, char *pem, size_t cap, int is_ca,
                      mbedtls_pk_context *subject_key) {
  mbedtls_x509write_cert w;
  mbedtls_mpi serial;
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&serial);
  /* Valid from an hour ago (clock skew) for one day: a throw-away site. */
  int64_t now = dt_clock_now_ms(NULL) / 1000;
  char nb[16], na[16];
  unsigned char san[128];
  size_t san_len = san_der(san, sizeof san);
  int rc = stamp(nb, sizeof nb, now - 3600) || stamp(na, sizeof na, now + 86400)
               ? -1
               : 0;
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, subject_key);
  mbedtls_x509write_crt_set_issuer_key(&w, &s->ca_key);
  /* RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; random, so
   * two runs never issue the same issuer+serial. */
  if (rc == 0)
    rc =
        mbedtls_mpi_fill_random(&serial, 16, mbedtls_ctr_drbg_random, &s->drbg);
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&w, &serial);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&w, nb, na);
  if (rc == 0)
    rc =
        mbedtls_x509write_crt_set_subject_name(&w, is_ca ? ca_name : leaf_name);
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&w, ca_name);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_basic_constraints(&w, is_ca, is_ca ? 0 : -1);
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_key_usage(
        &w, is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                  : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  if (rc == 0 && !is_ca)
    rc = san_len ? mbedtls_x509write_crt_set_extension(
                       &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                       MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san,
                       san_len)
                 : -1;
  if (rc == 0)
    rc = mbedtls_x509write_crt_pem(&w, (unsigned char *)pem, cap,
                                   mbedtls_ctr_drbg_random, &s->drbg);
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&w);
  return rc;
}

static int tls_setup(demo_site *s, char *err, size_t cap) {
  char leaf_pem[PEM_CAP];
  const char *step = "random generator";
  int rc = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                                 (const unsigned char *)"detour-demo", 11);
  if (rc == 0) {
    step = "keys";
    rc = gen_key(s, &s->ca_key);
    if (rc == 0) rc = gen_key(s, &s->leaf_key);
  }
  if (rc == 0) {
    step = "certificates";
    rc = write_cert(s, s->ca_pem, sizeof s->ca_pem, 1, &s->ca_key);
    if (rc == 0) rc = write_cert(s, leaf_pem, sizeof leaf_pem, 0, &s->leaf_key);
  }
  if (rc == 0) {
    /* The server sends its leaf, then the CA (RFC 5246 §7.4.2: the
     * sender's certificate first, each following one certifying the one
     * before). */
    step = "certificate chain";
    rc = mbedtls_x509_crt_parse(&s->chain, (const unsigned char *)leaf_pem,
                                strlen(leaf_pem) + 1);
    if (rc == 0)
      rc = mbedtls_x509_crt_parse(&s->chain, (const unsigned char *)s->ca_pem,
                                  strlen(s->ca_pem) + 1);
  }
  if (rc == 0) {
    step = "TLS configuration";
    rc = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                     MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0)
      rc = mbedtls_ssl_conf_own_cert(&s->conf, &s->chain, &s->leaf_key);
    if (rc == 0) rc = mbedtls_ssl_conf_alpn_protocols(&s->conf, alpn_list);
  }
  if (rc != 0) {
    char eb[128];
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(err, cap, "demo site TLS set-up (%s): %s", step, eb);
    return -1;
  }
  mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
  /* TLS 1.2 only, as detour's client speaks it. */
  mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  return 0;
}

/* ---- site --------------------------------------------------------------- */

static int listen_on(demo_site *s, demo_listener which, char *err, size_t cap) {
  demo_lsn *l = &s->lsn[which];
  l->site = s;
  l->which = which;
  int rc = uv_tcp_init(s->loop, &l->tcp);
  if (rc == 0) {
    l->inited = 1;
    s->handles++;
    l->tcp.data = l;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&addr, 0);
  }
  if (rc == 0) rc = uv_listen((uv_stream_t *)&l->tcp, 16, on_connection);
  struct sockaddr_in bound;
  int blen = sizeof bound;
  if (rc == 0)
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen);
  if (rc != 0) {
    snprintf(err, cap, "demo site: cannot listen on 127.0.0.1 (%s): %s",
             which == DEMO_TLS ? "https" : "http", uv_strerror(rc));
    return -1;
  }
  l->port = ntohs(bound.sin_port);
  return 0;
}

int demo_site_start(demo_site **out, uv_loop_t *loop, char *err, size_t cap) {
  *out = NULL;
  demo_site *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  s->loop = loop;
  mbedtls_entropy_init(&s->entropy);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_pk_init(&s->ca_key);
  mbedtls_pk_init(&s->leaf_key);
  mbedtls_x509_crt_init(&s->chain);
  mbedtls_ssl_config_init(&s->conf);
  request_settings(&s->settings);
  if (tls_setup(s, err, cap) != 0 || listen_on(s, DEMO_PLAIN, err, cap) != 0 ||
      listen_on(s, DEMO_TLS, err, cap) != 0) {
    demo_site_close(s);
    return -1;
  }
  *out = s;
  return 0;
}

int demo_site_port(const demo_site *s, demo_listener which) {
  return s->lsn[which].port;
}

const char *demo_site_ca_pem(const demo_site *s) { return s->ca_pem; }

unsigned demo_site_connections(const demo_site *s, demo_listener which) {
  return s->lsn[which].accepted;
}

unsigned demo_site_requests(const demo_site *s, demo_listener which) {
  return s->lsn[which].answered;
}

const char *demo_site_last_thanks(const demo_site *s, size_t *body_len) {
  if (body_len) *body_len = s->thanks_body;
  return s->thanks_method;
}

void demo_site_close(demo_site *s) {
  if (!s || s->closing) return;
  s->closing = 1;
  for (int i = 0; i < 2; i++)
    if (s->lsn[i].inited && !uv_is_closing((uv_handle_t *)&s->lsn[i].tcp))
      uv_close((uv_handle_t *)&s->lsn[i].tcp, on_lsn_closed);
  while (s->conns)
    conn_close(s->conns);
  if (s->handles == 0) site_free(s);
}
