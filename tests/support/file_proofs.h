/* file_proofs.h — the two proofs every file detour keeps must pass (TEST
 * ONLY), run against the file's own load and save:
 *   - concurrency: PROCS processes add and save records to one file at
 *     once; afterwards none is missing and no line is damaged;
 *   - crash safety: a process adding and saving records in a loop is
 *     killed with SIGKILL at a varying moment, ROUNDS times; every record
 *     whose save had returned is in the file and no line is damaged.
 * The file's test gives two callbacks; records are named by (who, i).
 * libc + POSIX only. */
#ifndef DT_FILE_PROOFS_H
#define DT_FILE_PROOFS_H

#include <stddef.h>

/* Adds record (WHO, I) to *STATE (NULL at first: the step loads PATH into
 * a new state) and saves it to PATH; 0 once the save returned 0. I == -1:
 * free *STATE and return 0. */
typedef int (*dt_proof_step)(const char *path, void **state, int who, int i);
/* Loads PATH: how many of WHO's records 0..UPTO are missing (a file that
 * keeps a bounded number may count the ones its bound let go as present),
 * with the load's skipped lines in *SKIPPED; -1 if the load failed. */
typedef int (*dt_proof_check)(const char *path, int who, int upto,
                              size_t *skipped);

/* Both return the records lost plus the damaged lines found (0: proven), or
 * -1 when a process or a load failed. */
int dt_proof_concurrent(const char *path, int procs, int each,
                        dt_proof_step step, dt_proof_check check);
int dt_proof_sigkill(const char *path, int rounds, dt_proof_step step,
                     dt_proof_check check);

#endif
