/* ctx.h — the engine context (the internal view of dt_ctx): what every
 * engine folder reads — the loop, limits, clock, trace, the connection pool
 * and TLS for net/, the profile, HSTS store and preload list for nav/. It
 * sits at engine/'s root because every layer below the API shares it, as
 * libuv's uv-common.h does. */
#ifndef DT_ENGINE_CTX_H
#define DT_ENGINE_CTX_H

#include "detour.h"
#include "engine/hsts/preload.h"
#include "engine/hsts/store.h"
#include "engine/net/overrides.h"
#include "engine/net/tcp.h"
#include "engine/net/tls.h"
#include "engine/profile.h"

#include <uv.h>

struct dt__conn;
struct dt_nav;
struct dt__fallback_list;
struct dt__redirect_cache;
struct dt__cookie_jar;
struct dt__save_batch;
struct dt__save_waiter;

#define DT__CTX_MAX_WARNINGS 4
#define DT__POOL_BUCKETS 256u /* a power of two */
#define DT__CTX_WARNING_BYTES 1200

struct dt_ctx {
  uv_loop_t *loop;
  dt_limits limits;
  dt_clock clock;
  int insecure;
  int http_version; /* dt_http_version: what ALPN offers */
  int identity;     /* dt_identity */
  int no_https_upgrades;
  unsigned https_upgrades_wait_ms;    /* 0: the profile's */
  struct dt__fallback_list *fallback; /* HTTPS-Upgrades fell back here */
  char *fallback_path;                /* its file, or NULL: memory only */
  struct dt__redirect_cache *rcache;  /* the redirect cache; NULL: off */
  char *rcache_path;                  /* its file, or NULL: memory only */
  struct dt__cookie_jar *jar;         /* the cookies; NULL: no_cookies */
  char *jar_path;                     /* persistent ones, or NULL */
  unsigned browser_version;
  char *accept_language;
  char *ca_file;
  char *user_agent;
  dt__overrides *ovr; /* --resolve, --connect-to; pool_owner's while
                       ovr_borrowed */
  int ovr_borrowed;
  dt_trace_cb trace;
  void *trace_ud;
  void *data;       /* the caller's slot */
  dt__tls_ctx *tls; /* made on the first https connection, or shared
                       (reference-counted) from options.share */
  char tls_err[256];
  int tls_failed;
  /* The pool (engine/net/conn.c): idle HTTP/1.1 connections and shared
   * HTTP/2 sessions, most recently pooled first (the tail goes first when
   * limits.pool_idle_max is reached), each also in its origin's group,
   * found by a hash of the key, so a take or put looks at one origin, not
   * at every pooled connection (a shared audit pool holds thousands). */
  struct dt__conn *pool;
  struct dt__conn *pool_tail;
  struct dt__pool_group *pool_index[DT__POOL_BUCKETS];
  uint32_t pool_idle;        /* idle HTTP/1.1 connections in the pool */
  struct dt__conn *pending;  /* in a TLS handshake that may give h2 */
  struct dt_ctx *pool_owner; /* options.share_pool: the context whose
                                routes (ovr) and, with pool_shared, pool
                                this one uses (counted in its live) */
  int pool_shared;
  uint64_t next_conn_id;
  uint64_t next_nav_id;
  size_t live;            /* open connections + requests in flight */
  struct dt_nav *navs;    /* navigations in flight (dt_ctx_close cancels) */
  uv_timer_t close_timer; /* closed by dt_ctx_close: cb always from loop */
  int closing;
  int close_timer_closed;
  void (*close_cb)(void *);
  void *close_ud;
  /* behaviour and HSTS */
  const dt__profile *profile;
  int hsts_off;
  dt_hsts_store *store;        /* always there; memory-only without a path */
  unsigned hsts_save_delay_ms; /* 0: save after each navigation */
  uv_timer_t save_timer; /* armed by the first unsaved change (unref'ed) */
  int save_timer_closed;
  /* Saves off the loop (engine/nav/user_data.c): the batch in flight, and
   * who waits for the next one (changes made while it runs). */
  struct dt__save_batch *saving;
  struct dt__save_waiter *save_next;
  int save_again, save_again_hsts;
  int nav_running;       /* navigations between start and callback */
  dt_preload *preload;   /* referenced; NULL: no list */
  int preload_stale_off; /* a stale list matches nothing */
  char *rbuf; /* every connection's reads (tcp.h), DT__TCP_READ_BUF bytes
                 made with the first connection: a context whose
                 connections live in another's pool never needs it */
  size_t nwarnings;
  char warnings[DT__CTX_MAX_WARNINGS][DT__CTX_WARNING_BYTES];
};

/* Records a set-up warning (dropped beyond DT__CTX_MAX_WARNINGS). */
void dt__ctx_warn(dt_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A navigation ended: save what is unsaved (off the loop), or arm the
 * delayed save of the HSTS store (hsts_save_delay_ms). */
void dt__ctx_hsts_settle(dt_ctx *ctx);
/* Before a navigation's callback: CB(UD) runs from the loop once what
 * changed until now is saved (the HSTS store too, unless its save is
 * delayed), so a crash after the callback loses nothing; 1, or 0 when
 * nothing was unsaved (CB is not called). The files are written off the
 * loop (engine/nav/user_data.h). */
int dt__ctx_save_then(dt_ctx *ctx, void (*cb)(void *), void *ud);

/* Trace helpers: no-ops without a trace callback. */
void dt__ctx_trace(dt_ctx *ctx, char dir, const char *data, size_t len);
void dt__ctx_tracef(dt_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The TLS context, created on first use; NULL with ctx->tls_err set. */
dt__tls_ctx *dt__ctx_tls(dt_ctx *ctx);
/* The context whose pool a navigation of CTX takes connections from and
 * makes them in: CTX, or its pool_owner (pool_shared) while that one is not
 * closing. */
dt_ctx *dt__ctx_pool(dt_ctx *ctx);
/* The read buffer every connection of CTX shares (DT__TCP_READ_BUF bytes),
 * made on first use; NULL when out of memory. */
char *dt__ctx_rbuf(dt_ctx *ctx);
/* Counts a live object; the close callback waits for the count to drop. */
void dt__ctx_ref(dt_ctx *ctx);
void dt__ctx_unref(dt_ctx *ctx);

#endif
