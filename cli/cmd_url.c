/* cmd_url.c — `detour url INPUT [--base URL]`: the URL Standard's parse,
 * the way a browser resolves a Location header. `detour url -` reads many
 * inputs, one a line, and prints one result a line (JSON Lines with
 * --json), so a list is checked in one process. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: detour url [--base URL] [--json] INPUT\n"
    "       detour url [--base URL] [--json] -\n"
    "\n"
    "Parses INPUT with the WHATWG URL Standard (against --base, as a "
    "Location\n"
    "header is resolved against the current URL) and prints its parts.\n"
    "\n"
    "With '-', reads one input a line from stdin and prints one result a "
    "line:\n"
    "INPUT, a tab, then the href or 'error: why' (with --json, one JSON "
    "document\n"
    "a line: {\"line\", \"input\", \"url\"} or {\"line\", \"input\", "
    "\"error\"}).\n"
    "Blank lines are skipped. The exit status is 0 when every input parsed, "
    "3 when\n"
    "one did not.\n";

/* E as the error object of docs/json-output.md, as raw JSON. */
static void put_error(dt_json *w, const dt_error *e) {
  char *ej = dt_error_to_json(e);
  dt_json_raw(w, ej);
  dt_free(ej);
}

/* The cause alone, for a list whose line already shows the input: the
 * message without its "'INPUT' is not a URL: " (dt_url_parse_err). */
static const char *cause(const dt_error *e) {
  const char *m = e->message, *k = strstr(m, "' is not a URL: ");
  return m[0] == '\'' && k ? k + strlen("' is not a URL: ") : m;
}

/* One input of a list: one line of output. Returns the parse's code. */
static int url_line(const char *in, unsigned long long lineno,
                    const dt_url *base, int json) {
  dt_url *url = NULL;
  dt_error e = {0};
  int rc = dt_url_parse_err(&url, in, strlen(in), base, &e);
  if (json) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "line");
    dt_json_uint(w, lineno);
    dt_json_key(w, "input");
    dt_json_str(w, in);
    if (rc == 0) {
      dt_json_key(w, "url");
      char *uj = dt_url_to_json(url);
      dt_json_raw(w, uj);
      dt_free(uj);
    } else {
      dt_json_key(w, "error");
      put_error(w, &e);
    }
    dt_json_obj_close(w);
    cli_print_owned(dt_json_finish(w));
  } else if (rc == 0) {
    printf("%s\t%s\n", in, dt_url_get(url, DT_URL_HREF));
  } else {
    printf("%s\terror: %s%s%s\n", in, cause(&e), e.hint[0] ? "; " : "", e.hint);
  }
  dt_url_free(url);
  return rc;
}

static int url_list(const dt_url *base, int json) {
  cli_lines l;
  if (cli_lines_open(&l, "-") != 0) return cli_exit_for(DT_EIO);
  cli_stdout_used();
  int first_fail = 0;
  char *line;
  while (cli_lines_next(&l, &line)) {
    if (line[0] == '\0') continue;
    int rc = url_line(line, l.lineno, base, json);
    if (rc && !first_fail) first_fail = rc;
  }
  fflush(stdout);
  if (cli_lines_close(&l) != 0) return cli_exit_for(DT_EIO);
  if (l.too_long && !first_fail) first_fail = DT_ELIMIT_URL;
  return first_fail ? cli_exit_for(first_fail) : 0;
}

int cli_cmd_url(int argc, char **argv) {
  static const struct option longopts[] = {{"base", required_argument, 0, 'b'},
                                           {"json", no_argument, 0, 'j'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  const char *base_s = NULL;
  int json = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'b': base_s = optarg; break;
    case 'j':
      json = 1;
      cli_json_mode();
      break;
    case 'h': fputs(help, stdout); return 0;
    default: return cli_bad_option("url", argc, argv);
    }
  }
  if (optind != argc - 1)
    return cli_usage_error("url wants exactly one INPUT (or '-')");
  const char *in = argv[optind];
  dt_url *base = NULL, *url = NULL;
  int rc = 0;
  dt_error e = {0};
  if (base_s &&
      (rc = dt_url_parse_err(&base, base_s, strlen(base_s), NULL, &e))) {
    size_t n = strlen(e.message), room = sizeof e.message - 9;
    if (n > room) n = room;
    memmove(e.message + 8, e.message, n); /* "--base: " first */
    memcpy(e.message, "--base: ", 8);
    e.message[n + 8] = '\0';
    cli_error_why(&e, base_s);
    return cli_exit_for(rc);
  }
  if (strcmp(in, "-") == 0) {
    rc = url_list(base, json);
    dt_url_free(base);
    return rc;
  }
  rc = dt_url_parse_err(&url, in, strlen(in), base, &e);
  if (rc && json) { /* docs/json-output.md: failure is a document too */
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "href");
    dt_json_null(w);
    dt_json_key(w, "error");
    put_error(w, &e);
    dt_json_obj_close(w);
    cli_print_owned(dt_json_finish(w));
  } else if (rc) {
    cli_error_why(&e, in);
  }
  if (rc) {
    dt_url_free(base);
    return cli_exit_for(rc);
  }
  if (json) {
    rc = cli_print_owned(dt_url_to_json(url));
  } else {
    for (int p = DT_URL_HREF; p <= DT_URL_HASH; p++)
      printf("%-9s %s\n", dt_url_part_name((dt_url_part)p),
             dt_url_get(url, (dt_url_part)p));
  }
  dt_url_free(url);
  dt_url_free(base);
  return cli_exit_for(rc);
}
