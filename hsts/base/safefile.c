/* safefile.c — see safefile.h. The HSTS store's file machinery, made the
 * kit of every file detour keeps. */
#include "hsts/base/safefile.h"

#include "detour.h"
#include "hsts/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

/* ---- CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) --------------------- */
static const uint32_t crc_tab[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u,
    0x706af48fu, 0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u,
    0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u,
    0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu,
    0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 0x136c9856u,
    0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u,
    0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
    0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u,
    0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 0x26d930acu, 0x51de003au,
    0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u,
    0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u,
    0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu,
    0x9fbfe4a5u, 0xe8b8d433u, 0x7807c9a2u, 0x0f00f934u, 0x9609a88eu,
    0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
    0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu, 0x6c0695edu,
    0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u,
    0xfbd44c65u, 0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u,
    0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au,
    0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u,
    0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau, 0xbe0b1010u,
    0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u,
    0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u,
    0x03b6e20cu, 0x74b1d29au, 0xead54739u, 0x9dd277afu, 0x04db2615u,
    0x73dc1683u, 0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
    0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 0xf00f9344u,
    0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au,
    0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
    0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u,
    0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu, 0xd80d2bdau, 0xaf0a1b4cu,
    0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu,
    0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu,
    0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u,
    0x2cd99e8bu, 0x5bdeae1du, 0x9b64c2b0u, 0xec63f226u, 0x756aa39cu,
    0x026d930au, 0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
    0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u, 0x92d28e9bu,
    0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u,
    0x18b74777u, 0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu,
    0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u, 0xa00ae278u,
    0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u,
    0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 0x40df0b66u,
    0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u,
    0xcdd70693u, 0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u,
    0x5d681b02u, 0x2a6f2b94u, 0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu,
    0x2d02ef8du};

uint32_t dt__crc32(const void *buf, size_t len) {
  const unsigned char *p = buf;
  uint32_t c = 0xffffffffu;
  while (len--)
    c = crc_tab[(c ^ *p++) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* ---- reports ------------------------------------------------------------- */
void dt__file_report_start(dt__file_report *rep, const char *what,
                           const char *path) {
  memset(rep, 0, sizeof *rep);
  snprintf(rep->what, sizeof rep->what, "%s", what ? what : "file");
  if (path) snprintf(rep->path, sizeof rep->path, "%s", path);
}

void dt__file_report_bad(dt__file_report *rep, size_t lineno) {
  rep->skipped++;
  if (rep->nbad < DT__FILE_BAD_KEPT) rep->bad_lines[rep->nbad++] = lineno;
}

int dt__file_report_record(dt__file_report *rep, int rc, size_t lineno) {
  if (rc == DT_ENOMEM) return dt__file_report_oom(rep);
  if (rc == 1)
    rep->expired++;
  else if (rc)
    dt__file_report_bad(rep, lineno);
  else
    rep->loaded++;
  return 0;
}

int dt__file_report_fail(dt__file_report *rep, int err, int sys_errno,
                         const char *cause, const char *fix) {
  rep->err = err;
  rep->sys_errno = sys_errno;
  snprintf(rep->cause, sizeof rep->cause, "%s", cause);
  snprintf(rep->fix, sizeof rep->fix, "%s", fix);
  snprintf(rep->message, sizeof rep->message, "%s %s: %s. Fix: %s.",
           rep->what[0] ? rep->what : "file",
           rep->path[0] ? rep->path : "(memory)", rep->cause, rep->fix);
  return err;
}

int dt__file_report_oom(dt__file_report *rep) {
  return dt__file_report_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
}

int dt__safefile_line(const char **p, const char *end, const char **line,
                      size_t *n) {
  if (*p >= end) return 0;
  const char *nl = memchr(*p, '\n', (size_t)(end - *p));
  const char *le = nl ? nl : end;
  /* A CRLF file (copied through Windows, an editor's setting) reads as the
   * same lines: the '\r' is not part of the line, nor of its CRC. */
  if (le > *p && le[-1] == '\r') le--;
  *line = *p;
  *n = (size_t)(le - *p);
  *p = nl ? nl + 1 : end;
  return 1;
}

int dt__file_report_errno(dt__file_report *rep, int e, const char *what,
                          const char *where) {
  char cause[256];
  const char *fix;
  switch (e) {
  case EACCES:
  case EPERM:
    fix = "make the file readable and writable by you (chmod 600) and its "
          "directory writable (chmod 700), or use another path";
    break;
  case ENOENT:
  case ENOTDIR:
    fix = "create the directory (mkdir -p) or use another path";
    break;
  case ENOSPC:
  case EDQUOT:
  case EFBIG:
    fix = "free space on that file system (or raise the quota / file size "
          "limit); the old file is unchanged";
    break;
  case EROFS: fix = "use a path on a writable file system"; break;
  case EISDIR:
    fix = "the path names a directory: give the path of a file";
    break;
  default: fix = "check the path and its permissions, or use another path";
  }
  snprintf(cause, sizeof cause, "%s%s%.160s: %s", what,
           where && where[0] ? " " : "", where ? where : "", strerror(e));
  return dt__file_report_fail(rep, DT_EIO, e, cause, fix);
}

/* ---- files --------------------------------------------------------------- */
static int too_big(dt__file_report *rep, size_t max) {
  char cause[128];
  snprintf(cause, sizeof cause, "the file is larger than %zu MiB", max >> 20);
  return dt__file_report_fail(rep, DT_ESTORE, 0, cause,
                              "move it away; a file of the maximum size is "
                              "far smaller");
}

int dt__safefile_trusted(const struct stat *st, dt__file_report *rep) {
  const char *what = rep->what[0] ? rep->what : "file";
  char cause[240], fix[240];
  if (!S_ISREG(st->st_mode))
    return dt__file_report_fail(rep, DT_ESTORE, 0, "not a regular file",
                                "give the path of a regular file (detour "
                                "creates it)");
  /* OpenSSH refuses a key or config file that someone else could have
   * written (group- or world-writable, or owned by another user than the
   * reader or root) rather than trust what it says; a kept file decides
   * where requests go, so detour does the same. Wget 1.x refuses a
   * world-writable HSTS file but says only "HSTS will be disabled"
   * (docs/hsts.md §4 item 9): say why and how to fix it. */
  if (st->st_mode & (S_IWOTH | S_IWGRP)) {
    int world = (st->st_mode & S_IWOTH) != 0;
    snprintf(cause, sizeof cause,
             "the file is %s-writable, so %s could change this %s; it was "
             "not loaded",
             world ? "world" : "group",
             world ? "any local user" : "other users of its group", what);
    snprintf(fix, sizeof fix,
             "run chmod %s on it (detour creates its files with mode "
             "0600), or use another path",
             world ? "o-w" : "g-w");
    return dt__file_report_fail(rep, DT_ESTORE, 0, cause, fix);
  }
  uid_t me = geteuid();
  if (st->st_uid != me && st->st_uid != 0) {
    snprintf(cause, sizeof cause,
             "the file belongs to another user (uid %lu; detour runs as uid "
             "%lu), who could change this %s; it was not loaded",
             (unsigned long)st->st_uid, (unsigned long)me, what);
    snprintf(fix, sizeof fix,
             "make it yours (chown %lu on it) if its content is yours, or "
             "move it away or use another path",
             (unsigned long)me);
    return dt__file_report_fail(rep, DT_ESTORE, 0, cause, fix);
  }
  return 0;
}

/* The end of the last whole line of BUF (LEN bytes): what a view has read
 * (a last line without its '\n' may be an append still being written). */
static size_t whole_lines(const char *buf, size_t len) {
  while (len && buf[len - 1] != '\n')
    len--;
  return len;
}

int dt__safefile_read_view(const char *path, size_t max, char **buf,
                           size_t *len, dt__safefile_view *view,
                           dt__file_report *rep) {
  *buf = NULL;
  *len = 0;
  if (view) memset(view, 0, sizeof *view);
  int fd;
  /* O_NONBLOCK: a FIFO planted at the path must not hang the open; it is
   * refused below as "not a regular file" (regular files ignore it). */
  do
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) {
      rep->missing = 1;
      return 0;
    }
    return dt__file_report_errno(rep, errno, "cannot open the file for reading",
                                 NULL);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return dt__file_report_errno(rep, e, "cannot stat the file", NULL);
  }
  int rc = dt__safefile_trusted(&st, rep);
  if (rc) {
    close(fd);
    return rc;
  }
  if ((uint64_t)st.st_size > max) {
    close(fd);
    return too_big(rep, max);
  }
  /* The file may have grown since fstat (another writer appending): the
   * reader takes what is there, up to the bound. */
  dt_error e;
  rc = dt__file_read_fd(fd, path, max, buf, len, &e);
  close(fd);
  if (rc == DT_ENOMEM) return dt__file_report_oom(rep);
  if (rc == DT_EINVAL) return too_big(rep, max);
  if (rc) return dt__file_report_errno(rep, EIO, "cannot read the file", NULL);
  if (view) {
    view->known = 1;
    view->dev = (uint64_t)st.st_dev;
    view->ino = (uint64_t)st.st_ino;
    view->off = whole_lines(*buf, *len);
  }
  return 0;
}

int dt__safefile_read(const char *path, size_t max, char **buf, size_t *len,
                      dt__file_report *rep) {
  return dt__safefile_read_view(path, max, buf, len, NULL, rep);
}

/* The directory part of PATH into DIR ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t cap) {
  const char *sl = strrchr(path, '/');
  if (!sl)
    snprintf(dir, cap, ".");
  else if (sl == path)
    snprintf(dir, cap, "/");
  else
    snprintf(dir, cap, "%.*s", (int)(sl - path), path);
}

int dt__safefile_ensure_dir(const char *path, dt__file_report *rep) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return 0;
    return dt__file_report_errno(rep, ENOTDIR, "cannot use the directory", dir);
  }
  for (char *p = dir + 1;; p++) {
    if (*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return dt__file_report_errno(rep, errno, "cannot create the directory",
                                     dir);
      *p = c;
      if (!c) break;
    }
  }
  return 0;
}

static void fsync_dir(const char *path) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  /* Makes the rename durable. Some file systems refuse fsync on a
   * directory (EINVAL); the rename itself has happened, so ignore. */
  (void)fsync(fd);
  close(fd);
}

/* PATH + SUFFIX into OUT; DT_EINVAL when it does not fit or PATH is
 * empty or names a directory. */
static int side_path(const char *path, const char *suffix, char *out,
                     size_t cap, dt__file_report *rep) {
  size_t n = strlen(path);
  if (n == 0 || n >= 4096 || path[n - 1] == '/' ||
      (size_t)snprintf(out, cap, "%s%s", path, suffix) >= cap)
    return dt__file_report_fail(rep, DT_EINVAL, 0,
                                "the path is empty, too long or names a "
                                "directory",
                                "give the path of a file");
  return 0;
}

int dt__safefile_resolve(const char *path, char *out, size_t cap,
                         dt__file_report *rep) {
  char cur[4096], target[4096];
  if ((size_t)snprintf(cur, sizeof cur, "%s", path) >= sizeof cur)
    return dt__file_report_fail(rep, DT_EINVAL, 0, "the path is too long",
                                "use a shorter path");
  /* A link as the path is followed to the file it names (a profile kept
   * in a dotfiles repository and linked into place): written through
   * rename, the link itself would become a separate regular file and the
   * link and its target would take different locks. Links in the
   * directories above are left to the kernel: PATH.tmp and PATH.lock
   * resolve through them to the same directory. */
  for (int hops = 0;; hops++) {
    struct stat st;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
    if (hops == 40)
      return dt__file_report_errno(rep, ELOOP, "cannot follow the link", cur);
    ssize_t n = readlink(cur, target, sizeof target - 1);
    if (n < 0)
      return dt__file_report_errno(rep, errno, "cannot read the link", cur);
    if ((size_t)n >= sizeof target - 1)
      return dt__file_report_fail(rep, DT_EINVAL, 0,
                                  "the link names a path that is too long",
                                  "use a shorter path");
    target[n] = 0;
    char dir[4096];
    dir_of(cur, dir, sizeof dir);
    int w = target[0] == '/' || strcmp(dir, ".") == 0
                ? snprintf(cur, sizeof cur, "%s", target)
                : snprintf(cur, sizeof cur, "%s/%s", dir, target);
    if (w < 0 || (size_t)w >= sizeof cur)
      return dt__file_report_fail(rep, DT_EINVAL, 0,
                                  "the link names a path that is too long",
                                  "use a shorter path");
  }
  if ((size_t)snprintf(out, cap, "%s", cur) >= cap)
    return dt__file_report_fail(rep, DT_EINVAL, 0, "the path is too long",
                                "use a shorter path");
  return 0;
}

int dt__safefile_replace(const char *path_in, dt__safefile_gen gen, void *ud,
                         dt__file_report *rep) {
  char path[4096], tmp[4200];
  int rc = dt__safefile_resolve(path_in, path, sizeof path, rep);
  if (rc) return rc;
  rc = side_path(path, ".tmp", tmp, sizeof tmp, rep);
  if (rc) return rc;
  /* A temp file left by a crashed writer is garbage: readers never look
   * at it, and it is replaced here. O_EXCL after unlink so a planted
   * symlink is not followed. */
  if (unlink(tmp) != 0 && errno != ENOENT)
    return dt__file_report_errno(rep, errno,
                                 "cannot remove the stale temporary file", tmp);
  int fd;
  do
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return dt__file_report_errno(rep, errno, "cannot create", tmp);
  (void)fchmod(fd, 0600); /* whatever the umask */
  FILE *out = fdopen(fd, "w");
  if (!out) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return dt__file_report_errno(rep, e, "cannot write", tmp);
  }
  size_t count = 0;
  errno = 0;
  rc = gen(out, ud, &count);
  int e = 0;
  if (rc == 0 && (fflush(out) != 0 || ferror(out))) e = errno ? errno : EIO;
  if (rc == 0 && !e && fsync(fd) != 0) e = errno;
  if (fclose(out) != 0 && rc == 0 && !e) e = errno ? errno : EIO;
  if (rc == 0 && !e && rename(tmp, path) != 0) e = errno;
  if (rc || e) {
    unlink(tmp);
    if (rc) return rc;
    return dt__file_report_errno(rep, e, "cannot write", tmp);
  }
  fsync_dir(path);
  rep->saved = count;
  return 0;
}

static unsigned lock_wait_ms = DT__FILE_LOCK_WAIT_MS;
void dt__safefile_set_lock_wait(unsigned ms) { lock_wait_ms = ms; }

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* flock(FD, LOCK_EX) on the lock file LOCK, for at most MS: 0, EWOULDBLOCK
 * (still held), or another errno. A holder gives the lock back by closing
 * the lock file (dt__safefile_unlock; the kernel closes it for a process
 * that dies), and inotify reports that close, so the wait sleeps until it
 * rather than polling. The wakeup is rechecked with flock (another waiter
 * may win); a dead holder's close can be reported a moment before its
 * lock is gone, so a wait without news rechecks every 100 ms. Without
 * inotify (another OS, no instance left) it rechecks every 10 ms. */
static int wait_lock(int fd, const char *lock, unsigned ms) {
  int64_t deadline = mono_ms() + ms;
  int in = -1;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    int e = errno;
    if (e == EINTR) continue;
    if (e != EWOULDBLOCK) {
      if (in >= 0) close(in);
      return e;
    }
    int64_t left = deadline - mono_ms();
    if (left <= 0) {
      if (in >= 0) close(in);
      return EWOULDBLOCK;
    }
#ifdef __linux__
    if (in == -1) {
      in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (in >= 0 &&
          inotify_add_watch(in, lock, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
        close(in);
        in = -1;
      }
      if (in >= 0) continue; /* a close before the watch: flock again */
      in = -2;               /* no watch: recheck on a short period instead */
    }
#else
    (void)lock;
#endif
    struct pollfd pf = {in >= 0 ? in : -1, POLLIN, 0};
    int step = in >= 0 ? 100 : 10;
    if (poll(&pf, 1, (int)(left < step ? left : step)) > 0) {
      char ev[4096]; /* the events themselves do not matter: drain them */
      while (read(in, ev, sizeof ev) > 0) {
      }
    }
  }
  if (in >= 0) close(in);
  return 0;
}

int dt__safefile_lock(const char *path_in, dt__file_report *rep) {
  char path[4096], lock[4200];
  int rc = dt__safefile_resolve(path_in, path, sizeof path, rep);
  if (rc) return rc;
  rc = side_path(path, ".lock", lock, sizeof lock, rep);
  if (rc) return rc;
  /* The lock is a separate file: the file itself is replaced by rename,
   * so a lock on it would be on a file that no longer has the name. */
  int fd;
  do
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return dt__file_report_errno(rep, errno, "cannot open the lock file", lock);
  /* flock(LOCK_EX), but never forever: a hung process holding the lock
   * must not hang every other run. */
  int e = wait_lock(fd, lock, lock_wait_ms);
  if (e == 0) return fd;
  close(fd);
  if (e != EWOULDBLOCK)
    return dt__file_report_errno(rep, e, "cannot lock", lock);
  char cause[256];
  snprintf(cause, sizeof cause,
           "another process has held the lock %.150s for more than %u ms", lock,
           lock_wait_ms);
  return dt__file_report_fail(rep, DT_ESTORE, EWOULDBLOCK, cause,
                              "look for a hung detour process (fuser on the "
                              "lock file) and retry; nothing was written");
}

void dt__safefile_unlock(int fd) {
  if (fd < 0) return;
  /* Unlocked before the close, so a waiter woken by the close (inotify)
   * finds the lock free. */
  (void)flock(fd, LOCK_UN);
  close(fd);
}

/* ---- record-line files ----------------------------------------------------
 */

int dt__safefile_magic(const char *buf, size_t len, const char *const *magics) {
  const char *p = buf, *line;
  size_t n;
  if (!dt__safefile_line(&p, buf + len, &line, &n)) return -1;
  for (int i = 0; magics[i]; i++)
    if (n == strlen(magics[i]) && memcmp(line, magics[i], n) == 0) return i;
  return -1;
}

int dt__safefile_records(const char *buf, size_t len, const char *const *magics,
                         dt__safefile_record_fn fn, void *ud,
                         dt__file_report *rep) {
  const char *p = buf, *end = buf + len, *line;
  size_t lineno = 0, n;
  while (dt__safefile_line(&p, end, &line, &n)) {
    const char *le = line + n;
    lineno++;
    rep->lines++;
    if (lineno == 1) {
      if (dt__safefile_magic(buf, len, magics) < 0) {
        char cause[64];
        snprintf(cause, sizeof cause, "not a detour %s file", rep->what);
        return dt__file_report_fail(rep, DT_ESTORE, 0, cause,
                                    "move it away or use another directory");
      }
    } else if (n && line[0] != '#') {
      /* the CRC is the last field: a damaged line is refused before its
       * record is looked at */
      const char *sp = le;
      while (sp > line && sp[-1] != ' ')
        sp--;
      int rc = -1;
      if (sp > line && le - sp == 8) {
        char want[9];
        snprintf(want, sizeof want, "%08x",
                 (unsigned)dt__crc32(line, (size_t)(sp - 1 - line)));
        if (memcmp(sp, want, 8) == 0)
          rc = fn(ud, line, (size_t)(sp - 1 - line));
      }
      if (rc == -1 && p == end && end[-1] != '\n') {
        rep->torn = 1; /* an append cut short: not damage (journal.h) */
        continue;
      }
      if (dt__file_report_record(rep, rc, lineno)) return DT_ENOMEM;
    }
  }
  return 0;
}

int dt__safefile_load_records(const char *path, size_t max,
                              const char *const *magics,
                              dt__safefile_record_fn fn, void *ud,
                              dt__file_report *rep) {
  char *buf;
  size_t len;
  int rc = dt__safefile_read(path, max, &buf, &len, rep);
  if (rc || !buf) return rc;
  rc = dt__safefile_records(buf, len, magics, fn, ud, rep);
  free(buf);
  return rc;
}

void dt__safefile_put_record(FILE *out, const char *rec, size_t n) {
  fwrite(rec, 1, n, out);
  fprintf(out, " %08x\n", (unsigned)dt__crc32(rec, n));
}

/* ---- clears -------------------------------------------------------------- */

void dt__clears_add(dt__clears *c, int64_t from_ms, int64_t to_ms) {
  if (c->n < DT__CLEARS_MAX) {
    c->from[c->n] = from_ms;
    c->to[c->n++] = to_ms;
    return;
  }
  size_t k = DT__CLEARS_MAX - 1; /* wider than asked: never narrower */
  if (from_ms < c->from[k]) c->from[k] = from_ms;
  if (to_ms > c->to[k]) c->to[k] = to_ms;
}

int dt__clears_cover(const dt__clears *c, int64_t t) {
  for (size_t i = 0; i < c->n; i++)
    if (t >= c->from[i] && t <= c->to[i]) return 1;
  return 0;
}

/* ---- record fields ------------------------------------------------------- */

size_t dt__record_split(const char *rec, size_t n, dt__recfield *out,
                        size_t max) {
  const char *s = rec, *e = rec + n;
  size_t nf = 0;
  while (s < e) {
    const char *t = memchr(s, ' ', (size_t)(e - s));
    if (!t) t = e;
    if (nf == max) return max + 1;
    out[nf].s = s;
    out[nf].e = t;
    nf++;
    s = t < e ? t + 1 : e;
  }
  return nf;
}

void dt__record_put_text(dt__buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch <= 0x20 || ch == '%' || ch == '=' || ch == 0x7f)
      dt__buf_printf(b, "%%%02X", ch);
    else
      dt__buf_put(b, s, 1);
  }
}

static int hexv(char ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                  : -1;
}

char *dt__record_text(dt__recfield f) {
  const char *s = f.s, *e = f.e;
  char *out = malloc((size_t)(e - s) + 1), *w = out;
  if (!out) return NULL;
  for (; s < e; s++) {
    if (*s == '%') {
      if (e - s < 3 || hexv(s[1]) < 0 || hexv(s[2]) < 0) break;
      char ch = (char)(hexv(s[1]) * 16 + hexv(s[2]));
      if (!ch) break;
      *w++ = ch;
      s += 2;
    } else {
      *w++ = *s;
    }
  }
  if (s != e) {
    free(out);
    return NULL;
  }
  *w = 0;
  return out;
}

int dt__record_int(dt__recfield f, int64_t *out) {
  if (f.s == f.e) return -1;
  int64_t v = 0;
  for (const char *s = f.s; s < f.e; s++) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 0;
}

int dt__record_sint(dt__recfield f, int64_t *out) {
  const char *p = f.s;
  int neg = p < f.e && *p == '-';
  p += neg;
  if (p == f.e || f.e - p > 19) return -1;
  uint64_t v = 0;
  for (; p < f.e; p++) {
    if (*p < '0' || *p > '9') return -1;
    v = v * 10 + (uint64_t)(*p - '0'); /* 19 digits cannot wrap */
  }
  /* the whole range: a clear of "everything" is [INT64_MIN, INT64_MAX] */
  if (v > (uint64_t)INT64_MAX + (uint64_t)neg) return -1;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 0;
}

int dt__record_is(dt__recfield f, const char *w) {
  size_t n = strlen(w);
  return (size_t)(f.e - f.s) == n && memcmp(f.s, w, n) == 0;
}
