/* tls.c — what the TLS backends share (tls.h): Chromium's cipher and group
 * orders, host preparation, the subjectAltName walk and the per-origin
 * session cache. No TLS library here. */
#include "engine/net/tls.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

const char *const dt__tls_cipher_order[] = {
    /* TLS 1.3 (RFC 8446 §B.4), Chromium's order */
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    /* TLS 1.2: ECDHE with AEAD, ECDSA before RSA */
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    /* then CBC, and the RSA key exchange last */
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", NULL};

const char *const dt__tls_group_order[] = {"X25519", "P-256", "P-384", NULL};

int dt__tls_prepare_host(const char *host, char *name, size_t cap,
                         unsigned char ip[16], size_t *ip_len) {
  size_t n = strlen(host);
  while (n > 1 && host[n - 1] == '.')
    n--;
  if (n >= cap) return -1;
  memcpy(name, host, n);
  name[n] = 0;
  *ip_len = 0;
  if (inet_pton(AF_INET, name, ip) == 1)
    *ip_len = 4;
  else if (inet_pton(AF_INET6, name, ip) == 1)
    *ip_len = 16;
  return 0;
}

/* ---- subjectAltName ------------------------------------------------------
 * Reads only what a certificate the backend already parsed needs: DER
 * tag+length, short and long forms up to 4 length bytes. */

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

/* The GeneralNames of the subjectAltName extension in EXT, or 0. */
static int san_names(const unsigned char *ext, size_t ext_len,
                     const unsigned char **gp, const unsigned char **gep) {
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
    *gp = g;
    *gep = g + on;
    return 1;
  }
  return 0;
}

int dt__tls_has_san(const unsigned char *ext, size_t ext_len) {
  const unsigned char *g, *ge;
  return san_names(ext, ext_len, &g, &ge);
}

int dt__tls_san_has_ip(const unsigned char *ext, size_t ext_len,
                       const unsigned char *ip, size_t ip_len) {
  const unsigned char *g, *ge;
  unsigned char tag;
  if (!san_names(ext, ext_len, &g, &ge)) return 0;
  while (g < ge) {
    long on = der_next(&g, ge, &tag);
    if (on < 0) return 0;
    if (tag == 0x87 && (size_t)on == ip_len && memcmp(g, ip, ip_len) == 0)
      return 1; /* [7] iPAddress */
    g += on;
  }
  return 0;
}

/* ---- the session cache ----------------------------------------------- */

void *dt__tls_cache_get(dt__tls_cache *c, const char *key) {
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++)
    if (c->slot[i].session && strcmp(c->slot[i].key, key) == 0) {
      c->slot[i].stamp = ++c->stamp;
      return c->slot[i].session;
    }
  return NULL;
}

void dt__tls_cache_put(dt__tls_cache *c, const char *key, void *session) {
  int pick = 0;
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++) {
    if (c->slot[i].session && strcmp(c->slot[i].key, key) == 0) {
      pick = i;
      break;
    }
    if (!c->slot[i].session ||
        (c->slot[pick].session && c->slot[i].stamp < c->slot[pick].stamp))
      pick = i;
  }
  if (c->slot[pick].session && c->slot[pick].session != session)
    c->free_session(c->slot[pick].session);
  size_t n = strlen(key);
  if (n >= sizeof c->slot[pick].key) n = sizeof c->slot[pick].key - 1;
  memcpy(c->slot[pick].key, key, n);
  c->slot[pick].key[n] = 0;
  c->slot[pick].session = session;
  c->slot[pick].stamp = ++c->stamp;
}

void dt__tls_cache_clear(dt__tls_cache *c) {
  for (int i = 0; i < DT__TLS_MAX_SESSIONS; i++)
    if (c->slot[i].session) {
      c->free_session(c->slot[i].session);
      c->slot[i].session = NULL;
    }
}
