/* tls_mbedtls.c — the TLS seam (tls.h) over Mbed TLS: 2.28 (Debian 12;
 * TLS 1.2 only) and the 3.6 LTS API (TLS 1.3 when the library was built
 * with it), told apart by MBEDTLS_VERSION_NUMBER. Memory BIOs: the recv
 * callback reads the chunk the connection fed, the send callback hands
 * ciphertext to the connection. */
#include "engine/net/tls.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define DT__MBEDTLS3 1
#include <psa/crypto.h>
#else
#define DT__MBEDTLS3 0
#endif

#if DT__MBEDTLS3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define DT__MBEDTLS_TLS13 1
#else
#define DT__MBEDTLS_TLS13 0
#endif

#define MAX_SUITES 32

struct dt__tls_ctx {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
  int insecure;
  unsigned refs;
  char *ca_file;
  int suites[MAX_SUITES + 1]; /* Chromium's order, those this build has */
#if DT__MBEDTLS3
  uint16_t groups[8];
#else
  mbedtls_ecp_group_id curves[8];
#endif
  char alpn_store[DT__TLS_MAX_ALPN][24];
  const char *alpn[DT__TLS_MAX_ALPN + 1];
  dt__tls_cache cache;
};

struct dt__tls {
  mbedtls_ssl_context ssl;
  dt__tls_ctx *tctx;
  const unsigned char *in;
  size_t in_len;
  dt__tls_send_fn send;
  void *ud;
  char key[DT_MAX_HOST_BYTES + 64];
  int offered;   /* a cached session was offered */
  int resumed;   /* ... and the server resumed it */
  int cert_seen; /* the handshake verified a server certificate */
  int done;      /* the handshake finished */
  int refused;   /* it failed on the server's handshake_failure alert */
  /* An IP literal: no SNI (RFC 6066 §3), and the name check is ours
   * against the certificate's iPAddress SANs (RFC 6125 §6.2.1), which Mbed
   * TLS does not do. */
  unsigned char ip[16];
  size_t ip_len;
  uint32_t extra_flags; /* MBEDTLS_X509_BADCERT_* found by our checks */
};

const char *dt__tls_backend(void) {
  static char buf[80];
  if (!buf[0]) {
    char v[32];
    mbedtls_version_get_string(v);
    /* said where it matters: a build that cannot reach a TLS 1.3-only
     * server (docs/tls.md) */
    snprintf(buf, sizeof buf, "Mbed TLS %s%s", v,
             DT__MBEDTLS_TLS13 ? "" : " (TLS 1.2 only)");
  }
  return buf;
}

int dt__tls_backend_has_tls13(void) { return DT__MBEDTLS_TLS13; }

static void session_free(void *p) {
  mbedtls_ssl_session_free(p);
  free(p);
}

/* No version in common (docs/tls.md "Versions a server may refuse"): the
 * server answered with a version below our floor of TLS 1.2, or sent a
 * protocol_version alert (RFC 8446 §6.2) — which means "only older" when we
 * offered 1.3 too, and possibly "only 1.3" when this build cannot. The
 * alert's type has no getter in either API: it is the received message's
 * second byte. */
static int version_error(dt__tls *s, int rc) {
#if DT__MBEDTLS3
  if (rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION) return DT_ETLS_OBSOLETE;
  const unsigned char *in = s->ssl.MBEDTLS_PRIVATE(in_msg);
#else
  if (rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION) return DT_ETLS_OBSOLETE;
  const unsigned char *in = s->ssl.in_msg;
#endif
  /* Offering a cached session, 3.6 offers only that session's version: a
   * refusal then says the server changed versions, not that it speaks only
   * old ones (the session is forgotten; the next connection starts over). */
  if (s->offered) return DT_ETLS;
  s->refused = rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && in &&
               in[1] == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE;
  if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && in &&
      in[1] == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION)
    return DT__MBEDTLS_TLS13 ? DT_ETLS_OBSOLETE : DT_ETLS_NEED13;
  return DT_ETLS;
}

static void fmt_err(char *out, size_t cap, const char *what, int rc) {
  char eb[160];
  mbedtls_strerror(rc, eb, sizeof eb);
  snprintf(out, cap, "%s: %s (-0x%04x)", what, eb, (unsigned)-rc);
}

/* Chromium's suites by IANA name, as Mbed TLS names them
 * ("TLS_ECDHE_RSA_WITH_..." is "TLS-ECDHE-RSA-WITH-...", and TLS 1.3's
 * "TLS_AES_..." is "TLS1-3-AES-..."); those this build lacks are left out. */
static void set_suites(dt__tls_ctx *t) {
  size_t n = 0;
  for (size_t i = 0; dt__tls_cipher_order[i] && n < MAX_SUITES; i++) {
    const char *iana = dt__tls_cipher_order[i];
    char name[96];
    int tls13 = strncmp(iana, "TLS_AES_", 8) == 0 ||
                strncmp(iana, "TLS_CHACHA20_", 13) == 0;
    snprintf(name, sizeof name, "%s%s", tls13 ? "TLS1-3-" : "",
             tls13 ? iana + 4 : iana);
    for (char *c = name; *c; c++)
      if (*c == '_') *c = '-';
    int id = mbedtls_ssl_get_ciphersuite_id(name);
    if (id) t->suites[n++] = id;
  }
  t->suites[n] = 0;
  mbedtls_ssl_conf_ciphersuites(&t->conf, t->suites);
}

/* X25519, P-256, P-384: Chromium's groups in its order. */
static void set_groups(dt__tls_ctx *t) {
#if DT__MBEDTLS3
  static const uint16_t want[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1};
  size_t n = 0;
  for (size_t i = 0; i < 3; i++)
    t->groups[n++] = want[i];
  t->groups[n] = MBEDTLS_SSL_IANA_TLS_GROUP_NONE;
  mbedtls_ssl_conf_groups(&t->conf, t->groups);
#else
  size_t n = 0;
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
  t->curves[n++] = MBEDTLS_ECP_DP_CURVE25519;
#endif
  t->curves[n++] = MBEDTLS_ECP_DP_SECP256R1;
  t->curves[n++] = MBEDTLS_ECP_DP_SECP384R1;
  t->curves[n] = MBEDTLS_ECP_DP_NONE;
  mbedtls_ssl_conf_curves(&t->conf, t->curves);
#endif
}

int dt__tls_ctx_new(dt__tls_ctx **out, const char *ca_file, int insecure,
                    const char *const *alpn, char *err, size_t cap) {
  *out = NULL;
  dt__tls_ctx *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, cap, "out of memory");
    return DT_ENOMEM;
  }
  mbedtls_entropy_init(&t->entropy);
  mbedtls_ctr_drbg_init(&t->drbg);
  mbedtls_x509_crt_init(&t->ca);
  mbedtls_ssl_config_init(&t->conf);
  t->cache.free_session = session_free;
  t->insecure = insecure;
  t->refs = 1;
  t->ca_file = ca_file ? strdup(ca_file) : NULL;
  int rc = 0;
#if DT__MBEDTLS3
  if (psa_crypto_init() != PSA_SUCCESS) {
    snprintf(err, cap, "TLS: the PSA crypto library did not start");
    rc = DT_ETLS;
  }
#endif
  int mrc =
      rc ? 0
         : mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                 (const unsigned char *)"detour", 6);
  if (!rc && mrc) {
    fmt_err(err, cap, "TLS random generator", mrc);
    rc = DT_ETLS;
  }
  const char *file = ca_file ? ca_file : "/etc/ssl/certs/ca-certificates.crt";
  if (!rc && (mrc = mbedtls_x509_crt_parse_file(&t->ca, file)) < 0 &&
      !insecure) {
    char what[600];
    snprintf(what, sizeof what, "cannot load CA file %s", file);
    fmt_err(err, cap, what, mrc);
    rc = DT_ETLS;
  }
  if (!rc && (mrc = mbedtls_ssl_config_defaults(
                  &t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                  MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
    fmt_err(err, cap, "TLS config", mrc);
    rc = DT_ETLS;
  }
  if (rc) {
    dt__tls_ctx_unref(t);
    return rc;
  }
  /* OPTIONAL: the handshake completes and we read the verify flags
   * ourselves, so the error can name the reason (untrusted/expired/name).
   * Also with --insecure: the chain is still checked, only not enforced,
   * so a Known HSTS Host can refuse the override (RFC 6797 §8.4). */
  mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
  mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
#if DT__MBEDTLS3
  mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_max_tls_version(&t->conf, DT__MBEDTLS_TLS13
                                                 ? MBEDTLS_SSL_VERSION_TLS1_3
                                                 : MBEDTLS_SSL_VERSION_TLS1_2);
#else
  mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
#endif
  mbedtls_ssl_conf_session_tickets(&t->conf,
                                   MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if DT__MBEDTLS_TLS13 && defined(MBEDTLS_SSL_SESSION_TICKETS) &&               \
    defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
  /* TLS 1.3 resumes with the PSK of a NewSessionTicket (RFC 8446 §4.6.1).
   * Since 3.6.1 a client ignores those unless asked; asked, mbedtls_ssl_read
   * returns MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET for each one and
   * mbedtls_ssl_get_session() exports it (3.6.0 always signalled). */
  mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
      &t->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
  set_suites(t);
  set_groups(t);
  if (alpn && alpn[0]) {
    size_t n = 0;
    for (; alpn[n] && n < DT__TLS_MAX_ALPN; n++) {
      snprintf(t->alpn_store[n], sizeof t->alpn_store[n], "%s", alpn[n]);
      t->alpn[n] = t->alpn_store[n];
    }
    t->alpn[n] = NULL;
    mbedtls_ssl_conf_alpn_protocols(&t->conf, t->alpn);
  }
  *out = t;
  return 0;
}

void dt__tls_ctx_ref(dt__tls_ctx *t) { t->refs++; }

void dt__tls_ctx_unref(dt__tls_ctx *t) {
  if (!t || --t->refs > 0) return;
  dt__tls_cache_clear(&t->cache);
  mbedtls_ssl_config_free(&t->conf);
  mbedtls_x509_crt_free(&t->ca);
  mbedtls_ctr_drbg_free(&t->drbg);
  mbedtls_entropy_free(&t->entropy);
  free(t->ca_file);
  free(t);
}

const char *dt__tls_ctx_ca_file(const dt__tls_ctx *t) { return t->ca_file; }
int dt__tls_ctx_insecure(const dt__tls_ctx *t) { return t->insecure; }

static int bio_send(void *p, const unsigned char *buf, size_t len) {
  dt__tls *s = p;
  int n = s->send(s->ud, buf, len);
  return n < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : n;
}

static int bio_recv(void *p, unsigned char *buf, size_t len) {
  dt__tls *s = p;
  if (s->in_len == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  size_t n = len < s->in_len ? len : s->in_len;
  memcpy(buf, s->in, n);
  s->in += n;
  s->in_len -= n;
  return (int)n;
}

/* Mbed TLS calls this for each certificate of the server's chain it
 * verifies (mbedtls_ssl_set_verify(), mbedtls_x509_crt_verify()): only a
 * full handshake has a Certificate message to verify. A resumed one has
 * none — TLS 1.2 goes from ServerHello to ChangeCipherSpec (RFC 5246
 * §7.3), TLS 1.3 with a PSK has no Certificate (RFC 8446 §2.2). The flags
 * are left as Mbed TLS set them. */
static int on_verify(void *p, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags) {
  (void)crt;
  (void)depth;
  (void)flags;
  ((dt__tls *)p)->cert_seen = 1;
  return 0;
}

int dt__tls_new(dt__tls **out, dt__tls_ctx *t, const char *host,
                const char *key, dt__tls_send_fn send, void *ud) {
  *out = NULL;
  dt__tls *s = calloc(1, sizeof *s);
  if (!s) return DT_ENOMEM;
  mbedtls_ssl_init(&s->ssl);
  s->tctx = t;
  s->send = send;
  s->ud = ud;
  snprintf(s->key, sizeof s->key, "%s", key);
  *out = s;
  if (mbedtls_ssl_setup(&s->ssl, &t->conf) != 0) return DT_ENOMEM;
  char name[DT_MAX_HOST_BYTES + 3];
  if (dt__tls_prepare_host(host, name, sizeof name, s->ip, &s->ip_len))
    return DT_ETLS;
  /* A name: SNI and Mbed TLS's own name check. An IP literal: neither
   * (RFC 6066 §3); ours runs after the handshake. */
  if (!s->ip_len && mbedtls_ssl_set_hostname(&s->ssl, name) != 0)
    return DT_ETLS;
  mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
  mbedtls_ssl_set_verify(&s->ssl, on_verify, s);
  mbedtls_ssl_session *cached = dt__tls_cache_get(&t->cache, key);
  if (cached && mbedtls_ssl_set_session(&s->ssl, cached) == 0) s->offered = 1;
  return 0;
}

void dt__tls_free(dt__tls *s) {
  if (!s) return;
  mbedtls_ssl_free(&s->ssl);
  free(s);
}

void dt__tls_feed(dt__tls *s, const char *data, size_t len) {
  s->in = (const unsigned char *)data;
  s->in_len = len;
}

static const mbedtls_x509_crt *peer_cert(const dt__tls *s) {
  return mbedtls_ssl_get_peer_cert(&s->ssl);
}

static uint32_t verify_flags(const dt__tls *s) {
  return mbedtls_ssl_get_verify_result(&s->ssl) | s->extra_flags;
}

static int map_verify(uint32_t flags) {
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return DT_ECERT_UNTRUSTED;
  if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
    return DT_ECERT_EXPIRED;
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return DT_ECERT_NAME;
  return DT_ECERT_OTHER;
}

/* Keeps the session so the next connection to this origin resumes it.
 * Each session exports once (mbedtls_ssl_get_session() since 3.0); a TLS
 * 1.3 one again after each NewSessionTicket. */
static void save_session(dt__tls *s) {
  mbedtls_ssl_session *sess = calloc(1, sizeof *sess);
  if (!sess) return;
  mbedtls_ssl_session_init(sess);
  if (mbedtls_ssl_get_session(&s->ssl, sess) != 0) {
    session_free(sess);
    return;
  }
  dt__tls_cache_put(&s->tctx->cache, s->key, sess);
}

/* Resumed (an abbreviated handshake): the server took back the session we
 * offered, so it sent no certificate (on_verify). Neither 2.28 nor 3.6 has
 * a getter for the handshake's resume flag (it lives in the internal
 * handshake parameters, freed when the handshake ends), and comparing
 * session IDs says nothing in TLS 1.3, whose legacy_session_id is only
 * echoed (RFC 8446 §4.1.3). */
static int was_resumed(const dt__tls *s) { return s->offered && !s->cert_seen; }

int dt__tls_handshake(dt__tls *s, char *msg, size_t cap) {
  int rc = mbedtls_ssl_handshake(&s->ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 1;
  if (rc != 0) {
    /* A session offered pins the ClientHello to its version (3.6 offers
     * only that one when resuming): a server that has changed versions
     * refuses it every time. Forgotten, the next connection starts over. */
    if (s->offered) dt__tls_cache_put(&s->tctx->cache, s->key, NULL);
    fmt_err(msg, cap, "TLS handshake failed", rc);
    return version_error(s, rc);
  }
  s->done = 1;
  const mbedtls_x509_crt *peer = peer_cert(s);
  const unsigned char *ext = peer ? peer->v3_ext.p : NULL; /* public in 3.x */
  size_t ext_len = peer ? peer->v3_ext.len : 0;
  if (s->ip_len) {
    if (!peer || !dt__tls_san_has_ip(ext, ext_len, s->ip, s->ip_len))
      s->extra_flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  } else if (peer && !dt__tls_has_san(ext, ext_len)) {
    /* Mbed TLS falls back to the subject's CN when there is no
     * subjectAltName; Chromium refuses such a leaf since 58 (RFC 6125
     * §6.4.4 lets a client require the SAN). */
    s->extra_flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  s->resumed = was_resumed(s);
  if (!s->tctx->insecure) {
    uint32_t flags = verify_flags(s);
    if (flags) {
      char vb[256];
      int n = mbedtls_x509_crt_verify_info(vb, sizeof vb, "", flags);
      if (n > 0 && vb[n - 1] == '\n') vb[n - 1] = 0;
      for (char *c = vb; *c; c++)
        if (*c == '\n') *c = ';';
      if (!s->ip_len && peer && !dt__tls_has_san(ext, ext_len))
        snprintf(vb, sizeof vb, "the certificate has no subjectAltName");
      snprintf(msg, cap, "certificate verification failed: %s", vb);
      return map_verify(flags);
    }
  }
#if DT__MBEDTLS_TLS13
  /* TLS 1.3: the handshake's session has no ticket to resume with; the
   * sessions to keep come later, one per NewSessionTicket (dt__tls_read). */
  if (mbedtls_ssl_get_version_number(&s->ssl) == MBEDTLS_SSL_VERSION_TLS1_3)
    return 0;
#endif
  save_session(s);
  return 0;
}

int dt__tls_read(dt__tls *s, char *buf, size_t cap, char *msg, size_t mcap) {
  size_t stalled = (size_t)-1; /* s->in_len at the last early stop */
  for (;;) {
    int rc = mbedtls_ssl_read(&s->ssl, (unsigned char *)buf, cap);
    if (rc > 0) return rc;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      /* Bytes of this chunk not read yet: Mbed TLS stopped early, as 3.6
       * does on a TLS 1.3 NewSessionTicket (it keeps the message, says
       * WANT_READ, and processes it on the next call). The chunk must be
       * consumed before we return (tls.h): again, while that moves on. */
      if (s->in_len > 0 && s->in_len != stalled) {
        stalled = s->in_len;
        continue;
      }
      return 0;
    }
#if DT__MBEDTLS_TLS13 && defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      save_session(s); /* TLS 1.3: the resumption PSK arrives here */
      stalled = (size_t)-1;
      continue;
    }
#endif
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return DT__TLS_EOF;
    fmt_err(msg, mcap, "TLS read failed", rc);
    return DT_ETLS;
  }
}

int dt__tls_write(dt__tls *s, const char *data, size_t len, char *msg,
                  size_t cap) {
  size_t off = 0;
  while (off < len) {
    int rc = mbedtls_ssl_write(&s->ssl, (const unsigned char *)data + off,
                               len - off);
    if (rc > 0) {
      off += (size_t)rc;
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
      continue; /* our send BIO never blocks; retry */
#if DT__MBEDTLS_TLS13 && defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      save_session(s); /* a ticket read but not yet processed: done here */
      continue;
    }
#endif
    fmt_err(msg, cap, "TLS write failed", rc);
    return DT_ESEND;
  }
  return 0;
}

/* Mbed TLS names suites as IANA does with '-' for '_' ("TLS-ECDHE-RSA-
 * WITH-AES-128-GCM-SHA256"), and TLS 1.3's with "TLS1-3-" for "TLS_":
 * shown as IANA names, as browsers' devtools and curl -v do. */
static void iana_cipher(const char *cs, char *out, size_t cap) {
  if (!cs) cs = "";
  if (!strncmp(cs, "TLS1-3-", 7))
    snprintf(out, cap, "TLS_%s", cs + 7);
  else
    snprintf(out, cap, "%s", cs);
  for (char *p = out; *p; p++)
    if (*p == '-') *p = '_';
}

void dt__tls_get_info(const dt__tls *s, dt__tls_info *info) {
  memset(info, 0, sizeof *info);
  if (!s->done) return;
  snprintf(info->version, sizeof info->version, "%s",
           mbedtls_ssl_get_version(&s->ssl));
  iana_cipher(mbedtls_ssl_get_ciphersuite(&s->ssl), info->cipher,
              sizeof info->cipher);
  const char *alpn = mbedtls_ssl_get_alpn_protocol(&s->ssl);
  snprintf(info->alpn, sizeof info->alpn, "%s", alpn ? alpn : "");
  const mbedtls_x509_crt *crt = peer_cert(s);
  if (crt && mbedtls_x509_dn_gets(info->subject, sizeof info->subject,
                                  &crt->subject) < 0)
    info->subject[0] = 0;
  uint32_t flags = verify_flags(s);
  info->chain_ok = flags == 0;
  info->verified = !s->tctx->insecure && flags == 0;
  /* info->group stays "": neither 2.28 nor 3.6 has a getter for the group
   * the key exchange used; it is kept in the internal handshake parameters
   * (library/ssl_misc.h), freed when the handshake ends. */
  info->resumed = s->resumed;
  info->offered = s->offered;
}

int dt__tls_refused(const dt__tls *s) { return s && s->refused; }
