/* tcp.c — see tcp.h. */
#include "engine/net/tcp.h"

#include "detour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wreq {
  uv_write_t req;
  dt__tcp *t;
  char data[];
} wreq;

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  dt__tcp *t = h->data;
  (void)hint;
  buf->base = t->rbuf;
  buf->len = t->rbuf_len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  dt__tcp *t = s->data;
  if (t->closing || nread == 0) return;
  if (nread < 0) {
    uv_read_stop(s);
    if (nread == UV_EOF) {
      t->base.on_eof(&t->base, 0, "peer closed the connection");
    } else {
      char msg[160];
      snprintf(msg, sizeof msg, "read failed: %s (%s)", uv_strerror((int)nread),
               uv_err_name((int)nread));
      t->base.on_eof(&t->base, DT_ECONNRESET, msg);
    }
    return;
  }
  t->base.on_read(&t->base, buf->base, (size_t)nread);
}

static void on_written(uv_write_t *r, int status) {
  wreq *w = (wreq *)r;
  dt__tcp *t = w->t;
  free(w);
  if (status < 0 && status != UV_ECANCELED && !t->closing) {
    char msg[160];
    snprintf(msg, sizeof msg, "write failed: %s (%s)", uv_strerror(status),
             uv_err_name(status));
    t->base.on_eof(&t->base, DT_ESEND, msg);
  }
}

static int tcp_write(dt__transport *base, const char *data, size_t len) {
  dt__tcp *t = (dt__tcp *)base;
  if (t->closing) return DT_ESEND;
  wreq *w = malloc(sizeof *w + len);
  if (!w) return DT_ENOMEM;
  memcpy(w->data, data, len);
  w->t = t;
  uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&t->handle, &b, 1, on_written)) {
    free(w);
    return DT_ESEND;
  }
  return 0;
}

static void on_handle_closed(uv_handle_t *h) {
  dt__tcp *t = h->data;
  if (t->base.on_closed) t->base.on_closed(&t->base);
  free(t);
}

static void tcp_close(dt__transport *base) {
  dt__tcp *t = (dt__tcp *)base;
  if (t->closing) return;
  t->closing = 1;
  uv_close((uv_handle_t *)&t->handle, on_handle_closed);
}

static void tcp_set_ref(dt__transport *base, int ref) {
  dt__tcp *t = (dt__tcp *)base;
  if (t->closing) return;
  if (ref)
    uv_ref((uv_handle_t *)&t->handle);
  else
    uv_unref((uv_handle_t *)&t->handle);
}

static const dt__transport_vt tcp_vt = {"tcp", tcp_write, tcp_close,
                                        tcp_set_ref};

int dt__tcp_new(uv_loop_t *loop, char *rbuf, size_t rbuf_len, dt__tcp **out) {
  *out = NULL;
  dt__tcp *t = calloc(1, sizeof *t);
  if (!t) return DT_ENOMEM;
  if (uv_tcp_init(loop, &t->handle)) {
    free(t);
    return DT_ECONNECT;
  }
  t->base.vt = &tcp_vt;
  t->handle.data = t;
  t->rbuf = rbuf;
  t->rbuf_len = rbuf_len;
  *out = t;
  return 0;
}

static void on_connect(uv_connect_t *req, int status) {
  dt__tcp *t = req->data;
  if (t->closing) return; /* abandoned (timeout): UV_ECANCELED */
  if (status == 0) {
    uv_tcp_nodelay(&t->handle, 1);
    status = uv_read_start((uv_stream_t *)&t->handle, on_alloc, on_read);
  }
  t->connect_cb(t, status, t->connect_ud);
}

int dt__tcp_connect(dt__tcp *t, const struct sockaddr *addr,
                    dt__tcp_connect_cb cb, void *ud) {
  char ip[48] = "?"; /* INET6_ADDRSTRLEN: "[ip]:port" fits remote[64] */
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
    uv_ip6_name(a, ip, sizeof ip);
    snprintf(t->remote, sizeof t->remote, "[%s]:%d", ip, ntohs(a->sin6_port));
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
    uv_ip4_name(a, ip, sizeof ip);
    snprintf(t->remote, sizeof t->remote, "%s:%d", ip, ntohs(a->sin_port));
  }
  t->connect_cb = cb;
  t->connect_ud = ud;
  t->creq.data = t;
  return uv_tcp_connect(&t->creq, &t->handle, addr, on_connect);
}
