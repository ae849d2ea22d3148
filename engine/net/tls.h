/* tls.h — mbedTLS 2.28 client sessions over in-memory BIO (internal).
 *
 * Non-blocking by construction: the connection hands every ciphertext
 * chunk it read to dt__tls_feed(); mbedTLS's recv BIO reads from that chunk
 * and answers WANT_READ when it is empty, the send BIO hands ciphertext to
 * the connection's write function. WANT_READ/WANT_WRITE are the normal
 * path. One dt__tls_ctx per dt_ctx holds entropy, DRBG, CA chain, the
 * config and the per-origin sessions for resumption. */
#ifndef DT_ENGINE_TLS_H
#define DT_ENGINE_TLS_H

#include "detour.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define DT__TLS_MAX_SESSIONS 32

typedef struct dt__tls_session_slot {
  char key[DT_MAX_HOST_BYTES + 16]; /* "host:port" */
  mbedtls_ssl_session session;
  int used;
  uint64_t stamp;
} dt__tls_session_slot;

typedef struct dt__tls_ctx {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
  int insecure;
  unsigned refs; /* contexts using it (dt_ctx_options.share) */
  uint64_t stamp;
  dt__tls_session_slot sessions[DT__TLS_MAX_SESSIONS];
} dt__tls_ctx;

/* Loads the CA file once. Returns 0 or DT_ETLS with why in err. */
int dt__tls_ctx_init(dt__tls_ctx *t, const char *ca_file, int insecure,
                     char *err, size_t cap);
void dt__tls_ctx_free(dt__tls_ctx *t);

/* Ciphertext out: return len written (all of it) or a negative value. */
typedef int (*dt__tls_send_fn)(void *ud, const unsigned char *buf, size_t len);

typedef struct dt__tls {
  mbedtls_ssl_context ssl;
  dt__tls_ctx *tctx;
  const unsigned char *in;
  size_t in_len;
  dt__tls_send_fn send;
  void *ud;
  char key[DT_MAX_HOST_BYTES + 16];
  int resumed_offer; /* a cached session was offered */
  int resumed;       /* ... and the server resumed it */
  /* An IP-literal host: no SNI (RFC 6066 §3), and the name check is ours
   * against the certificate's iPAddress SANs (RFC 6125 §6.2.1), which
   * Mbed TLS 2.28 does not do. */
  unsigned char ip[16];
  size_t ip_len;        /* 0: a DNS name, checked by Mbed TLS */
  uint32_t extra_flags; /* MBEDTLS_X509_BADCERT_* found by our checks */
} dt__tls;

/* 1 when the X.509 v3 extensions EXT (DER, as Mbed TLS keeps them in
 * crt->v3_ext) hold a subjectAltName iPAddress equal to IP (4 or 16
 * bytes). Bounded on any bytes (fuzz/fuzz_tls_san.c). */
int dt__tls_san_has_ip(const unsigned char *ext, size_t ext_len,
                       const unsigned char *ip, size_t ip_len);

/* host: the URL's host (SNI + name check); key: the session cache key. */
int dt__tls_init(dt__tls *s, dt__tls_ctx *t, const char *host, const char *key,
                 dt__tls_send_fn send, void *ud);
void dt__tls_free(dt__tls *s);
/* Makes DATA the input the next calls read from. */
void dt__tls_feed(dt__tls *s, const char *data, size_t len);
/* Handshake step: 0 done, 1 wants more input, else negative DT_E*
 * (msg filled). On done, verification is checked (unless insecure). */
int dt__tls_handshake(dt__tls *s, char *msg, size_t cap);
/* Decrypts into buf: >0 bytes, 0 needs more input, DT__TLS_EOF on
 * close_notify, other negative DT_E* (msg filled). */
#define DT__TLS_EOF 1000000
int dt__tls_read(dt__tls *s, char *buf, size_t cap, char *msg, size_t mcap);
/* Encrypts all of data (the send BIO takes everything). 0 or DT_ESEND. */
int dt__tls_write(dt__tls *s, const char *data, size_t len, char *msg,
                  size_t cap);
/* 1 if verification ran and passed. */
int dt__tls_verified(const dt__tls *s);
/* 1 when the chain and name verified, whether or not --insecure relaxed
 * enforcement (a Known HSTS Host ignores --insecure). */
int dt__tls_chain_ok(const dt__tls *s);
/* Peer subject into buf ("" if none). */
void dt__tls_subject(const dt__tls *s, char *buf, size_t cap);
int dt__tls_resumed(const dt__tls *s);
/* 1 when the handshake resumed a session (no key exchange, no certificate
 * sent: verification results are the session's). */
int dt__tls_was_resumed(const dt__tls *s);

#endif
