/* cli.h — what the subcommands of `detour` share (cli/ only; the engine
 * never includes this). Each subcommand is one file cmd_<name>.c with one
 * entry point; main.c dispatches. Exit statuses are dt_err_class_of()
 * values (docs/cli.md), 2 for usage. */
#ifndef DT_CLI_H
#define DT_CLI_H

#include "detour.h"

#include <stddef.h>
#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_USAGE 2

/* Entry points: argv[0] is the subcommand name. Return the exit status. */
int cli_cmd_fetch(int argc, char **argv);
int cli_cmd_url(int argc, char **argv);
int cli_cmd_hsts(int argc, char **argv);
int cli_cmd_preload(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);

/* "detour: <msg>" on stderr; returns CLI_EXIT_USAGE for `return`. */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* "detour: <msg>" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Exit status for a DT_E* code (0 for 0). */
int cli_exit_for(int err);

/* Reads a whole file ("-" = stdin) into a new NUL-terminated buffer of at
 * most MAX bytes. Returns 0, DT_EIO (message printed) or DT_ELIMIT... as
 * DT_EINVAL when larger than MAX. */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);
/* Writes LEN bytes to PATH ("-" = stdout). 0 or DT_EIO (message printed). */
int cli_write_file(const char *path, const void *data, size_t len);
/* Prints S and a newline to stdout, then frees it. DT_ENOMEM when NULL. */
int cli_print_owned(char *s);

/* Parses a non-negative decimal (seconds may have a fraction when
 * allow_frac) into *out; 0 on success. */
int cli_parse_uint(const char *s, unsigned long long max,
                   unsigned long long *out);
int cli_parse_seconds_ms(const char *s, uint32_t *ms);

/* The HSTS store path: the option's value, else the default
 * ($XDG_DATA_HOME/detour/hsts.txt). Writes into OUT. 0 or DT_EINVAL. */
int cli_hsts_store_path(const char *opt, char *out, size_t cap);

#endif
