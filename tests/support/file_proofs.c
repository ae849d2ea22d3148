/* file_proofs.c — see file_proofs.h. */
#include "file_proofs.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int dt_proof_concurrent(const char *path, int procs, int each,
                        dt_proof_step step, dt_proof_check check) {
  for (int w = 0; w < procs; w++) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      void *st = NULL;
      int bad = 0;
      for (int i = 0; i < each; i++)
        if (step(path, &st, w, i)) bad = 1;
      step(path, &st, w, -1);
      _exit(bad);
    }
  }
  int failed = 0, status;
  while (wait(&status) > 0)
    if (!WIFEXITED(status) || WEXITSTATUS(status)) failed = 1;
  if (failed) return -1;
  int lost = 0;
  for (int w = 0; w < procs; w++) {
    size_t skipped = 0;
    int m = check(path, w, each - 1, &skipped);
    if (m < 0) return -1;
    lost += m + (int)skipped;
  }
  return lost;
}

int dt_proof_sigkill(const char *path, int rounds, dt_proof_step step,
                     dt_proof_check check) {
  int lost = 0;
  for (int round = 0; round < rounds; round++) {
    int pfd[2];
    if (pipe(pfd)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      close(pfd[0]);
      void *st = NULL;
      for (int i = 0;; i++)
        /* acknowledged only once the save returned */
        if (step(path, &st, round, i) == 0 &&
            write(pfd[1], &i, sizeof i) != sizeof i)
          _exit(1);
    }
    close(pfd[1]);
    /* a different moment each round: before, during and between saves */
    usleep(2000 + (unsigned)(round * 977) % 20000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    int last = -1, v;
    while (read(pfd[0], &v, sizeof v) == sizeof v)
      last = v;
    close(pfd[0]);
    size_t skipped = 0;
    int m = check(path, round, last, &skipped);
    if (m < 0) return -1;
    lost += m + (int)skipped;
  }
  return lost;
}
