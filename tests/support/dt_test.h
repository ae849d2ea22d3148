/* dt_test.h — the tiny assertion kit every C test uses (header-only, libc
 * only, so hsts/ tests stay free of the engine). A test file calls CHECK*
 * and ends main() with `return dt_test_summary("name");`, which prints the
 * plain closing line "N passed, N failed" that CI reads. */
#ifndef DT_TEST_H
#define DT_TEST_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int dt_test_pass_, dt_test_fail_;

#define CHECK_(cond, fmt, ...)                                                 \
  do {                                                                         \
    if (cond) {                                                                \
      dt_test_pass_++;                                                         \
    } else {                                                                   \
      dt_test_fail_++;                                                         \
      fprintf(stderr, "FAIL %s:%d: " fmt "\n", __FILE__, __LINE__,             \
              __VA_ARGS__);                                                    \
    }                                                                          \
  } while (0)

#define CHECK(cond) CHECK_((cond), "%s", #cond)
#define CHECK_INT(a, b)                                                        \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    CHECK_(a_ == b_, "%s == %s (%lld vs %lld)", #a, #b, a_, b_);               \
  } while (0)
#define CHECK_STR(a, b)                                                        \
  do {                                                                         \
    const char *a_ = (a), *b_ = (b);                                           \
    CHECK_(a_ &&b_ &&strcmp(a_, b_) == 0, "%s == %s (\"%s\" vs \"%s\")", #a,   \
           #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                        \
  } while (0)

/* Does the text file PATH have a line starting with PREFIX? (A store file:
 * "h a.test "; POSIX, no engine.) */
static inline int dt_test_file_has_line(const char *path, const char *prefix) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[1100];
  int found = 0;
  while (!found && fgets(line, sizeof line, f))
    found = strncmp(line, prefix, strlen(prefix)) == 0;
  fclose(f);
  return found;
}

/* Removes a test's HSTS store file PATH, its lock file and the directory
 * DIR made for them. */
static inline void dt_test_rm_store(const char *dir, const char *path) {
  char lock[1024];
  snprintf(lock, sizeof lock, "%s.lock", path);
  remove(lock);
  remove(path);
  rmdir(dir);
}

static inline int dt_test_summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, dt_test_pass_, dt_test_fail_);
  return dt_test_fail_ ? 1 : 0;
}
#endif
