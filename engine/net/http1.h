/* http1.h — HTTP/1.1 on the wire (internal): request bytes out, llhttp in.
 *
 * Pure: no I/O, no loop. The connection feeds whatever bytes arrived (any
 * split) and the parser fills a dt_hop in place; the tests feed byte
 * strings split at every boundary (tests/unit/test_http1.c).
 *
 * Bounded: the head is held only up to limits.max_header_bytes and
 * max_header_count; the body is kept up to max_body_bytes and counted
 * beyond that (never an error). */
#ifndef DT_ENGINE_HTTP1_H
#define DT_ENGINE_HTTP1_H

#include "detour.h"
#include "engine/chain.h"
#include "hsts/base/buf.h"

#include <llhttp.h>

/* Parser states, in order. */
typedef enum dt__http1_state {
  DT__H1_HEAD = 0, /* before or inside the status line and header fields */
  DT__H1_BODY,     /* final head committed to the hop; body bytes flowing */
  DT__H1_DONE,     /* message complete: hop filled */
  DT__H1_ERROR     /* err/msg set; parser is dead */
} dt__http1_state;

/* Where a final response's body goes once its head is in: NULL keeps it in
 * the hop (bounded by max_body_bytes); a sink gets every byte and nothing
 * is kept. A sink returns 0, or a negative DT_E* that ends the parse with
 * that error. */
typedef int (*dt__http1_sink)(void *ud, const char *data, size_t len);
/* Called once the final head is in the hop, before any body byte: the
 * navigation decides there whether the body is streamed (it may call
 * dt__http1_set_sink). Returns 0, or a negative DT_E* to stop. */
typedef int (*dt__http1_head_cb)(void *ud);

typedef struct dt__http1 {
  llhttp_t parser;
  llhttp_settings_t settings;
  dt_chain *chain;
  dt_hop *hop;
  const dt_limits *lim;
  int is_head; /* request was HEAD: no body whatever the headers */
  dt__http1_state state;
  int err; /* DT_E* when state == DT__H1_ERROR */
  char msg[256];
  size_t got_bytes; /* every byte fed, 1xx included */
  /* head accumulation: "name\0value\0" pairs; llhttp may split any token */
  dt__buf head;
  size_t head_bytes; /* wire bytes of the current head (approximate:
                        token bytes + separators) */
  size_t nfields;
  dt__buf status_text; /* reason phrase of the current head */
  dt__http1_head_cb on_head;
  void *head_ud;
  /* body */
  dt__buf body; /* kept bytes, bounded by lim->max_body_bytes */
  dt__http1_sink sink;
  void *sink_ud;
  int sink_keep;   /* keep the body as well (progress only) */
  int keep_alive;  /* valid in DT__H1_DONE */
  int skipped_1xx; /* informational heads skipped */
} dt__http1;

/* Starts a parser for the response to one request; hop is filled in place
 * (chain-owned strings). is_head: the request method was HEAD. */
void dt__http1_init(dt__http1 *p, dt_chain *chain, dt_hop *hop,
                    const dt_limits *lim, int is_head);
/* Feeds LEN bytes. Returns 0 (need more), 1 (response complete; *used says
 * how many bytes belonged to it — the rest is not ours), or a negative
 * DT_E* (p->msg says why). */
int dt__http1_feed(dt__http1 *p, const char *data, size_t len, size_t *used);
/* The peer closed. Returns 1 if that completed the response (close-delimited
 * body), else a negative DT_E*: DT_ETRUNCATED mid-head or mid-body (p->msg
 * says how many bytes of how many). The hop keeps what arrived. */
int dt__http1_eof(dt__http1 *p);
/* The head hook (see dt__http1_head_cb); set before feeding. */
void dt__http1_on_head(dt__http1 *p, dt__http1_head_cb cb, void *ud);
/* Streams the body to SINK (from the head hook, or before); with KEEP it
 * is also kept, bounded as without a sink. */
void dt__http1_set_sink(dt__http1 *p, dt__http1_sink sink, void *ud, int keep);
/* Releases the parser's temporary buffers (the hop keeps its own copies). */
void dt__http1_free(dt__http1 *p);

/* Builds the request head + body into one new buffer (*out, *out_len;
 * free()). Header order: Host, User-Agent, Accept, caller headers (a caller
 * header named like a default replaces it, in the default's place),
 * Content-Length when a body is present or the method is POST/PUT. The
 * fields sent are recorded in the hop (req_headers). Returns 0 or DT_ENOMEM
 * / DT_EINVAL (CR/LF/NUL in a name or value). */
int dt__http1_build_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const char *user_agent, const dt_header *headers,
                            size_t header_count, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len);

#endif
