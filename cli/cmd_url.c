/* cmd_url.c — `detour url INPUT [--base URL]`: the URL Standard's parse,
 * the way a browser resolves a Location header. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static const char help[] =
    "usage: detour url [--base URL] [--json] INPUT\n"
    "\n"
    "Parses INPUT with the WHATWG URL Standard (against --base, as a "
    "Location\n"
    "header is resolved against the current URL) and prints its parts.\n";

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
    default: return cli_usage_error("try 'detour url --help'");
    }
  }
  if (optind != argc - 1) return cli_usage_error("url wants exactly one INPUT");
  const char *in = argv[optind];
  dt_url *base = NULL, *url = NULL;
  int rc = 0;
  if (base_s && (rc = dt_url_parse(&base, base_s, strlen(base_s), NULL))) {
    cli_error("the base URL '%.200s%s' could not be parsed: %s", base_s,
              strlen(base_s) > 200 ? "..." : "", dt_strerror(rc));
    return cli_exit_for(rc);
  }
  rc = dt_url_parse(&url, in, strlen(in), base);
  if (rc && json) { /* docs/json-output.md: failure is a document too */
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "href");
    dt_json_null(w);
    dt_json_key(w, "error");
    dt_error e = {.code = rc};
    char *ej = dt_error_to_json(&e);
    dt_json_raw(w, ej);
    dt_free(ej);
    dt_json_obj_close(w);
    cli_print_owned(dt_json_finish(w));
  }
  if (rc) {
    cli_error("'%.200s%s' could not be parsed%s: %s", in,
              strlen(in) > 200 ? "..." : "", base ? " against the base" : "",
              dt_strerror(rc));
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
