/* http2.h — HTTP/2 on one connection (internal): a client session of
 * nghttp2, many requests multiplexed as streams (RFC 9113).
 *
 * Pure, like http1.h: no loop, no socket. The connection (conn.c) feeds the
 * bytes that arrived and sends what the session hands to its send function;
 * the fuzz target feeds a session any bytes (fuzz/fuzz_http2_session.c).
 *
 * A stream fills its hop through a dt__resp (response.h), so the limits,
 * the head hook and the body's destination are the same as on HTTP/1.1. Its
 * owner hears of every frame for it (the timers) and, exactly once, of its
 * end: complete, an error, or "not processed" (REFUSED_STREAM, or above a
 * GOAWAY's last stream), which a browser retries on a new connection
 * (RFC 9113 §8.7). */
#ifndef DT_NET_HTTP2_H
#define DT_NET_HTTP2_H

#include "detour.h"
#include "engine/chain.h"
#include "engine/net/request.h"
#include "engine/net/response.h"
#include "engine/profile.h"

#include <stdint.h>

typedef struct dt__h2 dt__h2;

/* Sends LEN bytes of the session's output; 0, or a negative DT_E*. */
typedef int (*dt__h2_send_fn)(void *ud, const char *data, size_t len);
/* A line for the wire trace: dir '>' sent, '<' received, '*' frames. */
typedef void (*dt__h2_trace_fn)(void *ud, char dir, const char *text,
                                size_t len);

typedef struct dt__h2_owner {
  /* a frame for the stream arrived (headers or data): first byte, idle */
  void (*on_activity)(void *ud);
  /* the stream ended: err 0 complete (the hop is filled), else a DT_E*
   * with MSG; UNPROCESSED 1 when the server did not process it */
  void (*on_done)(void *ud, int err, const char *msg, int unprocessed);
  void *ud;
} dt__h2_owner;

typedef struct dt__h2_request {
  const char *method;
  const char *scheme;    /* "https" */
  const char *authority; /* the URL's host[:port], or the caller's Host */
  const char *path;      /* the request target */
  const dt__req_fields *fields; /* request.h: sent lower-cased after the
                                   pseudo-header fields */
  const uint8_t *body;          /* copied */
  size_t body_len;
} dt__h2_request;

/* A session that sends SHAPE's SETTINGS and connection window (queued;
 * they go out with the first flush). LIM bounds what a response may hold.
 * 0, or DT_ENOMEM. */
int dt__h2_new(dt__h2 **out, const dt__h2_shape *shape, const dt_limits *lim,
               dt__h2_send_fn send, dt__h2_trace_fn trace, void *ud);
/* Frees the session; streams still open end with DT_ECANCELED first. */
void dt__h2_free(dt__h2 *s);
/* Sends what the session has queued (the SETTINGS, a new request). Asked
 * for from inside dt__h2_feed's callbacks, it waits for the feed's end. 0,
 * or the send's error (the session takes no more streams). */
int dt__h2_flush(dt__h2 *s);
/* Bytes from the server. 0, or a negative DT_E* when the session is over
 * (every open stream has ended with it; msg says why). */
int dt__h2_feed(dt__h2 *s, const char *data, size_t len);
/* The connection is gone: every open stream ends with ERR (DT_ECONNRESET
 * for a close) and MSG. The session takes no more streams. */
void dt__h2_eof(dt__h2 *s, int err, const char *msg);
/* Opens a stream for RQ filling RESP (whose hop gets the fields as sent,
 * pseudo-header fields first, in SHAPE's order). *SID is its id. 0, or
 * DT_EINVAL / DT_ENOMEM / DT_ESEND (no stream; msg). */
int dt__h2_submit(dt__h2 *s, dt_chain *chain, const dt__h2_request *rq,
                  dt__resp *resp, const dt__h2_owner *owner, int32_t *sid,
                  char *msg, size_t cap);
/* Ends stream SID with RST_STREAM(CANCEL); its owner hears nothing more. */
void dt__h2_cancel(dt__h2 *s, int32_t sid);
/* Asks the server to close the connection politely (GOAWAY NO_ERROR). */
void dt__h2_goaway(dt__h2 *s);
/* 1 when a new stream may be opened (no GOAWAY either way, not failed). */
int dt__h2_usable(const dt__h2 *s);
/* 1 when the session is over: nothing left to read or write. */
int dt__h2_over(const dt__h2 *s);
/* Streams of ours still open. */
size_t dt__h2_open_streams(const dt__h2 *s);
/* Why the session ended, or "". */
const char *dt__h2_error(const dt__h2 *s);

#endif
