/* request.h — the fields a request carries, in the order they go on the
 * wire, whatever the protocol (internal): HTTP/1.1 writes them as lines
 * after Host (http1.c), HTTP/2 after its pseudo-header fields (http2.c).
 * The defaults come in a browser's order, a caller's field of the same name
 * takes the default's place (curl -H), and a value that could split the
 * request (CR, LF) is refused here, once. */
#ifndef DT_NET_REQUEST_H
#define DT_NET_REQUEST_H

#include "detour.h"

/* The caller's fields and a browser's own (engine/nav/identity.h). */
/* A request's own fields a caller may add (-H, dt_request.headers): a
 * request bound, apart from the response's header-count limit. */
#define DT__REQ_MAX_CALLER_FIELDS 100u
#define DT__REQ_MAX_FIELDS (DT__REQ_MAX_CALLER_FIELDS + 24)

typedef struct dt__req_fields {
  dt_header f[DT__REQ_MAX_FIELDS]; /* views of the caller's strings, or of
                                      store after dt__req_fields_own */
  size_t n;
  const char *host_name;  /* the caller's Host field (its spelling), or */
  const char *host_value; /* NULL: the URL's host goes there */
  char clen[24];          /* Content-Length's value, when sent */
  char *store;            /* the copies (dt__req_fields_own) */
} dt__req_fields;

/* The fields after Host for METHOD with a body of BODY_LEN bytes:
 * User-Agent (UA; NULL: detour's), Accept, the caller's HEADERS (Host,
 * Content-Length and the defaults' names taken out), Content-Length when a
 * body is sent or the method is POST/PUT (RFC 9110 §8.6). A caller's Host
 * is kept apart (host_name, host_value): HTTP/1.1 sends it first, HTTP/2
 * as :authority. 0, or DT_EINVAL
 * (a method or name that is not a token, a value or UA with CR or LF —
 * engine/net/wire.h; too many fields). */
int dt__req_fields_build(dt__req_fields *out, const char *method,
                         const char *ua, const dt_header *headers,
                         size_t header_count, size_t body_len);
/* The fields exactly as given (a browser identity made them, in its order):
 * checked as above, Host taken apart, nothing added. 0 or DT_EINVAL. */
int dt__req_fields_exact(dt__req_fields *out, const char *method,
                         const dt_header *headers, size_t header_count);
/* Copies every string the fields point to, so the caller's may go. 0 or
 * DT_ENOMEM. dt__req_fields_free releases the copies. */
int dt__req_fields_own(dt__req_fields *f);
void dt__req_fields_free(dt__req_fields *f);

#endif
