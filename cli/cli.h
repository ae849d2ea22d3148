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
int cli_cmd_cookies(int argc, char **argv);
int cli_cmd_cache(int argc, char **argv);

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
/* getopt's '?' for CMD: the option it did not take, said once (main sets
 * opterr to 0); the usage exit status. */
int cli_bad_option(const char *cmd, int argc, char **argv);
/* Exit status for a DT_E* code (0 for 0). */
int cli_exit_for(int err);
/* The profiles --profile takes, for help and errors (docs/profiles.md). */
#define CLI_PROFILES "chromium (default), fetch or firefox"
/* "unknown profile 'x' (try chromium (default), fetch or firefox)"; the
 * usage exit status. */
int cli_unknown_profile(const char *name);

/* Reads a whole file ("-" = stdin) of at most MAX bytes (dt_file_read);
 * the message is printed. 0 or a DT_E* code. Free *out with dt_free. */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);
/* Prints ERR's message ("detour: ..."), returns its exit status. */
int cli_fail(const dt_error *err);
/* ERR said once (docs/cli.md "Errors"): "detour: MESSAGE" on stderr, then,
 * for an INPUT (may be NULL) and a column, INPUT with a caret under the
 * byte, then "detour: hint: HINT" when ERR has one. With --json nothing
 * goes to stderr: the error document carries the message and the hint. */
void cli_error_why(const dt_error *err, const char *input);
/* The same for a code, a message and a hint (may be NULL). */
void cli_error_hint(int code, const char *msg, const char *hint);
/* From now on error messages on stderr are in the error style (--color,
 * when stderr is a terminal: cli_color_for). */
void cli_error_color(int on);
/* "  INPUT" and "  ^ byte N" under byte OFFSET of INPUT, to F. */
void cli_caret(FILE *f, const char *input, size_t offset);
/* 1 when --json was given (cli_json_mode). */
int cli_json(void);
/* Writes LEN bytes to PATH ("-" = stdout). 0 or DT_EIO (message printed). */
int cli_write_file(const char *path, const void *data, size_t len);
/* Prints S and a newline to stdout, then frees it. DT_ENOMEM when NULL. */
int cli_print_owned(char *s);
int cli_print_owned_to(FILE *f, char *s); /* the same, to F */
/* A command that writes stdout itself (not through the helpers above)
 * says so, so main does not add an error document (--json). */
void cli_stdout_used(void);
/* A command calls this when it parses --json: a failure before it printed
 * anything then still yields a JSON document (main.c). */
void cli_json_mode(void);

/* Parses a non-negative decimal (seconds may have a fraction when
 * allow_frac) into *out; 0 on success. */
int cli_parse_uint(const char *s, unsigned long long max,
                   unsigned long long *out);
int cli_parse_seconds_ms(const char *s, uint32_t *ms);

/* ---- what fetch and audit both take to make a request (cli/request.c) ---- */
#define CLI_MAX_HEADERS 64
#define CLI_MAX_OVERRIDES 32
typedef struct cli_request_opts {
  dt_header headers[CLI_MAX_HEADERS]; /* -H, in order */
  char *header_bufs[CLI_MAX_HEADERS];
  size_t nheaders;
  char *body; /* -d / --data-binary; NULL: none */
  size_t body_len;
  int body_json; /* the body came from --json */
  const char *resolve[CLI_MAX_OVERRIDES], *connect_to[CLI_MAX_OVERRIDES];
  size_t nresolve, nconnect_to;
} cli_request_opts;

/* Each returns 0, or prints why and returns CLI_EXIT_USAGE. */
int cli_req_add_header(cli_request_opts *r, const char *line); /* 'N: v' */
/* ARG is the body, or @FILE (at most MAX bytes); without BINARY, CR and LF
 * are dropped from a file's bytes as curl's -d does. Replaces any body
 * (the audit replays one form). */
int cli_req_set_body(cli_request_opts *r, const char *arg, int binary,
                     size_t max);
/* curl's body options, each adding to the body as curl does: -d/--data
 * (@FILE without CR/LF), --data-binary (@FILE as is), --data-raw (no @)
 * join with '&'; JSON pieces (@FILE as is) concatenate — for a caller with
 * a JSON body option (detour fetch's --json is its output format, so curl's
 * --json has no name there). MAX bounds the whole body. */
typedef enum cli_body_kind {
  CLI_BODY_DATA,
  CLI_BODY_BINARY,
  CLI_BODY_RAW,
  CLI_BODY_JSON
} cli_body_kind;
int cli_req_add_body(cli_request_opts *r, const char *arg, cli_body_kind kind,
                     size_t max);
/* After the options: the fields curl adds for a body unless -H set them —
 * Content-Type: application/x-www-form-urlencoded for -d and its kin,
 * application/json and Accept: application/json for --json. */
int cli_req_body_fields(cli_request_opts *r);
int cli_req_add_resolve(cli_request_opts *r, const char *spec);
int cli_req_add_connect_to(cli_request_opts *r, const char *spec);
/* Gives CTX every --resolve and --connect-to. */
int cli_req_apply_overrides(const cli_request_opts *r, dt_ctx *ctx);
/* What the library would refuse to send (-A, -H, -X, …), said with the
 * value and why before anything starts: 0, or CLI_EXIT_USAGE. Either
 * argument may be NULL. */
int cli_check_wire(const dt_ctx_options *ctx, const dt_request *req);
void cli_req_free(cli_request_opts *r);

/* The HSTS store path: the option's value, else the default
 * ($XDG_DATA_HOME/detour/hsts.txt). Writes into OUT. 0; -1 when there is
 * no option and no default ($XDG_DATA_HOME and $HOME unset: the caller
 * says what it does then); CLI_EXIT_USAGE, said, for an empty or
 * over-long option. */
int cli_hsts_store_path(const char *opt, char *out, size_t cap);
/* The user-data directory: the option's value, else the default store's
 * directory ($XDG_DATA_HOME/detour). Writes into OUT. Returns as
 * cli_hsts_store_path. */
int cli_user_data_dir(const char *opt, char *out, size_t cap);
/* --since 1h|24h|7d|4w|all (Chromium's "clear browsing data" ranges, or
 * any N followed by s, m, h, d, w): the start of the range in *FROM_MS
 * (INT64_MIN for all). 0, or prints why and returns CLI_EXIT_USAGE. */
int cli_parse_since(const char *arg, int64_t *from_ms);

/* ---- many inputs, one a line (lines.c) ---------------------------------
 * `detour url -`, `detour preload query -`, `audit --from FILE`: a list
 * read a line at a time, so memory stays bounded however long it is. */
#define CLI_LINE_MAX 4096
typedef struct cli_lines {
  FILE *in;
  const char *name; /* for messages: the path, or "stdin" */
  unsigned long long lineno;
  unsigned long long too_long; /* lines skipped: over CLI_LINE_MAX bytes */
  int read_error;              /* errno of a read error that ended it */
  char buf[CLI_LINE_MAX + 2];
} cli_lines;
/* Opens PATH ("-": stdin). 0, or prints why and returns DT_EIO. */
int cli_lines_open(cli_lines *l, const char *path);
/* The next line, CR/LF stripped, in *LINE (inside L, valid until the next
 * call): 1; 0 at the end. A line longer than CLI_LINE_MAX is reported
 * with its number and skipped; a read error is reported and ends the
 * list (cli_lines_close says so). */
int cli_lines_next(cli_lines *l, char **line);
/* Closes the list; DT_EIO when a read error cut it short, else 0. */
int cli_lines_close(cli_lines *l);

/* One line of an `audit --from` list (target_line.c): "DOMAIN", "URL" or
 * "METHOD URL" with a known method (RFC 9110 §9.3, PATCH), '#' starting a
 * comment to the end of the line. Ends the words in LINE itself. 1 with
 * *TARGET (and *METHOD, or NULL); 0 for a blank or comment line; -1 for a
 * line that is none of these (a first word that is no method, words left
 * over), which the caller reports with its number. */
int cli_target_line_split(char *line, const char **method, const char **target);

/* ---- colour (color.c): --color=auto|always|never ----------------------- */
enum { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };
#define CLI_COLOR_HELP                                                         \
  "      --color[=WHEN]        colour the text: auto (a terminal, without\n"   \
  "                            NO_COLOR), always or never; default auto\n"
/* ARG of --color (NULL: --color alone, "always") into *MODE: 0, or says
 * why and returns CLI_EXIT_USAGE. */
int cli_color_parse(const char *arg, int *mode);
/* Whether text written to F is coloured: always, never, or (auto) when F
 * is a terminal, NO_COLOR is unset or empty and TERM is not "dumb". */
int cli_color_for(int mode, FILE *f);
/* STYLE's SGR sequence when COLOR, else "": for the lines the CLI writes
 * itself (the audit summary). */
const char *cli_sgr(int color, dt_text_style style);

/* ---- the summary of a bulk audit (audit_summary.c) ----------------------
 * Counts by severity and the worst findings with the targets that have
 * them: bounded by the number of finding codes, not by the list. */
typedef struct cli_audit_summary cli_audit_summary;
cli_audit_summary *cli_audit_summary_new(void); /* NULL: out of memory */
/* One result; LINE is its line in the list. */
void cli_audit_summary_add(cli_audit_summary *s, const dt_audit_result *r,
                           unsigned long long line);
/* Lines of the list that were not targets (reported as they were read). */
void cli_audit_summary_skipped(cli_audit_summary *s, unsigned long long n);
/* The summary as text (COLOR: styled) or, with JSON, as one line
 * {"summary": {...}} (docs/audit.md). 0, or DT_ENOMEM. */
int cli_audit_summary_print(const cli_audit_summary *s, FILE *f, int json,
                            int color, const char *list_name);
void cli_audit_summary_free(cli_audit_summary *s);

#endif
