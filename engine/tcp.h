/* tcp.h — a dt__transport over a libuv TCP handle (internal). One read
 * buffer per connection; writes are copied and queued with uv_write. */
#ifndef DT_ENGINE_TCP_H
#define DT_ENGINE_TCP_H

#include "engine/transport.h"

#include <uv.h>

#define DT__TCP_READ_BUF 16384

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
  char rbuf[DT__TCP_READ_BUF];
};

/* Allocates and initialises (freed after on_closed). 0 or DT_E*. */
int dt__tcp_new(uv_loop_t *loop, dt__tcp **out);
/* Starts connecting; cb reports the uv status (also on failure to start). */
int dt__tcp_connect(dt__tcp *t, const struct sockaddr *addr,
                    dt__tcp_connect_cb cb, void *ud);

#endif
