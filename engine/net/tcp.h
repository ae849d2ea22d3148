/* tcp.h — a dt__transport over a libuv TCP handle (internal). Reads land in
 * a buffer the caller provides and may share between connections of one
 * loop: libuv calls alloc and read back to back per stream, and every
 * upper layer consumes the bytes before on_read returns (TLS decrypts them
 * at once), so one buffer per loop serves all connections (libuv's
 * uv_alloc_cb documentation suggests it) — 16 KiB less per connection.
 * Writes are copied and queued with uv_write. */
#ifndef DT_ENGINE_TCP_H
#define DT_ENGINE_TCP_H

#include "engine/net/transport.h"

#include <uv.h>

#define DT__TCP_READ_BUF 65536 /* the shared read buffer's size */

typedef struct dt__tcp dt__tcp;
/* uv status of the connect (0 = connected, reading has started). */
typedef void (*dt__tcp_connect_cb)(dt__tcp *t, int status, void *ud);

struct dt__tcp {
  dt__transport base; /* first: a dt__tcp is a dt__transport */
  uv_tcp_t handle;
  uv_connect_t creq;
  dt__tcp_connect_cb connect_cb;
  void *connect_ud;
  int closing;
  char remote[64]; /* "127.0.0.1:80" / "[::1]:80" */
  char *rbuf;      /* shared; see above */
  size_t rbuf_len;
};

/* Allocates and initialises (freed after on_closed); reads go to RBUF
 * (RBUF_LEN bytes), which must outlive the transport. 0 or DT_E*. */
int dt__tcp_new(uv_loop_t *loop, char *rbuf, size_t rbuf_len, dt__tcp **out);
/* Starts connecting; cb reports the uv status (also on failure to start). */
int dt__tcp_connect(dt__tcp *t, const struct sockaddr *addr,
                    dt__tcp_connect_cb cb, void *ud);

#endif
