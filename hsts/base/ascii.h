/* ascii.h — ASCII case, once. Protocol text (field names, schemes, tokens,
 * host names) is compared and folded in ASCII only, never by locale
 * (RFC 9110 §5.1: field names are case-insensitive; RFC 4343 for DNS
 * names). Pure C, header-only. */
#ifndef DT_BASE_ASCII_H
#define DT_BASE_ASCII_H

#include <stddef.h>
#include <string.h>

static inline unsigned char dt__ascii_lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A[0..AN) equals B[0..BN) ignoring ASCII case. */
static inline int dt__ascii_nieq(const char *a, size_t an, const char *b,
                                 size_t bn) {
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (dt__ascii_lower((unsigned char)a[i]) !=
        dt__ascii_lower((unsigned char)b[i]))
      return 0;
  return 1;
}

/* NUL-terminated A and B are equal ignoring ASCII case (NULL equals
 * nothing). */
static inline int dt__ascii_ieq(const char *a, const char *b) {
  return a && b && dt__ascii_nieq(a, strlen(a), b, strlen(b));
}

/* S[0..N) starts with the NUL-terminated PREFIX, ignoring ASCII case. */
static inline int dt__ascii_istarts(const char *s, size_t n,
                                    const char *prefix) {
  size_t pn = strlen(prefix);
  return n >= pn && dt__ascii_nieq(s, pn, prefix, pn);
}

/* Copies at most CAP-1 bytes of SRC lowercased into DST, NUL-terminated.
 * Returns the length written. */
static inline size_t dt__ascii_lower_copy(char *dst, size_t cap,
                                          const char *src, size_t n) {
  size_t i = 0;
  for (; i < n && i + 1 < cap; i++)
    dst[i] = (char)dt__ascii_lower((unsigned char)src[i]);
  if (cap) dst[i] = 0;
  return i;
}

#endif
