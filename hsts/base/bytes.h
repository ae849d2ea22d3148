/* bytes.h — little-endian 4- and 8-byte words, loaded from and stored to any
 * address. The store's and the preload list's hashes read names 8 bytes
 * at a time and must get the same integers on every host: the bytes are
 * taken little-endian whatever the CPU (one load on x86/ARM). Internal to
 * hsts/. */
#ifndef DETOUR_HSTS_BYTES_H
#define DETOUR_HSTS_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint64_t dt__ld_le64(const void *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint32_t dt__ld_le32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

static inline void dt__st_le32(void *p, uint32_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  memcpy(p, &v, 4);
}

static inline void dt__st_le64(void *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, 8);
}

#endif
