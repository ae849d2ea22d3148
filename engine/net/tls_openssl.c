/* tls_openssl.c — the TLS seam (tls.h) over OpenSSL 3 (Debian 12: 3.0):
 * TLS 1.3 and 1.2, AES-NI. Two memory BIOs: the connection's ciphertext is
 * written into the read BIO, and whatever OpenSSL writes to the write BIO is
 * handed to the send function after every call. */
#include "engine/net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dt__tls_ctx {
  SSL_CTX *ssl_ctx;
  int insecure;
  unsigned refs;
  char *ca_file;
  dt__tls_cache cache;
};

struct dt__tls {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by ssl */
  dt__tls_ctx *tctx;
  dt__tls_send_fn send;
  void *ud;
  char key[DT_MAX_HOST_BYTES + 64];
  int offered;
  int done;
  int send_failed;
  int failed;  /* a TLS error: the session must not be resumed */
  int refused; /* ... ended by the server's handshake_failure alert */
  unsigned char ip[16];
  size_t ip_len;
};

/* The dt__tls of an SSL, for the new-session callback. */
static int ex_index = -1;

const char *dt__tls_backend(void) {
  static char buf[48];
  if (!buf[0]) {
    /* "OpenSSL 3.0.19 30 Sep 2025": the name and the version. */
    const char *v = OpenSSL_version(OPENSSL_VERSION);
    const char *sp = strchr(v, ' ');
    sp = sp ? strchr(sp + 1, ' ') : NULL;
    snprintf(buf, sizeof buf, "%.*s", sp ? (int)(sp - v) : (int)strlen(v), v);
  }
  return buf;
}

int dt__tls_backend_has_tls13(void) { return 1; }

static void session_free(void *p) { SSL_SESSION_free(p); }

/* OpenSSL's error queue as one line (and emptied); the last error. */
static unsigned long errors(char *out, size_t cap, const char *what) {
  char eb[256] = "";
  unsigned long e, last = 0;
  while ((e = ERR_get_error()) != 0)
    last = e;
  if (last) ERR_error_string_n(last, eb, sizeof eb);
  snprintf(out, cap, "%s%s%s", what, eb[0] ? ": " : "", eb);
  return last;
}

/* No version in common: the server answered with an older one than the
 * floor (TLS 1.2, RFC 8996), or refused ours (1.2 and 1.3) with a
 * protocol_version alert (RFC 8446 §6.2): either way it speaks only what
 * browsers refuse. */
static int version_error(unsigned long e) {
  if (ERR_GET_LIB(e) != ERR_LIB_SSL) return 0;
  int r = ERR_GET_REASON(e);
  return r == SSL_R_UNSUPPORTED_PROTOCOL ||
         r == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
         r == SSL_R_NO_PROTOCOLS_AVAILABLE;
}

/* Keeps each new session (TLS 1.2 at the handshake's end, TLS 1.3 as a
 * NewSessionTicket after it) as its origin's, for the next connection. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess) {
  dt__tls *s = SSL_get_ex_data(ssl, ex_index);
  if (!s) return 0;
  dt__tls_cache_put(&s->tctx->cache, s->key, sess);
  return 1; /* we keep the reference */
}

/* Chromium's TLS 1.2 suites, by OpenSSL's names (those it has). */
static int set_ciphers(SSL_CTX *c) {
  char v12[1024] = "", v13[256] = "";
  for (size_t i = 0; dt__tls_cipher_order[i]; i++) {
    const char *iana = dt__tls_cipher_order[i];
    if (!strncmp(iana, "TLS_AES_", 8) || !strncmp(iana, "TLS_CHACHA20_", 13)) {
      size_t n = strlen(v13);
      snprintf(v13 + n, sizeof v13 - n, "%s%s", n ? ":" : "", iana);
      continue;
    }
    const char *name = OPENSSL_cipher_name(iana);
    if (!name || !strcmp(name, "(NONE)")) continue;
    size_t n = strlen(v12);
    snprintf(v12 + n, sizeof v12 - n, "%s%s", n ? ":" : "", name);
  }
  return SSL_CTX_set_ciphersuites(c, v13) == 1 &&
         SSL_CTX_set_cipher_list(c, v12) == 1;
}

static int set_groups(SSL_CTX *c) {
  char list[128] = "";
  for (size_t i = 0; dt__tls_group_order[i]; i++) {
    size_t n = strlen(list);
    snprintf(list + n, sizeof list - n, "%s%s", n ? ":" : "",
             dt__tls_group_order[i]);
  }
  return SSL_CTX_set1_groups_list(c, list) == 1;
}

/* ALPN's wire form: each protocol as a length byte and its bytes. */
static int set_alpn(SSL_CTX *c, const char *const *alpn) {
  unsigned char wire[DT__TLS_MAX_ALPN * 25];
  size_t n = 0;
  for (size_t i = 0; alpn && alpn[i] && i < DT__TLS_MAX_ALPN; i++) {
    size_t l = strlen(alpn[i]);
    if (l == 0 || l > 24) continue;
    wire[n++] = (unsigned char)l;
    memcpy(wire + n, alpn[i], l);
    n += l;
  }
  /* 0 on success, as the function name does not suggest */
  return n == 0 || SSL_CTX_set_alpn_protos(c, wire, (unsigned)n) == 0;
}

int dt__tls_ctx_new(dt__tls_ctx **out, const char *ca_file, int insecure,
                    const char *const *alpn, char *err, size_t cap) {
  *out = NULL;
  if (ex_index < 0) ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  dt__tls_ctx *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, cap, "out of memory");
    return DT_ENOMEM;
  }
  t->refs = 1;
  t->insecure = insecure;
  t->cache.free_session = session_free;
  t->ca_file = ca_file ? strdup(ca_file) : NULL;
  SSL_CTX *c = t->ssl_ctx = SSL_CTX_new(TLS_client_method());
  int rc = 0;
  const char *file = ca_file ? ca_file : "/etc/ssl/certs/ca-certificates.crt";
  if (!c) {
    errors(err, cap, "TLS config");
    rc = DT_ETLS;
  } else if (SSL_CTX_load_verify_locations(c, file, NULL) != 1 && !insecure) {
    char what[600];
    snprintf(what, sizeof what, "cannot load CA file %s", file);
    errors(err, cap, what);
    rc = DT_ETLS;
  } else if (!SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) ||
             !set_ciphers(c) || !set_groups(c) || !set_alpn(c, alpn)) {
    errors(err, cap, "TLS config");
    rc = DT_ETLS;
  }
  if (rc) {
    dt__tls_ctx_unref(t);
    return rc;
  }
  ERR_clear_error();
  /* Verification runs in every handshake and the result is read after it
   * (SSL_get_verify_result), so the error can name its reason and -k can
   * relax enforcement without skipping the checks (RFC 6797 §8.4). */
  SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT |
                                        SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(c, on_new_session);
  /* What a browser offers and no more: no renegotiation, no compression. */
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  /* A connection waiting for an answer, or idle in the pool, gives its
   * 2 x ~17 KB record buffers back (SSL_MODE_RELEASE_BUFFERS): heap per
   * open connection is the budget that matters (docs/benchmarks.md). */
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  *out = t;
  return 0;
}

void dt__tls_ctx_ref(dt__tls_ctx *t) { t->refs++; }

void dt__tls_ctx_unref(dt__tls_ctx *t) {
  if (!t || --t->refs > 0) return;
  dt__tls_cache_clear(&t->cache);
  SSL_CTX_free(t->ssl_ctx);
  free(t->ca_file);
  free(t);
}

const char *dt__tls_ctx_ca_file(const dt__tls_ctx *t) { return t->ca_file; }
int dt__tls_ctx_insecure(const dt__tls_ctx *t) { return t->insecure; }

/* Hands what OpenSSL wrote to the connection. 0, or -1 when sending
 * failed. */
static int flush(dt__tls *s) {
  char buf[16384];
  while (BIO_ctrl_pending(s->wbio) > 0) {
    int n = BIO_read(s->wbio, buf, sizeof buf);
    if (n <= 0) break;
    if (s->send(s->ud, (const unsigned char *)buf, (size_t)n) < 0) {
      s->send_failed = 1;
      return -1;
    }
  }
  return 0;
}

int dt__tls_new(dt__tls **out, dt__tls_ctx *t, const char *host,
                const char *key, dt__tls_send_fn send, void *ud) {
  *out = NULL;
  dt__tls *s = calloc(1, sizeof *s);
  if (!s) return DT_ENOMEM;
  *out = s;
  s->tctx = t;
  s->send = send;
  s->ud = ud;
  snprintf(s->key, sizeof s->key, "%s", key);
  s->ssl = SSL_new(t->ssl_ctx);
  s->rbio = BIO_new(BIO_s_mem());
  s->wbio = BIO_new(BIO_s_mem());
  if (!s->ssl || !s->rbio || !s->wbio) {
    BIO_free(s->rbio);
    BIO_free(s->wbio);
    s->rbio = s->wbio = NULL;
    return DT_ENOMEM;
  }
  SSL_set_bio(s->ssl, s->rbio, s->wbio);
  SSL_set_ex_data(s->ssl, ex_index, s);
  SSL_set_connect_state(s->ssl);
  char name[DT_MAX_HOST_BYTES + 3];
  if (dt__tls_prepare_host(host, name, sizeof name, s->ip, &s->ip_len))
    return DT_ETLS;
  X509_VERIFY_PARAM *vp = SSL_get0_param(s->ssl);
  /* A name: SNI and the name check against the DNS SANs only — a leaf
   * without subjectAltName is refused, not matched on its CN (Chromium
   * since 58). An IP literal: no SNI (RFC 6066 §3), the iPAddress SANs. */
  X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                          X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (s->ip_len) {
    if (X509_VERIFY_PARAM_set1_ip(vp, s->ip, s->ip_len) != 1) return DT_ETLS;
  } else if (SSL_set_tlsext_host_name(s->ssl, name) != 1 ||
             X509_VERIFY_PARAM_set1_host(vp, name, 0) != 1) {
    return DT_ETLS;
  }
  SSL_SESSION *cached = dt__tls_cache_get(&t->cache, key);
  if (cached && SSL_set_session(s->ssl, cached) == 1) s->offered = 1;
  ERR_clear_error();
  return 0;
}

void dt__tls_free(dt__tls *s) {
  if (!s) return;
  if (s->ssl) {
    SSL_set_ex_data(s->ssl, ex_index, NULL);
    /* A connection the server closed after a good exchange (HTTP/1.1's
     * Connection: close often skips close_notify) leaves a good session:
     * without this OpenSSL would mark it not resumable on free. */
    if (s->done && !s->failed)
      SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(s->ssl); /* frees the BIOs */
  }
  free(s);
}

void dt__tls_feed(dt__tls *s, const char *data, size_t len) {
  /* A memory BIO takes everything (it grows); the session reads it
   * before the caller's next call returns. */
  if (len) BIO_write(s->rbio, data, (int)len);
}

static int map_verify(long v) {
  switch (v) {
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_REJECTED: return DT_ECERT_UNTRUSTED;
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CERT_NOT_YET_VALID: return DT_ECERT_EXPIRED;
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH: return DT_ECERT_NAME;
  default: return DT_ECERT_OTHER;
  }
}

/* A leaf without subjectAltName: OpenSSL says "hostname mismatch"; say
 * what it is. */
static int leaf_has_san(SSL *ssl) {
  X509 *leaf = SSL_get0_peer_certificate(ssl);
  if (!leaf) return 1;
  return X509_get_ext_by_NID(leaf, NID_subject_alt_name, -1) >= 0;
}

int dt__tls_handshake(dt__tls *s, char *msg, size_t cap) {
  int rc = SSL_do_handshake(s->ssl);
  int fl = flush(s);
  if (rc != 1) {
    int e = SSL_get_error(s->ssl, rc);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && !fl)
      return 1;
    unsigned long last =
        errors(msg, cap,
               fl ? "TLS handshake: sending failed" : "TLS handshake failed");
    s->failed = 1;
    s->refused = !fl && ERR_GET_LIB(last) == ERR_LIB_SSL &&
                 ERR_GET_REASON(last) == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE;
    return !fl && version_error(last) ? DT_ETLS_OBSOLETE : DT_ETLS;
  }
  s->done = 1;
  long v = SSL_get_verify_result(s->ssl);
  if (v != X509_V_OK && !s->tctx->insecure) {
    s->failed = 1;
    if (v == X509_V_ERR_HOSTNAME_MISMATCH && !leaf_has_san(s->ssl))
      snprintf(msg, cap,
               "certificate verification failed: the certificate has no "
               "subjectAltName");
    else
      snprintf(msg, cap, "certificate verification failed: %s",
               X509_verify_cert_error_string(v));
    return map_verify(v);
  }
  return 0;
}

int dt__tls_read(dt__tls *s, char *buf, size_t cap, char *msg, size_t mcap) {
  int n = SSL_read(s->ssl, buf, (int)(cap > 0x7fffffff ? 0x7fffffff : cap));
  int fl = flush(s); /* key updates, session ticket replies */
  if (n > 0) return n;
  int e = SSL_get_error(s->ssl, n);
  if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && !fl) return 0;
  if (e == SSL_ERROR_ZERO_RETURN) return DT__TLS_EOF;
  errors(msg, mcap, "TLS read failed");
  s->failed = 1;
  return DT_ETLS;
}

int dt__tls_write(dt__tls *s, const char *data, size_t len, char *msg,
                  size_t cap) {
  size_t off = 0;
  while (off < len) {
    size_t chunk = len - off > 0x40000000 ? 0x40000000 : len - off;
    int n = SSL_write(s->ssl, data + off, (int)chunk);
    if (flush(s)) {
      snprintf(msg, cap, "TLS write failed: the connection would not take it");
      return DT_ESEND;
    }
    if (n <= 0) {
      errors(msg, cap, "TLS write failed");
      return DT_ESEND;
    }
    off += (size_t)n;
  }
  return 0;
}

void dt__tls_get_info(const dt__tls *s, dt__tls_info *info) {
  memset(info, 0, sizeof *info);
  if (!s->done) return;
  snprintf(info->version, sizeof info->version, "%s", SSL_get_version(s->ssl));
  const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
  const char *iana = c ? SSL_CIPHER_standard_name(c) : NULL;
  snprintf(info->cipher, sizeof info->cipher, "%s", iana ? iana : "");
  int nid = SSL_get_negotiated_group(s->ssl);
  if (nid > 0) {
    const char *g = EC_curve_nid2nist(nid);
    if (!g) g = OBJ_nid2sn(nid);
    snprintf(info->group, sizeof info->group, "%s", g ? g : "");
  }
  const unsigned char *alpn = NULL;
  unsigned alen = 0;
  SSL_get0_alpn_selected(s->ssl, &alpn, &alen);
  if (alpn && alen < sizeof info->alpn) {
    memcpy(info->alpn, alpn, alen);
    info->alpn[alen] = 0;
  }
  X509 *leaf = SSL_get0_peer_certificate(s->ssl);
  if (leaf) {
    /* "CN=a.test, O=..." as Mbed TLS prints it: RFC 2253 without the
     * escaping of UTF-8, from the first RDN. */
    BIO *b = BIO_new(BIO_s_mem());
    if (b && X509_NAME_print_ex(b, X509_get_subject_name(leaf), 0,
                                (XN_FLAG_SEP_CPLUS_SPC | ASN1_STRFLGS_RFC2253) &
                                    ~ASN1_STRFLGS_ESC_MSB) >= 0) {
      int n = BIO_read(b, info->subject, (int)sizeof info->subject - 1);
      info->subject[n > 0 ? n : 0] = 0;
    }
    BIO_free(b);
  }
  long v = SSL_get_verify_result(s->ssl);
  info->chain_ok = v == X509_V_OK;
  info->verified = v == X509_V_OK && !s->tctx->insecure;
  info->resumed = SSL_session_reused(s->ssl);
  info->offered = s->offered;
}

int dt__tls_refused(const dt__tls *s) { return s && s->refused; }
