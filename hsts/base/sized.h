/* sized.h — reading a public struct that grows (detour.h's structs with a
 * leading `size`): a caller built against an older header has a smaller
 * struct, so only its SIZE bytes are read, over a local already filled with
 * the defaults, and the local then says it is whole. One helper for every
 * such struct (options, limits, requests). Pure C, header-only. */
#ifndef DT_BASE_SIZED_H
#define DT_BASE_SIZED_H

#include <stdint.h>
#include <string.h>

/* Copies the caller's CALLER (its first member is its uint32_t size; 0 is
 * read as "the whole struct", for zero-initialised callers) into LOCAL of
 * LOCAL_SIZE bytes, which holds the defaults. */
static inline void dt__sized_copy(void *local, size_t local_size,
                                  const void *caller) {
  uint32_t size;
  memcpy(&size, caller, sizeof size);
  size_t n = size && size < local_size ? size : local_size;
  memcpy(local, caller, n);
  uint32_t whole = (uint32_t)local_size;
  memcpy(local, &whole, sizeof whole);
}

#endif
