/* client.h — one request on a pooled connection → one hop (internal).
 *
 * The navigation layer creates a hop in its chain and calls
 * dt__client_send(); the client fills that hop in place (request as sent,
 * response head, body kept or streamed, connection facts, timings) and
 * calls cb from the loop — never from inside dt__client_send(). On failure
 * the error is recorded on the chain with dt__chain_set_error() (first
 * error wins) and also passed to cb; the hop keeps whatever arrived. */
#ifndef DT_NET_CLIENT_H
#define DT_NET_CLIENT_H

#include "detour.h"
#include "engine/chain.h"
#include "engine/net/response.h"

typedef struct dt__client dt__client;

typedef void (*dt__client_cb)(dt_chain *chain, dt_hop *hop, int err,
                              void *user_data);
/* The final response head is in HOP, no body byte yet: the caller decides
 * what to do with the body (dt__client_set_sink). 0, or a negative DT_E*
 * that ends the hop with that error. */
typedef int (*dt__client_head_cb)(dt__client *c, dt_hop *hop, void *user_data);

/* Per-call knobs; NULL means defaults. */
typedef struct dt__client_opts {
  int no_reuse;               /* 1: never take a pooled connection */
  uint32_t total_timeout_ms;  /* 0: limits.total_timeout_ms of the ctx */
  int hsts_host;              /* 1: a Known HSTS Host — a certificate that
                                 did not verify is fatal even with
                                 --insecure (RFC 6797 §8.4, §12.1) */
  dt__client_head_cb on_head; /* optional; gets the send's user_data */
  int soft_fail;              /* 1: an error stays the hop's (hop->error):
                                 the navigation may go on without it */
  int exact_fields;           /* 1: the headers are the request's fields,
                                 in order (a browser identity made them):
                                 nothing added but Host */
} dt__client_opts;

/* Sends METHOD (NULL → GET) to URL (absolute http/https) with the caller's
 * headers and body (copied before return; nothing is kept after). Returns
 * 0 when started — cb then runs exactly once, from the loop, and *out (may
 * be NULL) is the handle until then — or DT_EINVAL / DT_ENOMEM, in which
 * case cb never runs. chain and hop must stay alive until cb. */
int dt__client_send(dt_ctx *ctx, dt_chain *chain, dt_hop *hop,
                    const char *method, const char *url,
                    const dt_header *headers, size_t header_count,
                    const uint8_t *body, size_t body_len,
                    const dt__client_opts *opts, dt__client_cb cb,
                    void *user_data, dt__client **out);
/* Streams the body to SINK (from the head callback). With KEEP the body is
 * also kept in the hop, bounded as usual (progress without a body
 * callback). */
void dt__client_set_sink(dt__client *c, dt__resp_sink sink, void *ud, int keep);
/* Undoes the body's content codings (coding.h) from the head on (from the
 * head callback). 0 or DT_ENOMEM. */
int dt__client_set_decoding(dt__client *c, const dt__coding *list, int n);
/* From the head callback: the hop fails with ERR and this message (the
 * callback then returns ERR). Returns ERR. */
int dt__client_head_error(dt__client *c, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Restarts the hop's total timer at MS from now (0: none): an
 * HTTPS-Upgrades attempt's short budget ends once its head is in. */
void dt__client_set_total_timeout(dt__client *c, uint32_t ms);
/* Ends the hop now with ERR (e.g. DT_ECANCELED) and WHY for the message;
 * cb still runs once, from the loop. Nothing when the hop has ended. */
void dt__client_abort(dt__client *c, int err, const char *why);

#endif
