/* transport.h — the one small vtable the byte streams share (internal).
 *
 * Layers stack tcp → tls → http1: the connection (conn.c) sits on a
 * dt__transport for its ciphertext/plaintext wire, so a test can put an
 * in-memory transport where the socket was (Mbed TLS's mock socket idea).
 *
 * Contract: write() copies and queues; partial I/O is the implementation's
 * business. Upcalls run from the loop: on_read with bytes (valid only
 * during the call), on_eof once (err 0 = peer closed, else DT_E* + msg),
 * on_closed exactly once after close(), when the transport's memory may be
 * released by its owner (it frees itself after on_closed returns). */
#ifndef DT_ENGINE_TRANSPORT_H
#define DT_ENGINE_TRANSPORT_H

#include <stddef.h>

typedef struct dt__transport dt__transport;

typedef struct dt__transport_vt {
  const char *name;
  /* Queues LEN bytes (copied). 0, or a negative DT_E* (nothing queued). */
  int (*write)(dt__transport *t, const char *data, size_t len);
  /* Stops I/O and releases; on_closed follows from the loop. Idempotent. */
  void (*close)(dt__transport *t);
  /* Whether the transport keeps the loop alive (libuv uv_ref/uv_unref): an
   * idle pooled connection does not, so uv_run returns once the work is
   * done. May be NULL for transports without loop handles. */
  void (*set_ref)(dt__transport *t, int ref);
} dt__transport_vt;

struct dt__transport {
  const dt__transport_vt *vt;
  void (*on_read)(dt__transport *t, const char *data, size_t len);
  void (*on_eof)(dt__transport *t, int err, const char *msg);
  void (*on_closed)(dt__transport *t);
  void *up; /* the layer above */
};

#endif
