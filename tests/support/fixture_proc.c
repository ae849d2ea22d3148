/* fixture_proc.c — spawn detour-fixture for C tests (TEST ONLY; libc + POSIX).
 */
#include "fixture_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef DETOUR_BUILD_DIR
#define DETOUR_BUILD_DIR "build"
#endif

extern char **environ;

#define FX_PROC_MAX_LISTENERS 16

struct dt_fixture {
  pid_t pid;
  int in_fd; /* write end of the server's stdin */
  char dir[256];
  char scenario[300], log[300];
  size_t nports;
  char names[FX_PROC_MAX_LISTENERS][32];
  int ports[FX_PROC_MAX_LISTENERS];
};

static const char *build_dir(void) {
  const char *d = getenv("DETOUR_BUILD_DIR");
  return d && *d ? d : DETOUR_BUILD_DIR;
}

const char *dt_fixture_ca_file(void) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/test-ca/ca.crt", build_dir());
  return path;
}

/* Parses {"http":P,"https":P,"listeners":{"name":P,...}} (our own output). */
static int parse_ports(dt_fixture *fx, const char *line) {
  const char *p = strstr(line, "\"listeners\":{");
  if (!p) return -1;
  p += strlen("\"listeners\":{");
  while (*p == '"' && fx->nports < FX_PROC_MAX_LISTENERS) {
    const char *q = strchr(p + 1, '"');
    if (!q || (size_t)(q - p - 1) >= sizeof fx->names[0] || q[1] != ':')
      return -1;
    memcpy(fx->names[fx->nports], p + 1, (size_t)(q - p - 1));
    fx->names[fx->nports][q - p - 1] = '\0';
    char *end;
    long v = strtol(q + 2, &end, 10);
    if (end == q + 2 || v <= 0 || v > 65535) return -1;
    fx->ports[fx->nports++] = (int)v;
    p = end;
    if (*p == ',') p++;
  }
  return fx->nports >= 2 ? 0 : -1;
}

static void remove_files(dt_fixture *fx) {
  if (getenv("DETOUR_KEEP_FIXTURE")) return;
  unlink(fx->scenario);
  unlink(fx->log);
  rmdir(fx->dir);
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

int dt_fixture_start(const char *scenario_text, dt_fixture **out) {
  *out = NULL;
  dt_fixture *fx = calloc(1, sizeof *fx);
  if (!fx) return -1;
  fx->pid = -1;
  fx->in_fd = -1;
  const char *tmp = getenv("TMPDIR");
  snprintf(fx->dir, sizeof fx->dir, "%s/detour-fixture-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(fx->dir)) {
    fprintf(stderr, "fixture: mkdtemp: %s\n", strerror(errno));
    free(fx);
    return -1;
  }
  snprintf(fx->scenario, sizeof fx->scenario, "%s/scenario.txt", fx->dir);
  snprintf(fx->log, sizeof fx->log, "%s/requests.jsonl", fx->dir);
  if (write_file(fx->scenario, scenario_text ? scenario_text : "") != 0 ||
      write_file(fx->log, "") != 0) {
    fprintf(stderr, "fixture: cannot write in %s\n", fx->dir);
    remove_files(fx);
    free(fx);
    return -1;
  }

  char bin[1024], certs[1024];
  snprintf(bin, sizeof bin, "%s/tests/fixture/detour-fixture", build_dir());
  snprintf(certs, sizeof certs, "%s/test-ca", build_dir());
  int in_pipe[2], out_pipe[2];
  if (pipe(in_pipe) != 0) {
    remove_files(fx);
    free(fx);
    return -1;
  }
  if (pipe(out_pipe) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    remove_files(fx);
    free(fx);
    return -1;
  }
  /* Our ends must not leak into other children. */
  fcntl(in_pipe[1], F_SETFD, FD_CLOEXEC);
  fcntl(out_pipe[0], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addclose(&fa, in_pipe[0]);
  posix_spawn_file_actions_addclose(&fa, out_pipe[1]);
  char *argv[] = {bin,     "--scenario", fx->scenario, "--log",
                  fx->log, "--certs",    certs,        NULL};
  int rc = posix_spawn(&fx->pid, bin, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  fx->in_fd = in_pipe[1];
  if (rc != 0) {
    fprintf(stderr, "fixture: cannot start %s: %s\n", bin, strerror(rc));
    fx->pid = -1;
    close(out_pipe[0]);
    dt_fixture_stop(fx);
    return -1;
  }

  /* Read the one port line, 20 s at most (ASan builds start slowly). */
  char line[2048];
  size_t len = 0;
  int ok = 0;
  for (int waited = 0; waited < 20000 && len < sizeof line - 1;) {
    struct pollfd pfd = {out_pipe[0], POLLIN, 0};
    int pr = poll(&pfd, 1, 100);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      waited += 100;
      continue;
    }
    ssize_t n = read(out_pipe[0], line + len, sizeof line - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
    line[len] = '\0';
    if (strchr(line, '\n')) {
      ok = parse_ports(fx, line) == 0;
      break;
    }
  }
  close(out_pipe[0]);
  if (!ok) {
    fprintf(
        stderr,
        "fixture: no port line from %s (scenario error? see stderr above)\n",
        bin);
    dt_fixture_stop(fx);
    return -1;
  }
  *out = fx;
  return 0;
}

int dt_fixture_port(const dt_fixture *fx, const char *name) {
  for (size_t i = 0; fx && i < fx->nports; i++)
    if (strcmp(fx->names[i], name) == 0) return fx->ports[i];
  return -1;
}

const char *dt_fixture_log_path(const dt_fixture *fx) { return fx->log; }

int dt_fixture_log_lines(const dt_fixture *fx, char ***lines, size_t *n) {
  *lines = NULL;
  *n = 0;
  FILE *f = fopen(fx->log, "rb");
  if (!f) return -1;
  size_t cap = 0;
  char *buf = NULL;
  size_t bcap = 0;
  ssize_t got;
  int rc = 0;
  while ((got = getline(&buf, &bcap, f)) > 0) {
    if (buf[got - 1] != '\n') break; /* still being written: not a line yet */
    buf[--got] = '\0';
    if (*n == cap) {
      size_t nc = cap ? cap * 2 : 32;
      char **nl = realloc(*lines, nc * sizeof *nl);
      if (!nl) {
        rc = -1;
        break;
      }
      *lines = nl;
      cap = nc;
    }
    char *copy = strdup(buf);
    if (!copy) {
      rc = -1;
      break;
    }
    (*lines)[(*n)++] = copy;
  }
  free(buf);
  fclose(f);
  if (rc != 0) {
    dt_fixture_lines_free(*lines, *n);
    *lines = NULL;
    *n = 0;
  }
  return rc;
}

void dt_fixture_lines_free(char **lines, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(lines[i]);
  free(lines);
}

size_t dt_fixture_count(const dt_fixture *fx, const char *needle) {
  char **lines;
  size_t n, count = 0;
  if (dt_fixture_log_lines(fx, &lines, &n) != 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (strstr(lines[i], needle)) count++;
  dt_fixture_lines_free(lines, n);
  return count;
}

static size_t count_event(const dt_fixture *fx, const char *event,
                          const char *listener) {
  char needle[128];
  if (listener)
    snprintf(needle, sizeof needle, "{\"event\":\"%s\",\"listener\":\"%s\",",
             event, listener);
  else
    snprintf(needle, sizeof needle, "{\"event\":\"%s\",", event);
  return dt_fixture_count(fx, needle);
}

size_t dt_fixture_connections(const dt_fixture *fx, const char *listener) {
  return count_event(fx, "accept", listener);
}

size_t dt_fixture_requests(const dt_fixture *fx, const char *listener) {
  return count_event(fx, "request", listener);
}

static int wait_ms(pid_t pid, int ms, int *status) {
  for (int waited = 0; waited <= ms; waited += 10) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return 0;
    if (r < 0 && errno != EINTR) return -1;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 1;
}

int dt_fixture_stop(dt_fixture *fx) {
  if (!fx) return 0;
  int result = 0;
  if (fx->in_fd >= 0) close(fx->in_fd); /* EOF on stdin: the server's cue */
  if (fx->pid > 0) {
    int status = 0;
    int w = wait_ms(fx->pid, 15000, &status);
    if (w == 1) {
      kill(fx->pid, SIGTERM);
      w = wait_ms(fx->pid, 5000, &status);
      if (w == 1) {
        kill(fx->pid, SIGKILL);
        waitpid(fx->pid, &status, 0);
      }
      result = -1;
    } else if (w < 0) {
      result = -1;
    } else {
      result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
  }
  remove_files(fx);
  free(fx);
  return result;
}
