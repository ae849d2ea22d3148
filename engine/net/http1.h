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
#include "engine/net/request.h"
#include "engine/net/response.h"
#include "hsts/base/buf.h"

#include <llhttp.h>

/* Parser states, in order. */
typedef enum dt__http1_state {
  DT__H1_HEAD = 0, /* before or inside the status line and header fields */
  DT__H1_BODY,     /* final head committed to the hop; body bytes flowing */
  DT__H1_DONE,     /* message complete: hop filled */
  DT__H1_ERROR     /* err/msg set; parser is dead */
} dt__http1_state;

typedef struct dt__http1 {
  llhttp_t parser;
  llhttp_settings_t settings;
  dt__resp *resp; /* where the final response goes (response.h) */
  int is_head;    /* request was HEAD: no body whatever the headers */
  dt__http1_state state;
  int err; /* DT_E* when state == DT__H1_ERROR */
  char msg[256];
  size_t got_bytes; /* every byte fed, 1xx included */
  /* the current head: "name\0value\0" pairs; llhttp may split any token */
  dt__buf head;
  size_t nfields;
  dt__buf status_text; /* reason phrase of the current head */
  int keep_alive;      /* valid in DT__H1_DONE */
  int skipped_1xx;     /* informational heads skipped */
} dt__http1;

/* Starts a parser for the response to one request, filling RESP (which
 * holds the hop, the limits, the head hook and the body's destination).
 * is_head: the request method was HEAD. */
void dt__http1_init(dt__http1 *p, dt__resp *resp, int is_head);
/* Feeds LEN bytes. Returns 0 (need more), 1 (response complete; *used says
 * how many bytes belonged to it — the rest is not ours), or a negative
 * DT_E* (p->msg says why). */
int dt__http1_feed(dt__http1 *p, const char *data, size_t len, size_t *used);
/* The peer closed. Returns 1 if that completed the response (close-delimited
 * body), else a negative DT_E*: DT_ETRUNCATED mid-head or mid-body (p->msg
 * says how many bytes of how many). The hop keeps what arrived. */
int dt__http1_eof(dt__http1 *p);
/* Releases the parser's temporary buffers (the hop keeps its own copies). */
void dt__http1_free(dt__http1 *p);

/* Builds the request head + body into one new buffer (*out, *out_len;
 * free()). Header order: Host, User-Agent, Accept, caller headers (a caller
 * header named like a default replaces it, in the default's place),
 * Content-Length when a body is present or the method is POST/PUT. The
 * fields sent are recorded in the hop (req_headers). Returns 0 or DT_ENOMEM
 * / DT_EINVAL (CR/LF/NUL in a name or value). */
/* The same from fields already built and checked (request.h): HOST is the
 * URL's host[:port], used unless the fields carry the caller's Host. */
int dt__http1_write_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const dt__req_fields *fields, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len);
int dt__http1_build_request(dt_chain *chain, dt_hop *hop, const char *method,
                            const char *target, const char *host,
                            const char *user_agent, const dt_header *headers,
                            size_t header_count, const uint8_t *body,
                            size_t body_len, char **out, size_t *out_len);

#endif
