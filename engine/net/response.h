/* response.h — a response arriving into its hop, whatever the protocol
 * (internal): HTTP/1.1's parser (http1.c) and HTTP/2's streams (http2.c)
 * both hand it the final head's fields, then body bytes. It holds the
 * limits (header bytes and count, bytes kept), runs the head hook where the
 * navigation decides about the body, and keeps the body or streams it to a
 * sink. Errors are sticky: after one, every call returns it. */
#ifndef DT_NET_RESPONSE_H
#define DT_NET_RESPONSE_H

#include "detour.h"
#include "engine/chain.h"
#include "engine/net/coding.h"
#include "hsts/base/buf.h"

/* Where a final response's body goes once its head is in: with no sink it
 * is kept in the hop (bounded by max_body_bytes); a sink gets every byte.
 * A sink returns 0, or a negative DT_E* that ends the response. */
typedef int (*dt__resp_sink)(void *ud, const char *data, size_t len);
/* Called once the final head is in the hop, before any body byte. 0, or a
 * negative DT_E* to stop. */
typedef int (*dt__resp_head_cb)(void *ud);

typedef struct dt__resp {
  dt_chain *chain;
  dt_hop *hop;
  const dt_limits *lim;
  size_t head_bytes; /* the final head's bytes, counted against the limit */
  size_t nfields;
  dt__resp_head_cb on_head;
  void *head_ud;
  dt__buf body; /* kept bytes */
  dt__resp_sink sink;
  void *sink_ud;
  int sink_keep;    /* keep the body as well (progress only) */
  dt__decoder *dec; /* the body's content codings, undone as it streams */
  int err;          /* 0, or the sticky error */
  char msg[256];
} dt__resp;

void dt__resp_init(dt__resp *r, dt_chain *chain, dt_hop *hop,
                   const dt_limits *lim);
void dt__resp_free(dt__resp *r);
/* Forgets the head so far (an interim response, or a retry). */
void dt__resp_reset_head(dt__resp *r);
/* Counts N bytes of head wire against the limit. 0 or the error. */
int dt__resp_count(dt__resp *r, size_t n);
/* One field of the final head (counted and checked). 0 or the error. */
int dt__resp_field(dt__resp *r, const char *name, size_t nlen,
                   const char *value, size_t vlen);
/* The final head is whole: the protocol's name (VERSION: "HTTP/1.1",
 * "HTTP/2"; static), status and reason go to the hop, the head hook runs. 0
 * or the error. */
int dt__resp_head(dt__resp *r, const char *version, int status,
                  const char *reason, size_t rlen);
/* Body bytes: counted, then streamed or kept. 0 or the error. */
int dt__resp_body(dt__resp *r, const char *data, size_t len);
/* The body kept so far goes into the hop (at the end, or when cut). 0 or
 * DT_ENOMEM. */
int dt__resp_keep(dt__resp *r);
void dt__resp_on_head(dt__resp *r, dt__resp_head_cb cb, void *ud);
/* Undoes LIST (coding.h) on the body from now on; the hop counts decoded
 * and wire bytes. Without a sink, a decoded body past max_body_bytes stops
 * with DT_ELIMIT_BODY_BYTES (a small body can expand without end). 0 or
 * DT_ENOMEM. */
int dt__resp_set_decoding(dt__resp *r, const dt__coding *list, int n);
/* The message ended whole: a decoder must have reached its streams' ends.
 * 0, or the error (DT_EDECODE). */
int dt__resp_end(dt__resp *r);
void dt__resp_set_sink(dt__resp *r, dt__resp_sink sink, void *ud, int keep);
/* Records ERR with a printf-style message (first error wins); returns -1. */
int dt__resp_fail(dt__resp *r, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
