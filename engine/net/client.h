/* client.h — one request on a pooled connection → one hop (internal).
 *
 * The navigation layer (redirect loop) creates a hop in its chain and calls
 * dt__client_send(); the client fills that hop in place (request as sent,
 * response head, bounded body, connection facts, timings) and calls cb
 * from the loop — never from inside dt__client_send(). On failure the error
 * is recorded on the chain with dt__chain_set_error() (first error wins)
 * and also passed to cb; the hop keeps whatever arrived. */
#ifndef DT_ENGINE_CLIENT_H
#define DT_ENGINE_CLIENT_H

#include "detour.h"
#include "engine/nav/chain.h"

typedef void (*dt__client_cb)(dt_chain *chain, dt_hop *hop, int err,
                              void *user_data);

/* Per-call knobs; NULL means defaults. */
typedef struct dt__client_opts {
  int no_reuse;             /* 1: never take a pooled connection */
  uint32_t total_timeout_ms;/* 0: limits.total_timeout_ms of the ctx */
  int hsts_host;            /* 1: a Known HSTS Host — a certificate that
                               did not verify is fatal even with
                               --insecure (RFC 6797 §8.4, §12.1) */
} dt__client_opts;

/* Sends METHOD (NULL → GET) to URL (absolute http/https) with the caller's
 * headers and body (copied before return; nothing is kept after). Returns
 * 0 when started — cb then runs exactly once, from the loop — or DT_EINVAL /
 * DT_ENOMEM, in which case cb never runs. chain and hop must stay alive
 * until cb. */
int dt__client_send(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                    const char *method, const char *url,
                    const dt_header *headers, size_t header_count,
                    const uint8_t *body, size_t body_len,
                    const dt__client_opts *opts, dt__client_cb cb,
                    void *user_data);

#endif
