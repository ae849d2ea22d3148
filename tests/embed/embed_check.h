/* embed_check.h — the check an embedder's test program makes (TEST ONLY):
 * EXPECT(name, cond, printf-args) prints "FAIL NAME: why", counts the
 * failure and leaves the check; the program prints "ok NAME" when it gets
 * through and returns embed_failures. Header-only: each program in
 * tests/embed/ is built alone against the installed library. */
#ifndef EMBED_CHECK_H
#define EMBED_CHECK_H

#include <stdio.h>

static int embed_failures;

#define EXPECT(name, cond, ...)                                                \
  do {                                                                         \
    if (!(cond)) {                                                             \
      embed_failures++;                                                        \
      printf("FAIL %s: ", name);                                               \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      fflush(stdout);                                                          \
      return;                                                                  \
    }                                                                          \
  } while (0)

#endif
