/* main.c — `detour`: dispatch to a subcommand, and the small helpers the
 * subcommands share (errors, files, numbers). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: detour <command> [options]\n"
    "\n"
    "  fetch URL        navigate to URL as a browser would: HSTS upgrade, "
    "redirects,\n"
    "                   and print the hop chain (--json, --har, --html)\n"
    "  url INPUT        how a browser parses a URL (--base URL to resolve)\n"
    "  hsts ...         the HSTS store: list, query, add, delete, clear, "
    "import,\n"
    "                   export, parse\n"
    "  preload ...      the HSTS preload list: compile, query, info\n"
    "  audit DOMAIN     judge a site's redirect and HSTS set-up as the "
    "preload\n"
    "                   checker and a browser do (--from FILE for many)\n"
    "  cookies ...      the cookie jar: list, clear, import, export, header\n"
    "  cache ...        the redirect cache and HTTPS-Upgrades fallbacks: "
    "list, clear\n"
    "  demo             the main job on a built-in loopback site (a "
    "self-check;\n"
    "                   --html DIR draws it as a page)\n"
    "  version          versions of detour and its libraries\n"
    "\n"
    "`detour <command> --help` lists a command's options; docs/cli.md has "
    "them all.\n";

static const struct {
  const char *name;
  int (*fn)(int, char **);
} commands[] = {
    {"fetch", cli_cmd_fetch},     {"url", cli_cmd_url},
    {"hsts", cli_cmd_hsts},       {"preload", cli_cmd_preload},
    {"demo", cli_cmd_demo},       {"audit", cli_cmd_audit},
    {"cookies", cli_cmd_cookies}, {"cache", cli_cmd_cache},
};

/* Errors are said once (docs/cli.md "Errors"). Without --json, each
 * message goes to stderr as it happens. With --json, stderr says nothing
 * the document on stdout says: a command that fails before it printed a
 * document of its own gets {"error": {"code", "class", "message", "hint"}}
 * from main instead (its last message); messages of a command that did
 * print its document (which cannot carry them: a warning of the store's, a
 * cookie jar that could not be written, a bad line of a list) go to
 * stderr — at the end when they came before it, at once after. */
#define HELD_MAX 8
static int g_stdout_used;
static int g_json;
static char g_last_error[1024], g_last_hint[512];
static int g_last_code;
static int g_err_color; /* errors in the error style (cli_error_color) */
static char g_held[HELD_MAX][1024];
static size_t g_nheld;

void cli_stdout_used(void) { g_stdout_used = 1; }
void cli_json_mode(void) { g_json = 1; }
int cli_json(void) { return g_json; }

/* RC is an exit status; 1 is not an error class (audit: error findings;
 * demo: an expectation failed) and those commands printed their result. */
static int finish(int rc) {
  if (!g_json) return rc;
  int doc = rc >= DT_CLASS_USAGE && !g_stdout_used;
  for (size_t i = 0; i < g_nheld; i++) /* the document carries the error */
    if (!doc || strncmp(g_held[i], "warning: ", 9) == 0)
      fprintf(stderr, "detour: %s\n", g_held[i]);
  if (!doc) return rc;
  dt_json *w = dt_json_new(0);
  dt_json_obj_open(w);
  dt_json_key(w, "error");
  dt_json_obj_open(w);
  dt_json_key(w, "code");
  if (g_last_code && (int)dt_err_class_of(g_last_code) == rc) /* agree */
    dt_json_str(w, dt_err_name(g_last_code));
  else
    dt_json_null(w);
  dt_json_key(w, "class");
  dt_json_str(w, dt_err_class_name((dt_err_class)rc));
  dt_json_key(w, "message");
  dt_json_str(w, g_last_error);
  dt_json_key(w, "hint");
  if (g_last_hint[0])
    dt_json_str(w, g_last_hint);
  else
    dt_json_null(w);
  dt_json_obj_close(w);
  dt_json_obj_close(w);
  cli_print_owned(dt_json_finish(w));
  return rc;
}

/* `detour version`: the libraries, and the embedded preload list's date
 * and age, which decide what a navigation upgrades (docs/cli.md). */
static int version(int json) {
  dt_preload *p = NULL;
  dt_preload_info in;
  memset(&in, 0, sizeof in);
  int64_t age = 0;
  if (dt_preload_open_embedded(&p, NULL) == 0) {
    dt_preload_get_info(p, &in);
    age = dt_preload_age_days(p, NULL);
  }
  dt_preload_free(p);
  if (json) { /* every command has it */
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "version");
    dt_json_str(w, dt_version_info());
    dt_json_key(w, "preload_list_date");
    if (in.list_date[0])
      dt_json_str(w, in.list_date);
    else
      dt_json_null(w);
    dt_json_key(w, "preload_age_days");
    dt_json_int(w, age);
    dt_json_obj_close(w);
    return cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
  }
  printf("%s\n", dt_version_info());
  if (in.list_date[0])
    printf("HSTS preload list %s (embedded, %lld days old%s)\n", in.list_date,
           (long long)age,
           age >= DT_PRELOAD_STALE_DAYS
               ? "; Chromium stops using its list at 70 days: `detour "
                 "preload info` says how to use a newer one"
               : "");
  return CLI_EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return CLI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version"))
    return version(argc > 2 && !strcmp(argv[2], "--json"));
  opterr = 0; /* a bad option is said once, by cli_bad_option */
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(cmd, commands[i].name))
      return finish(commands[i].fn(argc - 1, argv + 1));
  fprintf(stderr, "detour: unknown command '%s'\n\n%s", cmd, usage);
  return CLI_EXIT_USAGE;
}

/* Says MSG once: on stderr (returns 1), or held for the JSON document
 * (above; returns 0). */
static int say(const char *msg, int code, const char *hint) {
  if (strncmp(msg, "warning: ", 9) != 0) {
    snprintf(g_last_error, sizeof g_last_error, "%s", msg);
    snprintf(g_last_hint, sizeof g_last_hint, "%s", hint ? hint : "");
    g_last_code = code;
  }
  /* held while the document may still carry it; once the command has
   * printed (a list streams its documents) it can no longer */
  if (g_json && !g_stdout_used && g_nheld < HELD_MAX) {
    snprintf(g_held[g_nheld++], sizeof g_held[0], "%s", msg);
    return 0;
  }
  if (g_err_color && strncmp(msg, "warning: ", 9) != 0)
    fprintf(stderr, "detour: %s%s%s\n", dt_text_style_sgr(DT_STYLE_ERROR), msg,
            dt_text_style_sgr(DT_STYLE_RESET));
  else
    fprintf(stderr, "detour: %s\n", msg);
  return 1;
}

void cli_error_color(int on) { g_err_color = on; }

static void verr(const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  say(msg, 0, NULL);
}

/* The input with a caret under byte OFFSET, as compilers point at a column:
 * "  INPUT\n  ^ byte N\n" (hsts parse's rejection, a URL that does not
 * parse). Control bytes show as '?' so the caret stays in its column; a
 * long input is cut to the 60 bytes either side of OFFSET. */
void cli_caret(FILE *f, const char *input, size_t offset) {
  size_t len = strlen(input), from = 0, to = len;
  if (offset > len) offset = len;
  if (offset > 60) from = offset - 60;
  if (to - offset > 60) to = offset + 60;
  while (from > 0 && ((unsigned char)input[from] & 0xC0) == 0x80)
    from--; /* not in the middle of a UTF-8 sequence */
  while (to < len && ((unsigned char)input[to] & 0xC0) == 0x80)
    to++;
  fputs(from ? "  ..." : "  ", f);
  size_t col = from ? 3 : 0;
  for (size_t i = from; i < to; i++) {
    unsigned char c = (unsigned char)input[i];
    fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
    /* one column per character: the lead byte of a UTF-8 sequence */
    if (i < offset && (c & 0xC0) != 0x80) col++;
  }
  fputs(to < len ? "...\n" : "\n", f);
  fprintf(f, "  %*s^ byte %zu\n", (int)col, "", offset);
}

void cli_error_why(const dt_error *e, const char *input) {
  if (!say(e->message[0] ? e->message : dt_strerror(e->code), e->code,
           e->hint[0] ? e->hint : NULL))
    return; /* the document carries the hint */
  if (input && e->column) cli_caret(stderr, input, e->column - 1);
  if (e->hint[0]) fprintf(stderr, "detour: hint: %s\n", e->hint);
}

void cli_error_hint(int code, const char *msg, const char *hint) {
  if (say(msg, code, hint) && hint) fprintf(stderr, "detour: hint: %s\n", hint);
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(fmt, ap);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(fmt, ap);
  va_end(ap);
}

int cli_bad_option(const char *cmd, int argc, char **argv) {
  const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
  if (optopt > 0 && optopt < 128 && arg[0] == '-' && arg[1] != '-')
    return cli_usage_error("-%c: unknown option, or it wants a value (try "
                           "'detour %s --help')",
                           optopt, cmd);
  return cli_usage_error("%s: unknown option, or it wants a value (try "
                         "'detour %s --help')",
                         arg, cmd);
}

int cli_exit_for(int err) { return err ? (int)dt_err_class_of(err) : 0; }

int cli_read_file(const char *path, size_t max, char **out, size_t *len) {
  dt_error e = {0};
  int rc = dt_file_read(path, max, out, len, &e);
  if (rc) cli_error("%s", e.message);
  return rc;
}

int cli_fail(const dt_error *err) {
  cli_error_why(err, NULL);
  return cli_exit_for(err->code);
}

int cli_unknown_profile(const char *name) {
  return cli_usage_error("unknown profile '%s' (try " CLI_PROFILES ")", name);
}

int cli_write_file(const char *path, const void *data, size_t len) {
  FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
  if (!f) {
    cli_error("cannot create %s: %s", path, strerror(errno));
    return DT_EIO;
  }
  if (f == stdout) g_stdout_used = 1;
  int bad = fwrite(data, 1, len, f) != len;
  if (f != stdout)
    bad |= fclose(f) != 0;
  else
    bad |= fflush(f) != 0;
  if (bad) {
    cli_error("cannot write %s: %s", path, strerror(errno));
    return DT_EIO;
  }
  return 0;
}

int cli_print_owned_to(FILE *f, char *s) {
  if (!s) {
    cli_error("out of memory");
    return DT_ENOMEM;
  }
  if (f == stdout) g_stdout_used = 1;
  fputs(s, f);
  size_t n = strlen(s);
  if (n == 0 || s[n - 1] != '\n') fputc('\n', f);
  dt_free(s);
  return 0;
}

int cli_print_owned(char *s) { return cli_print_owned_to(stdout, s); }

int cli_parse_uint(const char *s, unsigned long long max,
                   unsigned long long *out) {
  if (!s || !*s) return -1;
  unsigned long long v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    unsigned d = (unsigned)(*p - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int cli_parse_seconds_ms(const char *s, uint32_t *ms) {
  /* "2", "0.5", "1.25": seconds with up to 3 decimals, like curl's
   * --max-time. */
  unsigned long long whole = 0, frac = 0;
  const char *dot = strchr(s, '.');
  char ibuf[24];
  size_t il = dot ? (size_t)(dot - s) : strlen(s);
  if (il == 0 && !dot) return -1;
  if (il >= sizeof ibuf) return -1;
  memcpy(ibuf, s, il);
  ibuf[il] = 0;
  if (il && cli_parse_uint(ibuf, 4000000ull, &whole)) return -1;
  if (dot) {
    const char *f = dot + 1;
    size_t fl = strlen(f);
    if (fl == 0 || fl > 3 || cli_parse_uint(f, 999, &frac)) return -1;
    for (size_t i = fl; i < 3; i++)
      frac *= 10;
  }
  *ms = (uint32_t)(whole * 1000 + frac);
  return 0;
}

/* A path the user typed for option WHAT: not empty, and it fits. */
static int path_opt(const char *what, const char *opt, char *out, size_t cap) {
  if (!*opt)
    return cli_usage_error("%s wants a path, not an empty string", what);
  if (strlen(opt) >= cap)
    return cli_usage_error("%s: the path is longer than %zu bytes", what,
                           cap - 1);
  strcpy(out, opt);
  return 0;
}

int cli_user_data_dir(const char *opt, char *out, size_t cap) {
  if (opt) return path_opt("--user-data-dir", opt, out, cap);
  if (dt_hsts_store_default_path(out, cap)) return -1;
  char *slash = strrchr(out, '/');
  if (!slash) return -1;
  *slash = 0; /* the default store's directory */
  return 0;
}

int cli_parse_since(const char *arg, int64_t *from_ms) {
  if (!strcmp(arg, "all")) {
    *from_ms = INT64_MIN;
    return 0;
  }
  size_t n = strlen(arg);
  unsigned long long v = 0;
  static const struct {
    char unit;
    int64_t ms;
  } units[] = {{'s', 1000},
               {'m', 60000},
               {'h', 3600000},
               {'d', 86400000},
               {'w', 604800000}};
  for (size_t i = 0; n > 1 && i < sizeof units / sizeof units[0]; i++) {
    if (arg[n - 1] != units[i].unit) continue;
    char num[32];
    if (n - 1 >= sizeof num) break;
    memcpy(num, arg, n - 1);
    num[n - 1] = 0;
    if (cli_parse_uint(num, 100000000, &v) || v == 0) break;
    *from_ms = dt_clock_now_ms(NULL) - (int64_t)v * units[i].ms;
    return 0;
  }
  return cli_usage_error("--since wants all, or a number and s, m, h, d or w "
                         "(1h, 24h, 7d, 4w), got '%s'",
                         arg);
}

int cli_hsts_store_path(const char *opt, char *out, size_t cap) {
  if (opt) return path_opt("--hsts-store", opt, out, cap);
  return dt_hsts_store_default_path(out, cap) ? -1 : 0;
}
