/* file.h — reading a whole file into memory, once, bounded: the store
 * file, a preload list's JSON, the CLI's -d @FILE and --from lists. POSIX
 * (open, fstat, read). */
#ifndef DT_BASE_FILE_H
#define DT_BASE_FILE_H

#include <stddef.h>

#include "detour.h"

/* Reads what is left of FD (at most MAX bytes) into a new NUL-terminated
 * buffer (*out, free()); does not close FD. 0, DT_EINVAL (more than MAX:
 * ERR says so), DT_EIO (ERR has strerror), DT_ENOMEM. NAME is the file's
 * name for messages. */
int dt__file_read_fd(int fd, const char *name, size_t max, char **out,
                     size_t *len, dt_error *err);
/* Opens PATH ("-": standard input) and reads it whole. A directory, or a
 * regular file larger than MAX, is refused before anything is read. */
int dt__file_read(const char *path, size_t max, char **out, size_t *len,
                  dt_error *err);

#endif
