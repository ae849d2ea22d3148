/* tls.c — see tls.h. mbedTLS 2.28 (Debian): TLS 1.2, SNI, ALPN http/1.1,
 * verification on by default, session resumption per origin. */
#include "engine/net/tls.h"

#include <arpa/inet.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <stdio.h>
#include <string.h>

static const char *alpn_list[] = {"http/1.1", NULL};

int dt__tls_ctx_init(dt__tls_ctx *t, const char *ca_file, int insecure,
                     char *err, size_t cap) {
  memset(t, 0, sizeof *t);
  mbedtls_entropy_init(&t->entropy);
  mbedtls_ctr_drbg_init(&t->drbg);
  mbedtls_x509_crt_init(&t->ca);
  mbedtls_ssl_config_init(&t->conf);
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++)
    mbedtls_ssl_session_init(&t->sessions[i].session);
  t->insecure = insecure;
  char eb[128];
  int rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                 (const unsigned char *)"detour", 6);
  if (rc) {
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(err, cap, "TLS random generator: %s", eb);
    return DT_ETLS;
  }
  const char *file = ca_file ? ca_file : "/etc/ssl/certs/ca-certificates.crt";
  rc = mbedtls_x509_crt_parse_file(&t->ca, file);
  if (rc < 0 && !insecure) {
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(err, cap, "cannot load CA file %s: %s", file, eb);
    return DT_ETLS;
  }
  rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                   MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc) {
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(err, cap, "TLS config: %s", eb);
    return DT_ETLS;
  }
  /* OPTIONAL: the handshake completes and we read the verify flags
   * ourselves, so the error can name the reason (untrusted/expired/name).
   * Also with --insecure: the chain is still checked, only not enforced,
   * so a Known HSTS Host can refuse the override (RFC 6797 §8.4). */
  mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
  mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
  mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn_list);
  mbedtls_ssl_conf_session_tickets(&t->conf,
                                   MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  return 0;
}

void dt__tls_ctx_free(dt__tls_ctx *t) {
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++)
    mbedtls_ssl_session_free(&t->sessions[i].session);
  mbedtls_ssl_config_free(&t->conf);
  mbedtls_x509_crt_free(&t->ca);
  mbedtls_ctr_drbg_free(&t->drbg);
  mbedtls_entropy_free(&t->entropy);
}

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

static dt__tls_session_slot *find_slot(dt__tls_ctx *t, const char *key,
                                       int create) {
  dt__tls_session_slot *old = &t->sessions[0];
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++) {
    dt__tls_session_slot *s = &t->sessions[i];
    if (s->used && strcmp(s->key, key) == 0) return s;
    if (!s->used || (old->used && s->stamp < old->stamp)) old = s;
  }
  if (!create) return NULL;
  mbedtls_ssl_session_free(&old->session);
  mbedtls_ssl_session_init(&old->session);
  snprintf(old->key, sizeof old->key, "%s", key);
  old->used = 0;
  return old;
}

int dt__tls_init(dt__tls *s, dt__tls_ctx *t, const char *host, const char *key,
                 dt__tls_send_fn send, void *ud) {
  memset(s, 0, sizeof *s);
  mbedtls_ssl_init(&s->ssl);
  s->tctx = t;
  s->send = send;
  s->ud = ud;
  snprintf(s->key, sizeof s->key, "%s", key);
  if (mbedtls_ssl_setup(&s->ssl, &t->conf) != 0) return DT_ENOMEM;
  /* SNI and the certificate name check use the URL's host without its
   * trailing dots ("a.test." is the same name; RFC 6066 §3 forbids the
   * dot in SNI, and certificates never carry it — Chromium strips it too);
   * an IP literal gets neither from Mbed TLS (see ip_len). */
  char name[DT_MAX_HOST_BYTES + 3];
  size_t n = strlen(host);
  while (n > 1 && host[n - 1] == '.')
    n--;
  if (n >= sizeof name) return DT_ETLS;
  memcpy(name, host, n);
  name[n] = 0;
  if (inet_pton(AF_INET, name, s->ip) == 1)
    s->ip_len = 4;
  else if (inet_pton(AF_INET6, name, s->ip) == 1)
    s->ip_len = 16;
  if (!s->ip_len && mbedtls_ssl_set_hostname(&s->ssl, name) != 0)
    return DT_ETLS;
  mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
  dt__tls_session_slot *slot = find_slot(t, key, 0);
  if (slot && slot->used &&
      mbedtls_ssl_set_session(&s->ssl, &slot->session) == 0)
    s->resumed_offer = 1;
  return 0;
}

void dt__tls_free(dt__tls *s) { mbedtls_ssl_free(&s->ssl); }

void dt__tls_feed(dt__tls *s, const char *data, size_t len) {
  s->in = (const unsigned char *)data;
  s->in_len = len;
}

/* Reads one DER tag+length at *p (end e); returns the content length or -1.
 * Short and long forms up to 4 length bytes; nothing else is needed for a
 * certificate that Mbed TLS already parsed. */
static long der_next(const unsigned char **p, const unsigned char *e,
                     unsigned char *tag) {
  if (e - *p < 2) return -1;
  *tag = *(*p)++;
  size_t len = *(*p)++;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || (size_t)(e - *p) < n) return -1;
    len = 0;
    while (n--)
      len = (len << 8) | *(*p)++;
  }
  return (size_t)(e - *p) < len ? -1 : (long)len;
}

int dt__tls_san_has_ip(const unsigned char *ext, size_t ext_len,
                       const unsigned char *ip, size_t ip_len) {
  static const unsigned char san_oid[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */
  const unsigned char *p = ext, *e = p + ext_len;
  unsigned char tag;
  long n;
  if (!p) return 0;
  if (p < e && *p == 0xa3) { /* [3] EXPLICIT wrapper, when present */
    if ((n = der_next(&p, e, &tag)) < 0) return 0;
    e = p + n;
  }
  if ((n = der_next(&p, e, &tag)) < 0 || tag != 0x30) /* Extensions */
    return 0;
  e = p + n;
  while (p < e) {
    if ((n = der_next(&p, e, &tag)) < 0 || tag != 0x30) return 0;
    const unsigned char *x = p, *xe = p + n;
    p = xe;
    long on = der_next(&x, xe, &tag);
    if (on != (long)sizeof san_oid || tag != 0x06 ||
        memcmp(x, san_oid, sizeof san_oid) != 0)
      continue;
    x += on;
    if (x < xe && *x == 0x01) { /* critical BOOLEAN */
      if ((on = der_next(&x, xe, &tag)) < 0) return 0;
      x += on;
    }
    if ((on = der_next(&x, xe, &tag)) < 0 || tag != 0x04) /* OCTET STRING */
      return 0;
    const unsigned char *g = x, *ge = x + on;
    if ((on = der_next(&g, ge, &tag)) < 0 || tag != 0x30) /* GeneralNames */
      return 0;
    ge = g + on;
    while (g < ge) {
      if ((on = der_next(&g, ge, &tag)) < 0) return 0;
      if (tag == 0x87 && (size_t)on == ip_len && memcmp(g, ip, ip_len) == 0)
        return 1; /* [7] iPAddress */
      g += on;
    }
    return 0;
  }
  return 0;
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

int dt__tls_handshake(dt__tls *s, char *msg, size_t cap) {
  int rc = mbedtls_ssl_handshake(&s->ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 1;
  if (rc != 0) {
    char eb[160];
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(msg, cap, "TLS handshake failed: %s (-0x%04x)", eb, (unsigned)-rc);
    return DT_ETLS;
  }
  if (s->ip_len) {
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&s->ssl);
    if (!peer ||
        !dt__tls_san_has_ip(peer->v3_ext.p, peer->v3_ext.len, s->ip, s->ip_len))
      s->extra_flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  if (!s->tctx->insecure) {
    uint32_t flags = verify_flags(s);
    if (flags) {
      char vb[256];
      int n = mbedtls_x509_crt_verify_info(vb, sizeof vb, "", flags);
      if (n > 0 && vb[n - 1] == '\n') vb[n - 1] = 0;
      for (char *c = vb; *c; c++)
        if (*c == '\n') *c = ';';
      snprintf(msg, cap, "certificate verification failed: %s", vb);
      return map_verify(flags);
    }
  }
  /* Keep the session so the next connection to this origin resumes. */
  dt__tls_session_slot *slot = find_slot(s->tctx, s->key, 1);
  /* Resumed (abbreviated handshake): the server took back the session ID
   * we offered (RFC 5246 §7.4.1.2). Mbed TLS 2.28 has no getter for it. */
  const mbedtls_ssl_session *now = s->ssl.session;
  s->resumed = s->resumed_offer && slot->used && now && now->id_len > 0 &&
               now->id_len == slot->session.id_len &&
               memcmp(now->id, slot->session.id, now->id_len) == 0;
  mbedtls_ssl_session_free(&slot->session);
  mbedtls_ssl_session_init(&slot->session);
  if (mbedtls_ssl_get_session(&s->ssl, &slot->session) == 0) {
    slot->used = 1;
    slot->stamp = ++s->tctx->stamp;
  }
  return 0;
}

int dt__tls_read(dt__tls *s, char *buf, size_t cap, char *msg, size_t mcap) {
  int rc = mbedtls_ssl_read(&s->ssl, (unsigned char *)buf, cap);
  if (rc > 0) return rc;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 0;
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return DT__TLS_EOF;
  char eb[160];
  mbedtls_strerror(rc, eb, sizeof eb);
  snprintf(msg, mcap, "TLS read failed: %s (-0x%04x)", eb, (unsigned)-rc);
  return DT_ETLS;
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
    char eb[160];
    mbedtls_strerror(rc, eb, sizeof eb);
    snprintf(msg, cap, "TLS write failed: %s", eb);
    return DT_ESEND;
  }
  return 0;
}

int dt__tls_verified(const dt__tls *s) {
  return !s->tctx->insecure && verify_flags(s) == 0;
}

int dt__tls_chain_ok(const dt__tls *s) { return verify_flags(s) == 0; }

void dt__tls_subject(const dt__tls *s, char *buf, size_t cap) {
  buf[0] = 0;
  const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&s->ssl);
  if (crt && mbedtls_x509_dn_gets(buf, cap, &crt->subject) < 0) buf[0] = 0;
}

int dt__tls_resumed(const dt__tls *s) { return s->resumed_offer; }
int dt__tls_was_resumed(const dt__tls *s) { return s->resumed; }
