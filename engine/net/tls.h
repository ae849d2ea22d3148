/* tls.h — the TLS seam (internal): one interface, a backend per build
 * (tls_mbedtls.c or tls_openssl.c; CMake's DETOUR_TLS picks one, docs/tls.md
 * says which and why).
 *
 * Non-blocking by construction, over memory: the connection hands every
 * ciphertext chunk it read to dt__tls_feed() and the session consumes it
 * before the call returns; ciphertext to send goes out through the send
 * function the connection gave. "Wants more input" is the normal path.
 *
 * What every backend promises (tests/unit/test_tls_matrix.c and the
 * certificate rows of integration.test_cli_fetch hold both to it):
 *  - the handshake a browser makes: key exchange X25519, then P-256, then
 *    P-384; TLS 1.3 where the library speaks it, else TLS 1.2; cipher
 *    suites in Chromium's order (dt__tls_cipher_order); ALPN as the caller
 *    lists it (h2, http/1.1); SNI for names, none for IP literals (RFC 6066
 *    §3); the session of the origin's last connection offered for
 *    resumption (TLS 1.2 tickets or session IDs, TLS 1.3 PSK);
 *  - verification identical across backends, with the same named errors:
 *    an unknown CA is DT_ECERT_UNTRUSTED, an expired or not yet valid leaf
 *    DT_ECERT_EXPIRED, a name that does not match — including a leaf with no
 *    subjectAltName, refused on its CN as Chromium does since 58 — and an IP
 *    literal not in the iPAddress SANs DT_ECERT_NAME, anything else
 *    DT_ECERT_OTHER. With `insecure` the checks still run (chain_ok) but are
 *    not enforced, so a Known HSTS Host can refuse the override (RFC 6797
 *    §8.4). */
#ifndef DT_ENGINE_TLS_H
#define DT_ENGINE_TLS_H

#include "detour.h"

#include <stddef.h>

typedef struct dt__tls_ctx dt__tls_ctx; /* trust, config, session cache */
typedef struct dt__tls dt__tls;         /* one connection's session */

/* Ciphertext out: returns len (all of it) or a negative value. */
typedef int (*dt__tls_send_fn)(void *ud, const unsigned char *buf, size_t len);

/* What a finished handshake gave (dt__tls_get_info). */
typedef struct dt__tls_info {
  char version[24];  /* "TLSv1.3", "TLSv1.2" */
  char cipher[96];   /* the IANA name, TLS_AES_128_GCM_SHA256 style */
  char group[32];    /* the key exchange group: "X25519", "P-256", ... */
  char alpn[24];     /* "" when none was agreed */
  char subject[256]; /* the leaf's subject, "" when none */
  int verified;      /* verification ran, passed and was enforced */
  int chain_ok;      /* it passed, enforced or not (-k) */
  int resumed;       /* an abbreviated handshake: a session was resumed */
  int offered;       /* a cached session was offered */
} dt__tls_info;

/* The trust anchors (CA_FILE; NULL: the system bundle) and the client
 * configuration, offering ALPN (a NULL-terminated list, at most 4; NULL:
 * none) on every session. 0, or DT_ETLS with why in ERR (CAP bytes). One
 * reference; contexts sharing it take more. */
#define DT__TLS_MAX_ALPN 4
int dt__tls_ctx_new(dt__tls_ctx **out, const char *ca_file, int insecure,
                    const char *const *alpn, char *err, size_t cap);
void dt__tls_ctx_ref(dt__tls_ctx *t);
void dt__tls_ctx_unref(dt__tls_ctx *t);
/* The CA file and -k it was made with (sharing needs the same). */
const char *dt__tls_ctx_ca_file(const dt__tls_ctx *t);
int dt__tls_ctx_insecure(const dt__tls_ctx *t);

/* A client session to HOST (the URL's host: SNI and the name check), whose
 * session cache entry is KEY (one per origin). 0, DT_ENOMEM, DT_ETLS; on
 * failure *out may hold a session to free. */
int dt__tls_new(dt__tls **out, dt__tls_ctx *t, const char *host,
                const char *key, dt__tls_send_fn send, void *ud);
void dt__tls_free(dt__tls *s);
/* Makes DATA the input the next calls read from (consumed before they
 * return). */
void dt__tls_feed(dt__tls *s, const char *data, size_t len);
/* Handshake step: 0 done (verification checked unless insecure), 1 wants
 * more input, or a negative DT_E* with MSG filled. */
int dt__tls_handshake(dt__tls *s, char *msg, size_t cap);
/* Decrypts into BUF: > 0 bytes, 0 needs more input, DT__TLS_EOF on
 * close_notify, another negative DT_E* (MSG filled). */
#define DT__TLS_EOF 1000000
int dt__tls_read(dt__tls *s, char *buf, size_t cap, char *msg, size_t mcap);
/* Encrypts all of DATA through the send function. 0 or DT_ESEND. */
int dt__tls_write(dt__tls *s, const char *data, size_t len, char *msg,
                  size_t cap);
void dt__tls_get_info(const dt__tls *s, dt__tls_info *info);
/* 1 when a failed handshake ended with the server's handshake_failure
 * alert: "unable to negotiate an acceptable set of security parameters"
 * (RFC 8446 §6.2) — no version or cipher suite in common with the offer,
 * as Chromium reads it (ERR_SSL_VERSION_OR_CIPHER_MISMATCH), or a
 * requirement the client did not meet. */
int dt__tls_refused(const dt__tls *s);

/* The backend and its version ("OpenSSL 3.0.19", "Mbed TLS 2.28.3"), and
 * whether it speaks TLS 1.3. */
const char *dt__tls_backend(void);
int dt__tls_backend_has_tls13(void);

/* ---- shared by the backends (tls.c) ------------------------------------ */

/* Chromium's cipher suites, in its order, by IANA name: TLS 1.3's three,
 * then TLS 1.2's ECDHE AEAD suites (ECDSA before RSA), the CBC ones, and
 * the RSA key exchange ones last (Chromium's net/ssl and BoringSSL's
 * default list). NULL-terminated. */
extern const char *const dt__tls_cipher_order[];
/* Chromium's key exchange groups without the post-quantum hybrid the
 * libraries here lack: X25519, then P-256, then P-384. */
extern const char *const dt__tls_group_order[];

/* HOST made ready for SNI and the name check: trailing dots removed (RFC
 * 6066 §3; certificates never carry one, Chromium strips it too), and an
 * IP literal's bytes in IP (4 or 16 in *IP_LEN; 0 for a name). 0, or -1
 * when it does not fit NAME. */
int dt__tls_prepare_host(const char *host, char *name, size_t cap,
                         unsigned char ip[16], size_t *ip_len);
/* 1 when the X.509 v3 extensions EXT (DER) hold a subjectAltName
 * iPAddress equal to IP (4 or 16 bytes). Bounded on any bytes
 * (fuzz/fuzz_tls_san.c). */
int dt__tls_san_has_ip(const unsigned char *ext, size_t ext_len,
                       const unsigned char *ip, size_t ip_len);
/* 1 when EXT (DER extensions) has a subjectAltName at all. */
int dt__tls_has_san(const unsigned char *ext, size_t ext_len);

/* The session cache of a dt__tls_ctx: the last session of each origin
 * (KEY), least recently used out. SESSION is the backend's; FREE releases
 * it. A put replaces the origin's previous session. */
#define DT__TLS_MAX_SESSIONS 32
typedef struct dt__tls_cache {
  struct {
    char key[DT_MAX_HOST_BYTES + 64];
    void *session;
    unsigned long long stamp;
  } slot[DT__TLS_MAX_SESSIONS];
  unsigned long long stamp;
  void (*free_session)(void *session);
} dt__tls_cache;
void *dt__tls_cache_get(dt__tls_cache *c, const char *key);
void dt__tls_cache_put(dt__tls_cache *c, const char *key, void *session);
void dt__tls_cache_clear(dt__tls_cache *c);

#endif
