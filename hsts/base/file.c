/* file.c — see file.h. */
#include "hsts/base/file.h"

#include "hsts/base/buf.h"
#include "hsts/base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dt__file_read_fd(int fd, const char *name, size_t max, char **out,
                     size_t *len, dt_error *err) {
  *out = NULL;
  *len = 0;
  dt__buf b = dt__buf_make(max);
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (uint64_t)st.st_size <= max)
    dt__buf_reserve(&b, (size_t)st.st_size); /* one allocation, usually */
  for (;;) {
    size_t want = max - b.len < 65536 ? max - b.len : 65536;
    if (want == 0) {
      /* At the bound: too big only if one more byte arrives. */
      char probe;
      ssize_t r = read(fd, &probe, 1);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) break;
      dt__buf_free(&b);
      return dt__fail(err, DT_EINVAL,
                      "%s is larger than the limit of %zu bytes", name, max);
    }
    if (dt__buf_reserve(&b, want)) break;
    ssize_t r = read(fd, b.p + b.len, want);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      dt__buf_free(&b);
      return dt__fail(err, DT_EIO, "cannot read %s: %s", name, strerror(e));
    }
    if (r == 0) break;
    b.len += (size_t)r;
    b.p[b.len] = 0;
  }
  if (b.failed) {
    dt__buf_free(&b);
    return dt__fail(err, DT_ENOMEM, "out of memory reading %s", name);
  }
  *len = b.len;
  *out = dt__buf_finish(&b);
  return *out ? 0 : dt__fail(err, DT_ENOMEM, "out of memory reading %s", name);
}

int dt__file_read(const char *path, size_t max, char **out, size_t *len,
                  dt_error *err) {
  *out = NULL;
  *len = 0;
  if (!path) return dt__fail(err, DT_EINVAL, "no file name");
  int is_stdin = strcmp(path, "-") == 0;
  const char *name = is_stdin ? "standard input" : path;
  int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return dt__fail(err, DT_EIO, "cannot open %s: %s", name, strerror(errno));
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) != 0)
    rc = dt__fail(err, DT_EIO, "cannot read %s: %s", name, strerror(errno));
  else if (S_ISDIR(st.st_mode))
    rc = dt__fail(err, DT_EIO, "cannot read %s: it is a directory", name);
  else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
    rc = dt__fail(err, DT_EINVAL,
                  "%s is larger than the limit of %zu bytes (%llu bytes)", name,
                  max, (unsigned long long)st.st_size);
  if (!rc) rc = dt__file_read_fd(fd, name, max, out, len, err);
  if (!is_stdin) close(fd);
  return rc;
}

int dt_file_read(const char *path, size_t max, char **out, size_t *len,
                 dt_error *err) {
  if (!out || !len) return dt__fail(err, DT_EINVAL, "nowhere to read into");
  return dt__file_read(path, max, out, len, err);
}
