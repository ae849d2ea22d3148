/* conn.h — one client connection (TCP, optionally TLS) and the per-origin
 * pool of idle ones (internal).
 *
 * A connection has one owner at a time (the request using it) or sits idle
 * in the pool, where it still reads so a peer close is noticed at once.
 * States: CONNECTING → (TLS) → READY ⇄ IDLE (pooled) → CLOSING → freed when
 * its handles are closed (the ctx's live count drops then).
 *
 * When ALPN picks h2 the connection becomes an HTTP/2 session (http2.h)
 * that every request to its origin shares: it stays in the pool while in
 * use (dt__pool_take_h2), its bytes go to the session rather than to one
 * owner, and it parks (no loop reference, the idle timer running) when no
 * stream is open, until a GOAWAY, a failure or the idle timeout. */
#ifndef DT_ENGINE_CONN_H
#define DT_ENGINE_CONN_H

#include "engine/ctx.h"
#include "engine/net/http2.h"
#include "engine/net/tcp.h"
#include "engine/net/tls.h"
#include "engine/net/transport.h"

#include <uv.h>

#define DT__CONN_PLAIN_BUF 16384 /* TLS plaintext, on the stack per read */
#define DT__CONN_KEY_BYTES (2 * DT_MAX_HOST_BYTES + 48)

typedef struct dt__conn dt__conn;
typedef struct dt__pool_group dt__pool_group; /* conn.c */

/* A request waiting for another request's connection to the same origin
 * to finish its handshake: if ALPN gives h2 it joins that session, as a
 * browser's second request does, rather than opening a connection of its
 * own (one connection per origin, RFC 9113 §9.1). */
typedef struct dt__conn_waiter {
  struct dt__conn_waiter *next;
  /* H2: the connection whose session to use, or NULL (no h2 there: make
   * your own). Called once, from the loop. */
  void (*ready)(struct dt__conn_waiter *w, dt__conn *h2);
  dt__conn *on; /* what it waits for; NULL once told */
} dt__conn_waiter;

/* Upcalls to the owner; err is a DT_E* with msg. */
typedef struct dt__conn_owner {
  void (*on_connect)(dt__conn *c, int uv_status);
  void (*on_tls)(dt__conn *c, int err, const char *msg);
  void (*on_data)(dt__conn *c, const char *data, size_t len);
  /* peer closed (err 0) or read/write failed (err < 0) */
  void (*on_eof)(dt__conn *c, int err, const char *msg);
  void *data;
} dt__conn_owner;

struct dt__conn {
  dt_ctx *ctx;
  uint64_t id;
  char key[DT__CONN_KEY_BYTES];
  char remote[64];       /* "127.0.0.1:8443" / "[::1]:8443" */
  dt__transport *wire;   /* tcp, or an in-memory transport in tests */
  uv_timer_t idle_timer; /* pool idle timeout */
  int open_handles;
  int closing;
  int connected;
  int in_pool;
  int dead;                          /* peer closed or failed: never reuse */
  uint64_t idle_since;               /* uv_now when pooled */
  dt__pool_group *group;             /* its origin's, while pooled */
  dt__conn *pool_next, *pool_prev;   /* the pool, most recent first */
  dt__conn *group_next, *group_prev; /* its group, most recent first */
  dt__conn_owner owner;              /* zeroed while pooled */
  int has_tls, tls_done;
  dt__tls *tls;
  dt__tls_info tls_info; /* what the handshake gave (tls.h) */
  dt__h2 *h2;            /* ALPN h2: the shared session; else NULL */
  int h2_parked;         /* h2 with no open stream: idle */
  int pending;           /* on ctx->pending: handshake with h2 offered */
  dt__conn *pending_next;
  dt__conn_waiter *waiters;
};

/* New connection object without a wire yet (counts as live in ctx). */
int dt__conn_new(dt_ctx *ctx, const char *key, dt__conn **out);
/* Makes a TCP transport and connects it to addr; owner.on_connect gets the
 * uv status. */
int dt__conn_connect(dt__conn *c, const struct sockaddr *addr);
/* Puts an already-connected transport under the connection (tests: an
 * in-memory pair where the socket was). The conn owns and closes it. */
void dt__conn_attach(dt__conn *c, dt__transport *wire, const char *remote);
/* Starts the TLS handshake (host: SNI + name check; skey: session key).
 * owner.on_tls reports the result. Returns 0 or DT_E* (msg). */
int dt__conn_tls_start(dt__conn *c, const char *host, const char *skey,
                       char *msg, size_t cap);
/* Sends plaintext (encrypted when TLS). Copies. 0 or DT_E* (msg). */
int dt__conn_write(dt__conn *c, const char *data, size_t len, char *msg,
                   size_t cap);
/* Closes (idempotent); freed when its handles are closed. */
void dt__conn_close(dt__conn *c);

/* HTTP/2 (after ALPN picked h2): the connection becomes a session shaped
 * by SHAPE and joins the pool as shared. 0 or DT_ENOMEM (msg). */
int dt__conn_h2_start(dt__conn *c, const dt__h2_shape *shape, char *msg,
                      size_t cap);
/* A new stream on the session (http2.h dt__h2_submit). The owner may hear
 * of its end before this returns (the connection failed sending it). */
int dt__conn_h2_submit(dt__conn *c, dt_chain *chain, const dt__h2_request *rq,
                       dt__resp *resp, const dt__h2_owner *owner, int32_t *sid,
                       char *msg, size_t cap);
/* Cancels stream SID (RST_STREAM); the connection stays for the others. */
void dt__conn_h2_cancel(dt__conn *c, int32_t sid);
/* A shared HTTP/2 connection for KEY that takes a new stream, or NULL. */
dt__conn *dt__pool_take_h2(dt_ctx *ctx, const char *key);
/* C (https, not yet connected) may become an HTTP/2 session: until its
 * handshake ends, other requests to its origin wait for it
 * (dt__pool_pending). Nothing when the context offers HTTP/1.1 only. */
void dt__conn_may_h2(dt__conn *c);
/* A connection for KEY on its way to a handshake that offers h2, or NULL. */
dt__conn *dt__pool_pending(dt_ctx *ctx, const char *key);
/* W waits for C's handshake (w->ready is called once); unwait takes it
 * back before that (nothing when already told). */
void dt__conn_wait(dt__conn *c, dt__conn_waiter *w);
void dt__conn_unwait(dt__conn_waiter *w);

/* Pool: take an idle connection for key (or NULL); put one back (closed
 * instead when the origin already keeps pool_idle_per_origin; when the
 * pool keeps pool_idle_max, its least recently pooled idle one closes to
 * make room); close all. */
dt__conn *dt__pool_take(dt_ctx *ctx, const char *key);
void dt__pool_put(dt__conn *c);
void dt__pool_close_all(dt_ctx *ctx);

#endif
