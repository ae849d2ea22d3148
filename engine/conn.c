/* conn.c — connections and the per-origin idle pool. See conn.h. */
#include "engine/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wreq {
  uv_write_t req;
  dt__conn *c;
  size_t len;
  char data[];
} wreq;

static void on_handle_closed(uv_handle_t *h) {
  dt__conn *c = h->data;
  if (--c->open_handles > 0)
    return;
  dt_ctx *ctx = c->ctx;
  if (c->has_tls)
    dt__tls_free(&c->tls);
  free(c);
  dt__ctx_unref(ctx);
}

int dt__conn_new(dt_ctx *ctx, const char *key, dt__conn **out) {
  *out = NULL;
  dt__conn *c = calloc(1, sizeof *c);
  if (!c)
    return DT_ENOMEM;
  c->ctx = ctx;
  c->id = ++ctx->next_conn_id;
  snprintf(c->key, sizeof c->key, "%s", key);
  int rc = uv_tcp_init(ctx->loop, &c->tcp);
  if (rc) {
    free(c);
    return DT_ECONNECT;
  }
  uv_timer_init(ctx->loop, &c->idle_timer);
  c->tcp.data = c;
  c->idle_timer.data = c;
  c->open_handles = 2;
  dt__ctx_ref(ctx);
  *out = c;
  return 0;
}

static void remove_from_pool(dt__conn *c) {
  if (!c->in_pool)
    return;
  dt__conn **pp = &c->ctx->pool;
  while (*pp && *pp != c)
    pp = &(*pp)->pool_next;
  if (*pp)
    *pp = c->pool_next;
  c->pool_next = NULL;
  c->in_pool = 0;
  uv_timer_stop(&c->idle_timer);
}

void dt__conn_close(dt__conn *c) {
  if (!c || c->closing)
    return;
  remove_from_pool(c);
  c->closing = 1;
  c->dead = 1;
  memset(&c->owner, 0, sizeof c->owner);
  uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
  uv_close((uv_handle_t *)&c->idle_timer, on_handle_closed);
}

static void eof_up(dt__conn *c, int err, const char *msg) {
  c->dead = 1;
  if (c->owner.on_eof)
    c->owner.on_eof(c, err, msg);
  else
    dt__conn_close(c); /* idle in the pool: just go */
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  dt__conn *c = h->data;
  (void)hint;
  buf->base = c->rbuf;
  buf->len = sizeof c->rbuf;
}

/* TLS record layer: decrypt everything in this chunk before returning (the
 * read buffer is reused by the next read). */
static void tls_input(dt__conn *c, const char *data, size_t len) {
  char msg[256];
  dt__tls_feed(&c->tls, data, len);
  if (!c->tls_done) {
    int rc = dt__tls_handshake(&c->tls, msg, sizeof msg);
    if (rc == 1)
      return;
    if (rc == 0) {
      c->tls_done = 1;
      snprintf(c->tls_version, sizeof c->tls_version, "%s",
               mbedtls_ssl_get_version(&c->tls.ssl));
      snprintf(c->tls_cipher, sizeof c->tls_cipher, "%s",
               mbedtls_ssl_get_ciphersuite(&c->tls.ssl));
      const char *alpn = mbedtls_ssl_get_alpn_protocol(&c->tls.ssl);
      snprintf(c->tls_alpn, sizeof c->tls_alpn, "%s", alpn ? alpn : "");
      dt__tls_subject(&c->tls, c->tls_subject, sizeof c->tls_subject);
      c->tls_verified = dt__tls_verified(&c->tls);
    }
    if (c->owner.on_tls)
      c->owner.on_tls(c, rc, msg);
    if (rc != 0 || c->closing)
      return;
  }
  /* decrypt into the tail of nothing: a small stack buffer per record */
  char plain[DT__CONN_READ_BUF];
  for (;;) {
    if (c->closing)
      return;
    int n = dt__tls_read(&c->tls, plain, sizeof plain, msg, sizeof msg);
    if (n == 0)
      return;
    if (n == DT__TLS_EOF) {
      eof_up(c, 0, "peer sent TLS close_notify");
      return;
    }
    if (n < 0) {
      eof_up(c, n, msg);
      return;
    }
    dt__ctx_trace(c->ctx, '<', plain, (size_t)n);
    if (c->owner.on_data)
      c->owner.on_data(c, plain, (size_t)n);
    else {
      dt__conn_close(c); /* bytes on an idle connection: unusable */
      return;
    }
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  dt__conn *c = s->data;
  if (c->closing)
    return;
  if (nread == 0)
    return;
  if (nread < 0) {
    if (nread == UV_EOF) {
      eof_up(c, 0, "peer closed the connection");
    } else {
      char msg[160];
      snprintf(msg, sizeof msg, "read failed: %s", uv_strerror((int)nread));
      eof_up(c, nread == UV_ECONNRESET ? DT_ECONNRESET : DT_ECONNRESET, msg);
    }
    return;
  }
  if (c->has_tls) {
    tls_input(c, buf->base, (size_t)nread);
    return;
  }
  dt__ctx_trace(c->ctx, '<', buf->base, (size_t)nread);
  if (c->owner.on_data)
    c->owner.on_data(c, buf->base, (size_t)nread);
  else
    dt__conn_close(c);
}

static void on_connect(uv_connect_t *req, int status) {
  dt__conn *c = req->data;
  if (c->closing)
    return;
  if (status == 0) {
    c->connected = 1;
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc)
      status = rc;
  }
  if (c->owner.on_connect)
    c->owner.on_connect(c, status);
}

int dt__conn_connect(dt__conn *c, const struct sockaddr *addr) {
  char ip[64] = "?";
  int port = 0;
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
    snprintf(c->remote, sizeof c->remote, "[%s]:%d", ip, port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
    snprintf(c->remote, sizeof c->remote, "%s:%d", ip, port);
  }
  c->creq.data = c;
  return uv_tcp_connect(&c->creq, &c->tcp, addr, on_connect);
}

static void on_write(uv_write_t *r, int status) {
  wreq *w = (wreq *)r;
  dt__conn *c = w->c;
  free(w);
  if (status < 0 && status != UV_ECANCELED && !c->closing) {
    char msg[160];
    snprintf(msg, sizeof msg, "write failed: %s", uv_strerror(status));
    eof_up(c, DT_ESEND, msg);
  }
}

static int tls_send(void *ud, const unsigned char *buf, size_t len) {
  dt__conn *c = ud;
  if (c->closing)
    return -1;
  wreq *w = malloc(sizeof *w + len);
  if (!w)
    return -1;
  memcpy(w->data, buf, len);
  w->c = c;
  w->len = len;
  uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write)) {
    free(w);
    return -1;
  }
  return (int)len;
}

int dt__conn_tls_start(dt__conn *c, const char *host, const char *skey,
                       char *msg, size_t cap) {
  dt__tls_ctx *t = dt__ctx_tls(c->ctx);
  if (!t) {
    snprintf(msg, cap, "%s", c->ctx->tls_err);
    return DT_ETLS;
  }
  c->has_tls = 1;
  int rc = dt__tls_init(&c->tls, t, host, skey, tls_send, c);
  if (rc) {
    snprintf(msg, cap, "TLS setup failed for %s", host);
    return rc;
  }
  /* first flight: ClientHello goes out through the send BIO */
  rc = dt__tls_handshake(&c->tls, msg, cap);
  return rc < 0 ? rc : 0;
}

int dt__conn_write(dt__conn *c, const char *data, size_t len, char *msg,
                   size_t cap) {
  if (c->closing || c->dead) {
    snprintf(msg, cap, "connection already closed");
    return DT_ESEND;
  }
  dt__ctx_trace(c->ctx, '>', data, len);
  if (c->has_tls)
    return dt__tls_write(&c->tls, data, len, msg, cap);
  if (tls_send(c, (const unsigned char *)data, len) < 0) {
    snprintf(msg, cap, "write failed");
    return DT_ESEND;
  }
  return 0;
}

/* ---- pool ---------------------------------------------------------------- */

static void on_idle_timeout(uv_timer_t *t) {
  dt__conn *c = t->data;
  dt__ctx_tracef(c->ctx, "* closing idle connection #%llu to %s",
                 (unsigned long long)c->id, c->remote);
  dt__conn_close(c);
}

dt__conn *dt__pool_take(dt_ctx *ctx, const char *key) {
  for (dt__conn *c = ctx->pool; c; c = c->pool_next) {
    if (!c->dead && strcmp(c->key, key) == 0) {
      remove_from_pool(c);
      return c;
    }
  }
  return NULL;
}

void dt__pool_put(dt__conn *c) {
  dt_ctx *ctx = c->ctx;
  memset(&c->owner, 0, sizeof c->owner);
  if (c->dead || c->closing || ctx->closing) {
    dt__conn_close(c);
    return;
  }
  uint32_t n = 0;
  for (dt__conn *o = ctx->pool; o; o = o->pool_next)
    if (strcmp(o->key, c->key) == 0)
      n++;
  if (n >= ctx->limits.pool_idle_per_origin) {
    dt__conn_close(c);
    return;
  }
  c->in_pool = 1;
  c->pool_next = ctx->pool;
  ctx->pool = c;
  if (ctx->limits.pool_idle_ms)
    uv_timer_start(&c->idle_timer, on_idle_timeout, ctx->limits.pool_idle_ms,
                   0);
}

void dt__pool_close_all(dt_ctx *ctx) {
  while (ctx->pool)
    dt__conn_close(ctx->pool);
}
