/* conn.c — connections and the per-origin idle pool. See conn.h.
 * The connection owns a wire (dt__transport: TCP, or memory in tests) and,
 * for https, a TLS session over it; http1 bytes go to the owner. */
#include "engine/net/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pending_done(dt__conn *c);

/* ---- the pool's lists -----------------------------------------------------
 * A pooled connection is on the pool's list (most recently pooled first:
 * the tail is the first to go when the pool is full) and in its origin's
 * group (Chromium's word: the pool's connections for one key), which a
 * take or a put finds through a hash of the key and then looks at alone —
 * its own connections and count — however many origins the pool holds. A
 * group lives while it has a connection. */
struct dt__pool_group {
  dt__pool_group *next; /* in its bucket */
  uint32_t hash;
  uint32_t idle;   /* idle HTTP/1.1 connections in it */
  dt__conn *conns; /* idle HTTP/1.1 ones and HTTP/2 sessions, newest first */
  char key[DT__CONN_KEY_BYTES];
};

static uint32_t key_hash(const char *k) { /* FNV-1a, 32 bits */
  uint32_t h = 2166136261u;
  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 16777619u;
  return h;
}

static dt__pool_group *group_find(dt_ctx *ctx, const char *key, uint32_t h) {
  for (dt__pool_group *g = ctx->pool_index[h & (DT__POOL_BUCKETS - 1)]; g;
       g = g->next)
    if (g->hash == h && strcmp(g->key, key) == 0) return g;
  return NULL;
}

/* C's group, made when the origin has none; NULL when out of memory. */
static dt__pool_group *group_of(dt__conn *c) {
  dt_ctx *ctx = c->ctx;
  uint32_t h = key_hash(c->key);
  dt__pool_group *g = group_find(ctx, c->key, h);
  if (g) return g;
  g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->hash = h;
  memcpy(g->key, c->key, sizeof g->key);
  dt__pool_group **b = &ctx->pool_index[h & (DT__POOL_BUCKETS - 1)];
  g->next = *b;
  *b = g;
  return g;
}

static void pool_link(dt__conn *c, dt__pool_group *g) {
  dt_ctx *ctx = c->ctx;
  c->group = g;
  c->group_prev = NULL;
  c->group_next = g->conns;
  if (g->conns) g->conns->group_prev = c;
  g->conns = c;
  c->pool_prev = NULL;
  c->pool_next = ctx->pool;
  if (ctx->pool)
    ctx->pool->pool_prev = c;
  else
    ctx->pool_tail = c;
  ctx->pool = c;
  c->in_pool = 1;
  if (!c->h2) {
    g->idle++;
    ctx->pool_idle++;
  }
}

static void pool_unlink(dt__conn *c) {
  dt_ctx *ctx = c->ctx;
  dt__pool_group *g = c->group;
  if (c->group_prev)
    c->group_prev->group_next = c->group_next;
  else
    g->conns = c->group_next;
  if (c->group_next) c->group_next->group_prev = c->group_prev;
  if (c->pool_prev)
    c->pool_prev->pool_next = c->pool_next;
  else
    ctx->pool = c->pool_next;
  if (c->pool_next)
    c->pool_next->pool_prev = c->pool_prev;
  else
    ctx->pool_tail = c->pool_prev;
  if (!c->h2) {
    g->idle--;
    ctx->pool_idle--;
  }
  c->pool_next = c->pool_prev = c->group_next = c->group_prev = NULL;
  c->group = NULL;
  c->in_pool = 0;
  if (!g->conns) { /* the last one: the group goes */
    dt__pool_group **pp = &ctx->pool_index[g->hash & (DT__POOL_BUCKETS - 1)];
    while (*pp != g)
      pp = &(*pp)->next;
    *pp = g->next;
    free(g);
  }
}

static void conn_release(dt__conn *c) {
  if (--c->open_handles > 0) return;
  dt_ctx *ctx = c->ctx;
  dt__h2_free(c->h2);
  dt__tls_free(c->tls);
  free(c);
  dt__ctx_unref(ctx);
}

static void on_timer_closed(uv_handle_t *h) { conn_release(h->data); }
static void on_wire_closed(dt__transport *w) { conn_release(w->up); }

int dt__conn_new(dt_ctx *ctx, const char *key, dt__conn **out) {
  *out = NULL;
  ctx = dt__ctx_pool(ctx); /* a shared pool's connections are its owner's */
  dt__conn *c = calloc(1, sizeof *c);
  if (!c) return DT_ENOMEM;
  c->ctx = ctx;
  c->id = ++ctx->next_conn_id;
  snprintf(c->key, sizeof c->key, "%s", key);
  uv_timer_init(ctx->loop, &c->idle_timer);
  c->idle_timer.data = c;
  c->open_handles = 1;
  dt__ctx_ref(ctx);
  *out = c;
  return 0;
}

/* An idle pooled connection and its timer do not keep the loop alive
 * (libuv's uv_unref): an embedder's uv_run(UV_RUN_DEFAULT) returns as soon
 * as the work is done, and the next fetch takes the connection back. */
static void set_ref(dt__conn *c, int ref) {
  if (c->wire && c->wire->vt->set_ref) c->wire->vt->set_ref(c->wire, ref);
  if (ref)
    uv_ref((uv_handle_t *)&c->idle_timer);
  else
    uv_unref((uv_handle_t *)&c->idle_timer);
}

static void remove_from_pool(dt__conn *c) {
  if (!c->in_pool) return;
  set_ref(c, 1);
  pool_unlink(c);
  uv_timer_stop(&c->idle_timer);
}

void dt__conn_close(dt__conn *c) {
  if (!c || c->closing) return;
  remove_from_pool(c);
  c->closing = 1;
  c->dead = 1;
  /* the streams still open hear of it now; the session goes with the
   * connection's memory (conn_release) */
  if (c->h2) dt__h2_eof(c->h2, DT_ECONNRESET, "the connection was closed");
  pending_done(c); /* waiters make their own connections */
  memset(&c->owner, 0, sizeof c->owner);
  if (c->wire) c->wire->vt->close(c->wire);
  uv_close((uv_handle_t *)&c->idle_timer, on_timer_closed);
}

/* ---- waiting for a handshake that may give h2 ---------------------------- */

void dt__conn_may_h2(dt__conn *c) {
  if (c->pending || c->ctx->http_version == DT_HTTP_1_1) return;
  c->pending = 1;
  c->pending_next = c->ctx->pending;
  c->ctx->pending = c;
}

/* The handshake is over (or the connection is): off the list, and every
 * waiter told whether it may use the session. */
static void pending_done(dt__conn *c) {
  if (c->pending) {
    dt__conn **pp = &c->ctx->pending;
    while (*pp && *pp != c)
      pp = &(*pp)->pending_next;
    if (*pp) *pp = c->pending_next;
    c->pending = 0;
    c->pending_next = NULL;
  }
  dt__conn *h2 = c->h2 && !c->closing && dt__h2_usable(c->h2) ? c : NULL;
  while (c->waiters) {
    dt__conn_waiter *w = c->waiters;
    c->waiters = w->next;
    w->next = NULL;
    w->on = NULL;
    w->ready(w, h2);
  }
}

dt__conn *dt__pool_pending(dt_ctx *ctx, const char *key) {
  ctx = dt__ctx_pool(ctx);
  for (dt__conn *c = ctx->pending; c; c = c->pending_next)
    if (!c->closing && strcmp(c->key, key) == 0) return c;
  return NULL;
}

void dt__conn_wait(dt__conn *c, dt__conn_waiter *w) {
  w->on = c;
  w->next = c->waiters;
  c->waiters = w;
}

void dt__conn_unwait(dt__conn_waiter *w) {
  if (!w->on) return;
  for (dt__conn_waiter **pp = &w->on->waiters; *pp; pp = &(*pp)->next)
    if (*pp == w) {
      *pp = w->next;
      break;
    }
  w->on = NULL;
  w->next = NULL;
}

static void eof_up(dt__conn *c, int err, const char *msg) {
  c->dead = 1;
  if (c->h2) {
    dt__h2_eof(c->h2, err ? err : DT_ECONNRESET, msg);
    dt__conn_close(c);
    return;
  }
  if (c->owner.on_eof)
    c->owner.on_eof(c, err, msg);
  else
    dt__conn_close(c); /* idle in the pool: just go */
}

static void h2_settle(dt__conn *c);

static void deliver(dt__conn *c, const char *data, size_t len) {
  if (c->h2) {                     /* the session traces frames as text */
    dt__h2_feed(c->h2, data, len); /* a failure ends its streams */
    h2_settle(c);
    return;
  }
  dt__ctx_trace(c->ctx, '<', data, len);
  if (c->owner.on_data)
    c->owner.on_data(c, data, len);
  else
    dt__conn_close(c); /* bytes on an idle connection: unusable */
}

/* TLS record layer: decrypt everything in this chunk before returning (the
 * wire's read buffer is reused by the next read). */
static void tls_input(dt__conn *c, const char *data, size_t len) {
  char msg[256];
  dt__tls_feed(c->tls, data, len);
  if (!c->tls_done) {
    int rc = dt__tls_handshake(c->tls, msg, sizeof msg);
    if (rc == 1) return;
    if (rc == 0) {
      c->tls_done = 1;
      dt__tls_get_info(c->tls, &c->tls_info);
    }
    if (c->owner.on_tls) c->owner.on_tls(c, rc, msg);
    pending_done(c); /* the owner has started h2, or not */
    if (rc != 0 || c->closing) return;
  }
  char plain[DT__CONN_PLAIN_BUF];
  for (;;) {
    if (c->closing) return;
    int n = dt__tls_read(c->tls, plain, sizeof plain, msg, sizeof msg);
    if (n == 0) return;
    if (n == DT__TLS_EOF) {
      eof_up(c, 0, "peer sent TLS close_notify");
      return;
    }
    if (n < 0) {
      eof_up(c, n, msg);
      return;
    }
    deliver(c, plain, (size_t)n);
  }
}

static void wire_read(dt__transport *w, const char *data, size_t len) {
  dt__conn *c = w->up;
  if (c->closing) return;
  if (c->has_tls)
    tls_input(c, data, len);
  else
    deliver(c, data, len);
}

static void wire_eof(dt__transport *w, int err, const char *msg) {
  dt__conn *c = w->up;
  if (!c->closing) eof_up(c, err, msg);
}

void dt__conn_attach(dt__conn *c, dt__transport *wire, const char *remote) {
  c->wire = wire;
  wire->up = c;
  wire->on_read = wire_read;
  wire->on_eof = wire_eof;
  wire->on_closed = on_wire_closed;
  c->open_handles++;
  snprintf(c->remote, sizeof c->remote, "%s", remote ? remote : "-");
}

static void tcp_connected(dt__tcp *t, int status, void *ud) {
  dt__conn *c = ud;
  (void)t;
  if (c->closing) return;
  c->connected = status == 0;
  if (c->owner.on_connect) c->owner.on_connect(c, status);
}

int dt__conn_connect(dt__conn *c, const struct sockaddr *addr) {
  dt__tcp *t;
  char *rbuf = dt__ctx_rbuf(c->ctx);
  int rc = rbuf ? dt__tcp_new(c->ctx->loop, rbuf, DT__TCP_READ_BUF, &t) : 1;
  if (rc) return UV_ENOMEM;
  rc = dt__tcp_connect(t, addr, tcp_connected, c);
  dt__conn_attach(c, &t->base, t->remote);
  return rc;
}

static int tls_send(void *ud, const unsigned char *buf, size_t len) {
  dt__conn *c = ud;
  if (c->closing || !c->wire) return -1;
  return c->wire->vt->write(c->wire, (const char *)buf, len) ? -1 : (int)len;
}

int dt__conn_tls_start(dt__conn *c, const char *host, const char *skey,
                       char *msg, size_t cap) {
  dt__tls_ctx *t = dt__ctx_tls(c->ctx);
  if (!t) {
    snprintf(msg, cap, "%s", c->ctx->tls_err);
    return DT_ETLS;
  }
  c->has_tls = 1;
  int rc = dt__tls_new(&c->tls, t, host, skey, tls_send, c);
  if (rc) {
    snprintf(msg, cap, "TLS setup failed for %s", host);
    return rc;
  }
  /* first flight: ClientHello goes out through the send BIO */
  rc = dt__tls_handshake(c->tls, msg, cap);
  return rc < 0 ? rc : 0;
}

static int send_raw(dt__conn *c, const char *data, size_t len, char *msg,
                    size_t cap) {
  if (c->closing || c->dead || !c->wire) {
    snprintf(msg, cap, "connection already closed");
    return DT_ESEND;
  }
  if (c->has_tls) return dt__tls_write(c->tls, data, len, msg, cap);
  int rc = c->wire->vt->write(c->wire, data, len);
  if (rc) snprintf(msg, cap, "write of %zu bytes failed", len);
  return rc;
}

int dt__conn_write(dt__conn *c, const char *data, size_t len, char *msg,
                   size_t cap) {
  if (!c->closing && !c->dead) dt__ctx_trace(c->ctx, '>', data, len);
  return send_raw(c, data, len, msg, cap);
}

/* ---- HTTP/2 ---------------------------------------------------------------
 */

static int h2_send(void *ud, const char *data, size_t len) {
  char msg[128];
  return send_raw(ud, data, len, msg, sizeof msg);
}

static void h2_trace(void *ud, char dir, const char *text, size_t len) {
  dt__conn *c = ud;
  dt__ctx_trace(c->ctx, dir, text, len);
}

static void on_idle_timeout(uv_timer_t *t);

/* After anything that opens or ends streams: a session that is over goes,
 * one without streams parks (does not hold the loop; the idle timer runs),
 * one with streams holds the loop. */
static void h2_settle(dt__conn *c) {
  if (c->closing) return;
  if (dt__h2_over(c->h2) ||
      (!dt__h2_usable(c->h2) && !dt__h2_open_streams(c->h2))) {
    dt__conn_close(c);
    return;
  }
  int idle = dt__h2_open_streams(c->h2) == 0;
  if (idle == c->h2_parked) return;
  c->h2_parked = idle;
  set_ref(c, !idle);
  if (!idle)
    uv_timer_stop(&c->idle_timer);
  else if (c->ctx->limits.pool_idle_ms)
    uv_timer_start(&c->idle_timer, on_idle_timeout, c->ctx->limits.pool_idle_ms,
                   0);
}

int dt__conn_h2_start(dt__conn *c, const dt__h2_shape *shape, char *msg,
                      size_t cap) {
  int rc = dt__h2_new(&c->h2, shape, &c->ctx->limits, h2_send,
                      c->ctx->trace ? h2_trace : NULL, c);
  if (rc) {
    snprintf(msg, cap, "out of memory starting HTTP/2");
    return rc;
  }
  memset(&c->owner, 0, sizeof c->owner);
  /* shared from now on: in the pool while in use */
  dt__pool_group *g = group_of(c);
  if (!g) {
    snprintf(msg, cap, "out of memory starting HTTP/2");
    return DT_ENOMEM;
  }
  pool_link(c, g);
  return 0;
}

int dt__conn_h2_submit(dt__conn *c, dt_chain *chain, const dt__h2_request *rq,
                       dt__resp *resp, const dt__h2_owner *owner, int32_t *sid,
                       char *msg, size_t cap) {
  int rc = dt__h2_submit(c->h2, chain, rq, resp, owner, sid, msg, cap);
  if (rc) return rc;
  h2_settle(c);
  if (dt__h2_flush(c->h2)) dt__conn_close(c); /* ends the stream too */
  return 0;
}

void dt__conn_h2_cancel(dt__conn *c, int32_t sid) {
  if (c->closing) return;
  dt__h2_cancel(c->h2, sid);
  h2_settle(c);
}

/* ---- pool ---------------------------------------------------------------- */

static void on_idle_timeout(uv_timer_t *t) {
  dt__conn *c = t->data;
  dt__ctx_tracef(c->ctx, "closing idle connection #%llu to %s",
                 (unsigned long long)c->id, c->remote);
  dt__conn_close(c);
}

dt__conn *dt__pool_take_h2(dt_ctx *ctx, const char *key) {
  ctx = dt__ctx_pool(ctx);
  dt__pool_group *g = group_find(ctx, key, key_hash(key));
  for (dt__conn *c = g ? g->conns : NULL; c; c = c->group_next)
    if (c->h2 && !c->dead && dt__h2_usable(c->h2)) return c;
  return NULL;
}

dt__conn *dt__pool_take(dt_ctx *ctx, const char *key) {
  ctx = dt__ctx_pool(ctx);
  dt__pool_group *g = group_find(ctx, key, key_hash(key));
  for (dt__conn *c = g ? g->conns : NULL; c; c = c->group_next) {
    if (!c->h2 && !c->dead) {
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
  if (ctx->limits.pool_idle_per_origin == 0 || ctx->limits.pool_idle_max == 0) {
    dt__conn_close(c);
    return;
  }
  dt__pool_group *g = group_find(ctx, c->key, key_hash(c->key));
  if (g && g->idle >= ctx->limits.pool_idle_per_origin) {
    dt__conn_close(c);
    return;
  }
  /* A full pool makes room by closing its least recently pooled idle
   * connection, as Chromium's socket pool closes an idle socket first
   * (client_socket_pool_base.cc, CloseOneIdleSocket). HTTP/2 sessions are
   * not counted: one an origin, each closed by its own idle timer. */
  while (ctx->pool_idle >= ctx->limits.pool_idle_max) {
    dt__conn *old = ctx->pool_tail;
    while (old && old->h2)
      old = old->pool_prev;
    if (!old) break;
    dt__ctx_tracef(ctx, "pool full (%u idle): closing connection #%llu to %s",
                   (unsigned)ctx->pool_idle, (unsigned long long)old->id,
                   old->remote);
    dt__conn_close(old); /* may free its group: G is looked up again */
  }
  g = group_of(c);
  if (!g) {
    dt__conn_close(c);
    return;
  }
  pool_link(c, g);
  set_ref(c, 0);
  if (ctx->limits.pool_idle_ms)
    uv_timer_start(&c->idle_timer, on_idle_timeout, ctx->limits.pool_idle_ms,
                   0);
}

void dt__pool_close_all(dt_ctx *ctx) {
  while (ctx->pool)
    dt__conn_close(ctx->pool);
}
